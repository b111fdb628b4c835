namespace Air780Bridge.Twin.Link;

/// <summary>
/// The host end of a module's USB serial channel. Subclasses move bytes over a transport (pty, TCP);
/// this base wires them to the module through a <see cref="LinkConditioner"/> in each direction.
/// </summary>
public abstract class TwinSerialLink : IDisposable
{
    /// <summary>Largest chunk handed to the module in one call: one USB bulk transfer of grouped 64-byte packets.</summary>
    public const int MaxTransfer = 512;

    private readonly IModuleSerial _serial;
    private readonly ConditionedPipe _toModule;
    private readonly ConditionedPipe _toHost;
    private long _droppedWhileUnplugged;
    private int _disposed;

    protected TwinSerialLink(IModuleSerial serial, LinkConditioner? conditioner, string name)
    {
        _serial = serial;
        Name = name;
        Conditioner = conditioner ?? new LinkConditioner();
        _toModule = new ConditionedPipe(Conditioner, DeliverInTransfers);
        _toHost = new ConditionedPipe(Conditioner, WriteIfPlugged, serial.TransmitCompleted);
        _serial.ToHost += OnModuleWrite;
    }

    public string Name { get; }
    public LinkConditioner Conditioner { get; }

    /// <summary>What a client passes to connect, e.g. <c>serial:///tmp/air780-twin/twin-1</c> or <c>tcp://127.0.0.1:40123</c>.</summary>
    public abstract string ConnectionString { get; }

    public bool IsPlugged { get; private set; } = true;

    /// <summary>Bytes the module wrote while the link was unplugged (or, for TCP, while no client was connected).</summary>
    public long DroppedWhileUnplugged => Interlocked.Read(ref _droppedWhileUnplugged);

    /// <summary>Removes the device as USB re-enumeration would; the connection string stays reserved.</summary>
    public void Unplug()
    {
        if (!IsPlugged) return;
        IsPlugged = false;
        CloseTransport();
    }

    /// <summary>Brings the device back under the same connection string.</summary>
    public void Replug()
    {
        if (IsPlugged) return;
        OpenTransport();
        IsPlugged = true;
    }

    protected abstract void OpenTransport();
    protected abstract void CloseTransport();

    /// <summary>Writes module output to the host; returns false when nobody can receive it.</summary>
    protected abstract bool WriteToHost(byte[] data);

    /// <summary>Called by the transport's reader with bytes from the host.</summary>
    protected void OnHostBytes(ReadOnlySpan<byte> data) => _toModule.Post(data);

    private void OnModuleWrite(ReadOnlyMemory<byte> chunk) => _toHost.Post(chunk.Span);

    private void WriteIfPlugged(byte[] data)
    {
        if (!IsPlugged || !WriteToHost(data)) Interlocked.Add(ref _droppedWhileUnplugged, data.Length);
    }

    private void DeliverInTransfers(byte[] data)
    {
        for (var i = 0; i < data.Length; i += MaxTransfer)
            _serial.DeliverFromHost(data.AsSpan(i, Math.Min(MaxTransfer, data.Length - i)));
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _serial.ToHost -= OnModuleWrite;
        if (IsPlugged) { IsPlugged = false; CloseTransport(); }
        _toHost.Dispose();
        _toModule.Dispose();
        GC.SuppressFinalize(this);
    }
}
