-- Optional agent configuration. Copy to br_config.lua, edit, and add it to the LuaTools script
-- list next to the agent. Without it the agent uses the USB virtual serial port (uart.VUART_0).
-- Every option is optional; unknown keys are logged and ignored.
return {
    -- Physical UART instead of the USB port (UART1 = pins 17/18 on Air780E). The host must then
    -- open the matching serial port at the same baud rate, 8N1.
    -- uart_id = 1,
    -- baud = 921600,
    -- data_bits = 8,
    -- stop_bits = 1,

    -- uart.setup buffer size in bytes (the VUART clamps it to 2048..8192 on EC618, 16384 on EC7xx).
    -- rx_buffer = 8192,
    -- Bytes taken per uart.read call while draining a "receive" event.
    -- read_chunk = 1024,

    -- Protocol limits announced in HELLO (docs/protocol.md §4). Lower them on a tight heap.
    -- max_frame = 2048,      -- largest frame accepted, 13 bytes of header and CRC included
    -- max_message = 65536,   -- largest reassembled request body
    -- rx_window = 4096,      -- host may have this many bytes written and not yet credited;
    --                        -- keep it <= rx_buffer
    -- event_queue = 32768,   -- outbound queue bytes above which MQTT events are dropped (and reported)

    -- Transmit pacing: at most tx_window bytes are written ahead of the driver; the budget is
    -- refilled by the uart "sent" event and every tx_tick_ms (physical UARTs and ports that
    -- never raise "sent").
    -- tx_window = 4096,
    -- tx_tick_ms = 20,
    -- tx_stall_ms = 2000,    -- no "sent" this long while a write is in flight: assume it was lost
    -- queue_limit = 40960,   -- outbound bytes above which no request is read (default event_queue + 8192)
    -- frame_timeout_ms = 500, -- a partial frame with no new byte this long is dropped

    -- Highest protocol version offered to the host (docs/protocol.md §4.1). 1 makes the agent answer as a
    -- version-1 agent (no compact events), e.g. for a host tool that mishandles version 2.
    -- max_proto = 2,
}
