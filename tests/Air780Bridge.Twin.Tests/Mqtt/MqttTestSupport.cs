using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Air780Bridge.Twin;
using Air780Bridge.Twin.Mqtt;

namespace Air780Bridge.Twin.Tests.Mqtt;

/// <summary>A module bus pumped by the test, with a manual clock so timer tests are deterministic.</summary>
public sealed class FakeModuleBus : IModuleBus
{
    readonly ConcurrentQueue<Action> _queue = new();
    readonly SemaphoreSlim _posted = new(0);
    readonly List<ManualTimer> _timers = [];
    long _now;

    public long NowMs => Interlocked.Read(ref _now);
    public IReadOnlyList<ManualTimer> Timers { get { lock (_timers) return [.. _timers]; } }

    public bool Post(Action onLuaThread)
    {
        _queue.Enqueue(onLuaThread);
        _posted.Release();
        return true;
    }

    public IModuleTimer CreateTimer(Action onLuaThread)
    {
        var timer = new ManualTimer(this, onLuaThread);
        lock (_timers) _timers.Add(timer);
        return timer;
    }

    /// <summary>Moves the clock, posting every timer expiry on the way (as the RTOS posts to the msgbus).</summary>
    public void Advance(long ms)
    {
        var end = NowMs + ms;
        while (true)
        {
            var next = Timers.Where(t => t.Active).OrderBy(t => t.DueMs).FirstOrDefault();
            if (next is null || next.DueMs > end) break;
            Interlocked.Exchange(ref _now, next.DueMs);
            next.Expire();
        }
        Interlocked.Exchange(ref _now, end);
    }

    /// <summary>Runs queued work until <paramref name="done"/> holds; fails after a generous timeout.</summary>
    public void PumpUntil(Func<bool> done, int timeoutMs = 15000)
    {
        var deadline = Environment.TickCount64 + timeoutMs;
        while (!done())
        {
            if (_queue.TryDequeue(out var work)) { work(); continue; }
            var left = deadline - Environment.TickCount64;
            if (left <= 0) throw new TimeoutException("The expected module events did not arrive in time.");
            _posted.Wait(TimeSpan.FromMilliseconds(Math.Min(left, 50)));
        }
    }

    /// <summary>Runs everything queued right now.</summary>
    public void Drain()
    {
        while (_queue.TryDequeue(out var work)) work();
    }

    public sealed class ManualTimer(FakeModuleBus bus, Action onLuaThread) : IModuleTimer
    {
        public int PeriodMs { get; private set; }
        public bool Repeat { get; private set; }
        public long DueMs { get; private set; }
        public bool Active { get; private set; }
        public int Starts { get; private set; }

        public void Start(int periodMs, bool repeat)
        {
            PeriodMs = periodMs;
            Repeat = repeat;
            DueMs = bus.NowMs + periodMs;
            Active = true;
            Starts++;
        }

        public void Stop() => Active = false;
        public void Dispose() => Active = false;

        internal void Expire()
        {
            if (Repeat) DueMs += PeriodMs;
            else Active = false;
            bus.Post(onLuaThread);
        }
    }
}

/// <summary>A client plus the events it delivered to "Lua".</summary>
public sealed class ClientProbe
{
    public ClientProbe(FirmwareProfile profile, int port, long? rxSize = null, MqttTlsOptions? tls = null, string host = "127.0.0.1")
    {
        Bus = new FakeModuleBus();
        Client = LuatMqttClient.Create(Bus, profile, new MqttCreateArguments(null, host, port, tls, false, rxSize, null))
                 ?? throw new InvalidOperationException("mqtt.create returned nil");
        Client.HasCallback = true;
        Client.EventSink = e => { lock (Events) Events.Add(e); };
    }

    public FakeModuleBus Bus { get; }
    public LuatMqttClient Client { get; }
    public List<MqttLuaEvent> Events { get; } = [];

    public IReadOnlyList<string> Names { get { lock (Events) return Events.Select(DisplayName).ToList(); } }

    /// <summary>Callback events by name, sys events as "sys:NAME".</summary>
    static string DisplayName(MqttLuaEvent e) => e.Kind == "sys" ? "sys:" + e.Name : e.Name;

    /// <summary>A client that auth()ed, connected to a fresh <see cref="ScriptedBroker"/> and got conack.</summary>
    public static async Task<(ClientProbe probe, ScriptedBroker broker, ScriptedBroker.Peer peer)> ReadyAsync(FirmwareProfile profile, long? rxSize = null)
    {
        var broker = new ScriptedBroker();
        var probe = new ClientProbe(profile, broker.Port, rxSize);
        probe.Client.Auth(System.Text.Encoding.UTF8.GetBytes("twin"), null, null, true);
        Assert.Equal([true], probe.Client.Connect());
        var peer = await broker.AcceptAsync();
        await peer.HandshakeAsync();
        probe.WaitFor("conack");
        return (probe, broker, peer);
    }

    public MqttLuaEvent WaitFor(string name, int count = 1)
    {
        Bus.PumpUntil(() => Names.Count(n => n == name) >= count);
        lock (Events) return Events.Where(e => DisplayName(e) == name).ElementAt(count - 1);
    }
}

/// <summary>A raw TCP "broker" the test drives byte by byte.</summary>
public sealed class ScriptedBroker : IDisposable
{
    readonly TcpListener _listener = new(IPAddress.Loopback, 0);

    public ScriptedBroker() => _listener.Start();

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public async Task<Peer> AcceptAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        return new Peer(await _listener.AcceptTcpClientAsync(cts.Token));
    }

    public void Dispose() => _listener.Stop();

    public sealed class Peer(TcpClient tcp) : IDisposable
    {
        readonly NetworkStream _stream = tcp.GetStream();

        /// <summary>Reads one whole MQTT packet (fixed header included).</summary>
        public async Task<byte[]> ReadPacketAsync()
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            var header = new List<byte> { await ReadByteAsync(cts.Token) };
            int length = 0, shift = 0;
            byte b;
            do
            {
                b = await ReadByteAsync(cts.Token);
                header.Add(b);
                length |= (b & 0x7F) << shift;
                shift += 7;
            } while ((b & 0x80) != 0);
            var body = new byte[length];
            await _stream.ReadExactlyAsync(body, cts.Token);
            return [.. header, .. body];
        }

        /// <summary>Reads packets until one of type <paramref name="type"/> (high nibble) arrives.</summary>
        public async Task<byte[]> ReadUntilAsync(byte type)
        {
            while (true)
            {
                var packet = await ReadPacketAsync();
                if ((packet[0] & 0xF0) == type) return packet;
            }
        }

        async Task<byte> ReadByteAsync(CancellationToken ct)
        {
            var one = new byte[1];
            await _stream.ReadExactlyAsync(one, ct);
            return one[0];
        }

        public Task WriteAsync(params byte[] bytes) => _stream.WriteAsync(bytes).AsTask();

        /// <summary>Reads CONNECT and answers CONNACK with <paramref name="rc"/>.</summary>
        public async Task<byte[]> HandshakeAsync(byte rc = 0)
        {
            var connect = await ReadPacketAsync();
            await WriteAsync(0x20, 0x02, 0x00, rc);
            return connect;
        }

        public void Dispose() => tcp.Dispose();
    }
}
