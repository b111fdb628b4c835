namespace Air780Bridge.Twin;

// Seams between the twin's parts: the Lua runtime (Runtime/), the emulated mqtt library (Mqtt/) and the
// serial side (Link/). Each part is tested on its own against these.

/// <summary>
/// The module's message bus, as LuatOS's msgbus + rtos.receive: everything that touches the Lua state runs
/// on the module's single Lua thread, in the order it was posted.
/// </summary>
public interface IModuleBus
{
    /// <summary>Queues work for the Lua thread. False when the bus is full (the firmware then drops the message silently).</summary>
    bool Post(Action onLuaThread);

    /// <summary>Milliseconds since this module booted, monotonic.</summary>
    long NowMs { get; }

    /// <summary>An RTOS timer whose expiry is posted to the bus (so a busy Lua thread delays it, as on hardware).</summary>
    IModuleTimer CreateTimer(Action onLuaThread);
}

public interface IModuleTimer : IDisposable
{
    void Start(int periodMs, bool repeat);
    void Stop();
    bool Active { get; }
}

/// <summary>
/// The module end of the USB virtual serial channel (uart.VUART_0). The link (pty, TCP) sits on the other end.
/// </summary>
public interface IModuleSerial
{
    /// <summary>Host -> module: one call is one USB transfer, i.e. one uart "receive" event on the module.</summary>
    void DeliverFromHost(ReadOnlySpan<byte> transfer);

    /// <summary>Module -> host: raised (on the Lua thread) for each chunk that enters the USB driver's transmit cache.</summary>
    event Action<ReadOnlyMemory<byte>>? ToHost;

    /// <summary>
    /// The link took <paramref name="bytes"/> of <see cref="ToHost"/> output off the USB cache (delivered to the host,
    /// or lost on the way): room for more. Until then the output counts against the cache, so a host that does
    /// not read stops uart "sent" events, as on hardware.
    /// </summary>
    void TransmitCompleted(int bytes) { }
}
