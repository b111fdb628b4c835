using System.Text;
using Air780Bridge.Twin;

namespace Air780Bridge.Twin.Tests.Runtime;

/// <summary>Reference §10: the USB virtual UART (uart.VUART_0).</summary>
public class UartTests
{
    [Theory]
    [InlineData("air780e-v1120", "nil", 2048)]
    [InlineData("air780e-v1120", "100", 2048)]
    [InlineData("air780e-v1120", "4096", 4096)]
    [InlineData("air780e-v1120", "100000", 8192)]
    [InlineData("air780ep-v2028", "100000", 16384)]
    public void Uart_setup_clamps_the_vuart_buffer_to_2048_and_the_profile_maximum(string profile, string size, int expected)
    {
        using var m = new ScriptedModule($"print('setup', uart.setup(uart.VUART_0, 115200, 8, 1, uart.None, uart.LSB, {size}))", FirmwareProfile.Get(profile));
        Assert.Equal("setup 0", m.Next());
        Assert.Equal(expected, m.Module.UartBufferSize);
    }

    [Fact]
    public void Uart_data_arriving_before_setup_is_dropped()
    {
        // The transfer is queued before the module starts; the setup timer fires only after it was handled.
        using var m = new ScriptedModule("""
            sys.timerStart(function()
                uart.setup(uart.VUART_0)
                uart.on(uart.VUART_0, "receive", function(id, len) print("rx", uart.read(id)) end)
                print("ready")
            end, 1)
            """, beforeStart: module => module.DeliverFromHost("early"u8));
        Assert.Equal("ready", m.Next());
        m.FromHost("late");
        Assert.Equal("rx late", m.Next());
    }

    [Fact]
    public void Uart_read_defaults_to_1024_bytes()
    {
        using var m = new ScriptedModule("""
            uart.setup(uart.VUART_0)
            local n = 0
            uart.on(uart.VUART_0, "receive", function(id, len)
                n = n + 1
                if n == 3 then print("read", #uart.read(id), #uart.read(id)) end
            end)
            print("ready")
            """);
        m.Next("ready");
        for (var i = 0; i < 3; i++)
            m.FromHost(new string('a', 500));
        Assert.Equal("read 1024 476", m.Next());
    }

    [Fact]
    public void Uart_read_returns_empty_string_when_nothing_is_buffered()
    {
        using var m = new ScriptedModule("""
            uart.setup(uart.VUART_0)
            local r = uart.read(uart.VUART_0)
            print(type(r), #r, #uart.read(uart.VUART_0, 0))
            """);
        Assert.Equal("string 0 0", m.Next());
    }

    [Fact]
    public void Uart_read_of_more_than_65536_bytes_is_clamped_with_an_error_log()
    {
        using var m = new ScriptedModule("uart.setup(uart.VUART_0) print('read', #uart.read(uart.VUART_0, 100000))");
        Assert.Equal("E/uart uart read length too much 100000, change to 65536", m.Next());
        Assert.Equal("read 0", m.Next());
    }

    [Fact]
    public void Uart_receive_fires_once_per_transfer_with_that_transfers_length()
    {
        using var m = new ScriptedModule("""
            uart.setup(uart.VUART_0)
            uart.on(uart.VUART_0, "recv", function(id, len) print("rx", id, len) end)
            print("ready")
            """);
        m.Next("ready");
        m.FromHost("abc");
        m.FromHost("defgh");
        Assert.Equal("rx 32 3", m.Next());
        Assert.Equal("rx 32 5", m.Next());
    }

    [Fact]
    public void Uart_write_returns_the_length_and_goes_out_in_transfers_of_at_most_512_bytes()
    {
        using var m = new ScriptedModule("""
            uart.setup(uart.VUART_0)
            print("wrote", uart.write(uart.VUART_0, string.rep("x", 1200)))
            """);
        Assert.Equal("wrote 1200", m.Next());
        Assert.Equal([512, 512, 176], new[] { m.NextToHost().Length, m.NextToHost().Length, m.NextToHost().Length });
    }

    [Fact]
    public void Uart_write_stops_at_an_integer_max_length()
    {
        using var m = new ScriptedModule("""
            uart.setup(uart.VUART_0)
            print("wrote", uart.write(uart.VUART_0, "abcdef", 3), uart.write(uart.VUART_0, "gh", 1.0))
            """);
        Assert.Equal("wrote 3 2", m.Next());
        Assert.Equal("abc", Encoding.ASCII.GetString(m.NextToHost()));
        Assert.Equal("gh", Encoding.ASCII.GetString(m.NextToHost()));
    }

    [Fact]
    public void Uart_sent_fires_after_a_write()
    {
        using var m = new ScriptedModule("""
            uart.setup(uart.VUART_0)
            uart.on(uart.VUART_0, "sent", function(id) print("sent", id) end)
            uart.write(uart.VUART_0, "hi")
            """);
        Assert.Equal("sent 32", m.Next());
    }

    [Fact]
    public void Uart_close_frees_the_buffer_and_stops_reception()
    {
        using var m = new ScriptedModule("""
            uart.setup(uart.VUART_0)
            uart.on(uart.VUART_0, "receive", function(id)
                print("size", uart.rxSize(id))
                uart.close(id)
                print("after close", #uart.read(id))
            end)
            print("ready")
            """);
        m.Next("ready");
        m.FromHost("abcd");
        Assert.Equal("size 4", m.Next());
        Assert.Equal("after close 0", m.Next());
        Assert.Null(m.Module.UartBufferSize);
    }

    [Fact]
    public void Uart_a_physical_uart_is_a_loud_error()
    {
        using var m = new ScriptedModule("print(pcall(uart.setup, 1, 115200))");
        Assert.Contains("twin: uart 1 is not emulated", m.Next());
    }
}
