using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Air780Bridge.Client.Link;
using Air780Bridge.Client.Mqtt;
using Air780Bridge.Client.Transport;
using Air780Bridge.Protocol.Messages;
using Serilog;

namespace Air780Bridge.Client;

/// <summary>
/// A module reached through its agent: the HELLO, raw calls, the mqtt library (<see cref="Mqtt"/>) and every event.
/// </summary>
public sealed class Air780Client : IModuleCalls, IAsyncDisposable
{
    private readonly ModuleLink _link;
    private readonly List<Channel<ModuleEvent>> _subscribers = [];
    private readonly Lock _lock = new();
    private readonly Task _pump;

    private Air780Client(ModuleLink link, ILogger log)
    {
        _link = link;
        Log = log;
        Mqtt = new ModuleMqtt(this);
        _pump = PumpAsync();
    }

    internal ILogger Log { get; }

    public HelloInfo Hello => _link.Hello;
    public LinkStats Stats => _link.Stats;

    /// <summary>Why the link died (the port did not come back within the reconnect time), or null while it serves.</summary>
    public string? LinkFailure => _link.Failure;

    /// <summary>False while a vanished port is being reopened (and once the link gave up).</summary>
    public bool IsLinkUp => _link.IsUp;

    /// <summary>Waits for a vanished port to come back: true when the link serves again, false when it gave up.</summary>
    public Task<bool> WaitUntilLinkUpAsync(CancellationToken ct = default) => _link.WaitUntilUpAsync(ct);
    public ModuleMqtt Mqtt { get; }

    /// <summary>Every mqtt event of this module, by client handle; the proxies and scenarios wait on it.</summary>
    public MqttEventLog MqttEvents { get; } = new();

    /// <summary>Raised for every event, on the link's thread; keep handlers short.</summary>
    public event Action<ModuleEvent>? EventReceived;

    /// <summary>Opens <paramref name="connectionString"/> (serial://... or tcp://...) and waits for the module's HELLO.</summary>
    public static async Task<Air780Client> ConnectAsync(string connectionString, LinkOptions? options = null, ILogger? log = null, CancellationToken ct = default)
    {
        log ??= Serilog.Log.Logger;
        var link = await ModuleLink.ConnectAsync(LinkAddress.Parse(connectionString), options, log, ct);
        return new Air780Client(link, log);
    }

    /// <summary>Connects to an agent in this process (a twin's memory link) and waits for its HELLO.</summary>
    public static async Task<Air780Client> ConnectAsync(InProcessTransport transport, LinkOptions? options = null, ILogger? log = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(transport);
        log ??= Serilog.Log.Logger;
        var link = await ModuleLink.ConnectAsync(transport.Address, options, log, ct, transport);
        return new Air780Client(link, log);
    }

    /// <summary>One Lua call through the agent, by protocol method name (docs/protocol.md §5.1); returns the Lua results.</summary>
    public Task<object?[]> CallAsync(string method, object?[] args, CancellationToken ct = default, TimeSpan? timeout = null) =>
        _link.CallAsync(method, args, timeout, ct);

    Task<object?[]> IModuleCalls.CallAsync(string method, object?[] args, CancellationToken ct) => CallAsync(method, args, ct);

    public Task<TimeSpan> PingAsync(CancellationToken ct = default) => _link.PingAsync(ct);

    /// <summary>Every event from now on, until <paramref name="ct"/> is cancelled or the client is disposed.</summary>
    public async IAsyncEnumerable<ModuleEvent> Events([EnumeratorCancellation] CancellationToken ct = default)
    {
        var channel = Channel.CreateUnbounded<ModuleEvent>(new UnboundedChannelOptions { SingleReader = true });
        lock (_lock) _subscribers.Add(channel);
        try
        {
            await foreach (var e in channel.Reader.ReadAllAsync(ct))
                yield return e;
        }
        finally
        {
            lock (_lock) _subscribers.Remove(channel);
        }
    }

    private async Task PumpAsync()
    {
        await foreach (var notice in _link.Notices.ReadAllAsync())
        {
            if (ModuleEventMapper.From(notice) is not { } e)
                continue;
            if (e is MqttEvent m)
                MqttEvents.Add(m);
            else if (e is ModuleRebootedEvent reboot)
                Mqtt.Rebooted(reboot);
            EventReceived?.Invoke(e);
            lock (_lock)
                foreach (var s in _subscribers)
                    s.Writer.TryWrite(e);
        }
        lock (_lock)
            foreach (var s in _subscribers)
                s.Writer.TryComplete();
    }

    public async ValueTask DisposeAsync()
    {
        await _link.DisposeAsync();
        await _pump;
    }
}
