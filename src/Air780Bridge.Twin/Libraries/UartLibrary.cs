using Air780Bridge.Twin.Runtime;
using KeraLua;

namespace Air780Bridge.Twin.Libraries;

/// <summary>
/// uart: the USB virtual UART only (every id &gt;= 0x20 is the same channel), and the module end of the serial
/// link: host transfers become "receive" events, uart.write output goes out through the USB transmit cache.
/// </summary>
internal sealed class UartLibrary(ILuaHost host) : ILuatLibrary, IModuleSerial
{
    private const int Vuart = 0x20;
    /// <summary>The USB driver's transmit cache: uart.write output waits for room here while the host does not read.</summary>
    public const int UsbTxCache = 4096;
    private readonly MemoryStream _rx = new();
    // uart.write output not yet in the USB cache; Sent marks the last chunk of a write ("sent" fires when it enters).
    private readonly Queue<(byte[] Chunk, bool Sent)> _txWaiting = new();
    private int _txInCache;
    private bool _ready;
    private LuaRef? _onReceive, _onSent;

    public string Name => "uart";

    /// <summary>The VUART rx buffer size the last uart.setup chose (clamped); null while the UART is not set up.</summary>
    public int? BufferSize { get; private set; }

    public event Action<ReadOnlyMemory<byte>>? ToHost;

    public void Register(LuaBindings bindings)
    {
        bindings.Function("uart.setup", Setup);
        bindings.Function("uart.on", On);
        bindings.Function("uart.read", Read);
        bindings.Function("uart.write", Write);
        bindings.Function("uart.close", a => { VuartId(a); _ready = false; BufferSize = null; _rx.SetLength(0); return []; });
        bindings.Function("uart.rxClear", a => { VuartId(a); _rx.SetLength(0); return []; });
        bindings.Function("uart.rxSize", a => { VuartId(a); return [_rx.Length]; });
        foreach (var (name, value) in new (string, long)[] { ("VUART_0", 0x20), ("VUART_1", 0x21), ("VUART_2", 0x22), ("None", 0), ("Odd", 1), ("Even", 2), ("LSB", 0), ("MSB", 1) })
            bindings.Constant("uart." + name, value);
    }

    public void Reset()
    {
        _ready = false;
        BufferSize = null;
        _onReceive = _onSent = null;
        _rx.SetLength(0);
        _txWaiting.Clear();
        _txInCache = 0;
    }

    public void DeliverFromHost(ReadOnlySpan<byte> transfer)
    {
        var copy = transfer.ToArray();
        host.Post(() =>
        {
            // "usb serial not init": data before uart.setup is dropped.
            if (!_ready)
                return;
            _rx.Seek(0, SeekOrigin.End);
            _rx.Write(copy);
            if (_onReceive is { } fn)
                host.Call(fn, [(long)Vuart, (long)copy.Length]);
        });
    }

    public void TransmitCompleted(int bytes) => host.Post(() =>
    {
        // Output from before a reboot may be acknowledged after it: never below empty.
        _txInCache = Math.Max(0, _txInCache - bytes);
        PumpTransmit();
    });

    // Moves waiting output into the USB cache while it has room; "sent" once a write's last chunk is in (§10).
    private void PumpTransmit()
    {
        while (_txWaiting.TryPeek(out var next) && (_txInCache == 0 || _txInCache + next.Chunk.Length <= UsbTxCache))
        {
            _txWaiting.Dequeue();
            if (next.Chunk.Length > 0 && ToHost is { } toHost)
            {
                _txInCache += next.Chunk.Length;
                toHost(next.Chunk);
            }
            if (next.Sent && _onSent is { } fn)
                host.Call(fn, [(long)Vuart]);
        }
    }

    /// <summary>Only the USB virtual UART exists here; a physical UART id is a loud error, not a silent no-op.</summary>
    private static long VuartId(LuaArgs a)
    {
        var id = a.CheckInteger(1);
        return id >= Vuart ? id : throw new LuaRaise($"twin: uart {id} is not emulated (only the USB virtual UART, uart.VUART_0)");
    }

    private object?[] Setup(LuaArgs a)
    {
        VuartId(a);
        // Baud and format mean nothing to the VUART; only the buffer size counts, clamped to [2048, max].
        BufferSize = (int)Math.Clamp(a.OptInteger(7) ?? 1024, 2048, host.Profile.VuartBufferMax);
        _ready = true;
        return [0L];
    }

    private object?[] On(LuaArgs a)
    {
        VuartId(a);
        var ev = System.Text.Encoding.ASCII.GetString(a.CheckBytes(2));
        var fn = a.FunctionRef(3);
        if (ev is "receive" or "recv")
            _onReceive = fn;
        else if (ev == "sent")
            _onSent = fn;
        return [];
    }

    private object?[] Read(LuaArgs a)
    {
        VuartId(a);
        if (a.Type(3) == LuaType.UserData)
            throw new LuaRaise("twin: uart.read into a zbuff is not emulated");
        // The length is taken as uint32: < 1 reads nothing, a negative one wraps and is clamped like any > 65536.
        var requested = (uint)(a.OptInteger(2) ?? 1024);
        if (requested < 1)
            return [Array.Empty<byte>()];
        if (requested > 65536)
        {
            host.Print($"E/uart uart read length too much {requested}, change to 65536");
            requested = 65536;
        }
        var available = (int)_rx.Length;
        var n = Math.Min((int)requested, available);
        var data = new byte[n];
        var buffer = _rx.GetBuffer();
        Array.Copy(buffer, 0, data, 0, n);
        Array.Copy(buffer, n, buffer, 0, available - n);
        _rx.SetLength(available - n);
        return [data];
    }

    private object?[] Write(LuaArgs a)
    {
        VuartId(a);
        if (a.Type(2) == LuaType.UserData)
            throw new LuaRaise("twin: uart.write of a zbuff is not emulated");
        var data = a.CheckBytes(2);
        // The optional max length counts only when it is an integer (lua_isinteger); it is a size_t, so a
        // negative one is huge and cuts nothing.
        if (a.Type(3) == LuaType.Number && a.IsInteger(3) && a.CheckInteger(3) is >= 0 and var max && max < data.Length)
            data = data[..(int)max];
        // Split into <= 512-byte USB writes; they reach the host as fast as it reads, "sent" follows (§10).
        for (var offset = 0; offset < data.Length || offset == 0; offset += 512)
        {
            var end = Math.Min(data.Length, offset + 512);
            _txWaiting.Enqueue((data[offset..end], end == data.Length));
            if (end == data.Length)
                break;
        }
        // Posted, so "sent" follows what the bus already holds, as a driver event would.
        if (!host.Post(PumpTransmit))
            PumpTransmit();
        return [(long)data.Length];
    }
}
