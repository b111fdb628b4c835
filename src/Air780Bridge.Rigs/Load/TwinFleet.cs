using Air780Bridge.Client;
using Air780Bridge.Client.Link;
using Air780Bridge.Client.Mqtt;
using Air780Bridge.Client.Transport;
using Air780Bridge.Rigs.RigFiles;
using Air780Bridge.Rigs.Run;
using Air780Bridge.Twin;
using Air780Bridge.Twin.Link;

namespace Air780Bridge.Rigs.Load;

/// <summary>What a <see cref="TwinFleet"/> starts and where its clients go.</summary>
public sealed record FleetOptions
{
    public int Count { get; init; } = 1;
    public required string BrokerHost { get; init; }
    public required int BrokerPort { get; init; }
    public int KeepaliveSeconds { get; init; } = 60;
    /// <summary>Each twin's MQTT client id is this, '-' and its number.</summary>
    public string ClientIdPrefix { get; init; } = "air780-twin";
    public string? Username { get; init; }
    public string? Password { get; init; }
    public string Profile { get; init; } = FirmwareProfile.Default.Name;
    public AgentScripts? Agent { get; init; }
    /// <summary>Twins booting and connecting at once: booting thousands of Lua VMs at a time only measures the CPU.</summary>
    public int Parallel { get; init; } = 8;
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>How often the client checks on a quiet twin (the link's PING). A thousand twins at the link's
    /// default of 5 s cost more CPU than their MQTT keepalives; a twin in this process cannot go silently missing.</summary>
    public TimeSpan LinkPingInterval { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>How the client reaches each twin: in memory (no port, socket or thread) or, to measure a link, a pty or TCP.</summary>
    public LinkKind Link { get; init; } = LinkKind.Memory;
    /// <summary>Where pty links go; null = <see cref="PtyLink.DefaultDirectory"/>.</summary>
    public string? PtyDirectory { get; init; }
}

/// <summary>One twin of the fleet: the module, its link, the client driving it and its mqtt client.</summary>
public sealed class FleetMember(VirtualModule module, TwinSerialLink link)
{
    // Times (us) of the last conack and of the last loss: the event handler and the start-up wait both report a
    // conack, in either order, so "connected" is which came last, not a flag either one sets.
    private long _upUs = long.MinValue, _downUs = long.MinValue;
    private int _disconnects, _pongs, _reboots;

    public string Name => Module.Name;
    public VirtualModule Module { get; } = module;
    public TwinSerialLink Link { get; } = link;
    public Air780Client? Client { get; internal set; }
    public LuatMqttClientProxy? Mqtt { get; internal set; }
    /// <summary>Why the twin did not get connected, or null.</summary>
    public string? Failure { get; internal set; }

    public bool Connected => Interlocked.Read(ref _upUs) > Interlocked.Read(ref _downUs);
    public int Disconnects => Volatile.Read(ref _disconnects);
    public int Pongs => Volatile.Read(ref _pongs);
    public int Reboots => Volatile.Read(ref _reboots);

    /// <summary>A conack the start-up wait saw: the member counts as connected from it, whether or not the event
    /// handler has run yet.</summary>
    internal void ConnAcked(MqttEvent conack) => Latest(ref _upUs, conack.T);

    private static void Latest(ref long field, long t)
    {
        for (var seen = Interlocked.Read(ref field); t > seen; seen = Interlocked.Read(ref field))
            if (Interlocked.CompareExchange(ref field, t, seen) == seen) return;
    }

    internal void Observe(ModuleEvent e)
    {
        switch (e)
        {
            case MqttEvent { Name: "conack" }: Latest(ref _upUs, e.T); break;
            case MqttEvent { Name: "disconnect" }: Latest(ref _downUs, e.T); Interlocked.Increment(ref _disconnects); break;
            case MqttEvent { Name: "pong" }: Interlocked.Increment(ref _pongs); break;
            case ModuleRebootedEvent: Latest(ref _downUs, e.T); Interlocked.Increment(ref _reboots); break;
        }
    }
}

/// <summary>The fleet's counts at one moment.</summary>
public sealed record FleetStatus(int Count, int Connected, int Failed, int Disconnects, int Pongs, int Reboots, string? FirstFailure)
{
    public override string ToString() =>
        $"{Connected}/{Count} connected, {Disconnects} disconnects, {Pongs} PINGRESPs, {Reboots} reboots" +
        (Failed > 0 ? $", {Failed} failed to connect (first: {FirstFailure})" : "");
}

/// <summary>
/// Many twins in this process, each running the unchanged agent with one mqtt client on a broker, driven through the
/// real client over its link (by default in memory: no port, socket or thread per link): a load generator for a
/// user's own MQTT back end, and the scale benchmark's fleet. A twin that cannot connect is counted, not fatal.
/// </summary>
public sealed class TwinFleet : IAsyncDisposable
{
    private readonly FleetMember?[] _slots;

    private TwinFleet(int count) => _slots = new FleetMember?[count];

    /// <summary>The twins in number order.</summary>
    public IReadOnlyList<FleetMember> Members => [.. _slots.OfType<FleetMember>()];

    /// <param name="progress">Told the number of twins done (connected or failed) as they finish.</param>
    public static async Task<TwinFleet> StartAsync(FleetOptions options, IProgress<int>? progress = null, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Parallel, 1);
        var fleet = new TwinFleet(options.Count);
        // Once here, so a bad agent folder is one error, not one failed twin each.
        if ((options.Agent ?? AgentScripts.Embedded).Problem() is { } problem)
            throw new ArgumentException($"the twins cannot start: {problem}");
        var done = 0;
        using var gate = new SemaphoreSlim(options.Parallel);
        try
        {
            var starting = Enumerable.Range(1, options.Count).Select(async i =>
            {
                await gate.WaitAsync(ct);
                try
                {
                    await StartMemberAsync(options, i, fleet._slots, ct);
                }
                finally
                {
                    gate.Release();
                    progress?.Report(Interlocked.Increment(ref done));
                }
            }).ToList();
            await Task.WhenAll(starting);
        }
        catch
        {
            await fleet.DisposeAsync();
            throw;
        }
        return fleet;
    }

    private static async Task StartMemberAsync(FleetOptions options, int i, FleetMember?[] slots, CancellationToken ct)
    {
        var name = $"{options.ClientIdPrefix}-{i}";
        var module = TwinLauncher.CreateModule(new RigModule { Name = name, Connection = "twin:", Profile = options.Profile }, options.Agent);
        module.Start();
        FleetMember member;
        try
        {
            member = new FleetMember(module, options.Link.Create(module.Serial, name, options.PtyDirectory, null));
        }
        catch
        {
            module.Dispose();
            throw;
        }
        // In its slot before anything can fail, so disposing the fleet stops it whatever happens next.
        Volatile.Write(ref slots[i - 1], member);
        try
        {
            var link = new LinkOptions { PingInterval = options.LinkPingInterval };
            var client = member.Link is MemoryLink memory
                ? await Air780Client.ConnectAsync(new InProcessTransport(name, memory.OpenHostStream), link, ct: ct)
                : await Air780Client.ConnectAsync(member.Link.ConnectionString, link, ct: ct);
            member.Client = client;
            client.EventReceived += member.Observe;
            var mqtt = await client.Mqtt.CreateAsync(options.BrokerHost, options.BrokerPort, ct: ct)
                       ?? throw new InvalidOperationException($"mqtt.create(\"{options.BrokerHost}\", {options.BrokerPort}) returned nil");
            member.Mqtt = mqtt;
            await mqtt.AuthAsync(name, options.Username, options.Password, ct: ct);
            await mqtt.KeepaliveAsync(options.KeepaliveSeconds, ct);
            await mqtt.OnAsync(ct: ct);
            if (await mqtt.ConnectAsync(ct) != true)
                throw new InvalidOperationException("mqtt connect() did not return true");
            member.ConnAcked(await mqtt.WaitForConnAckAsync(options.ConnectTimeout, ct));
        }
        catch (Exception e) when (e is LinkTimeoutException or LinkUnavailableException or LinkLostException or ModuleRebootedException or InvalidOperationException)
        {
            member.Failure = $"{name}: {e.Message}";
        }
    }

    public FleetStatus Status()
    {
        var members = Members;
        var failed = members.Where(m => m.Failure is not null).ToList();
        return new FleetStatus(members.Count, members.Count(m => m.Connected), failed.Count, members.Sum(m => m.Disconnects),
            members.Sum(m => m.Pongs), members.Sum(m => m.Reboots), failed.FirstOrDefault()?.Failure);
    }

    public async ValueTask DisposeAsync()
    {
        var members = Members;
        Array.Clear(_slots);
        // Clients first, so no twin writes into a closed client while the rest shut down.
        await Task.WhenAll(members.Where(m => m.Client is not null).Select(m => m.Client!.DisposeAsync().AsTask()));
        foreach (var m in members) m.Link.Dispose();
        foreach (var m in members) m.Module.Dispose();
    }
}
