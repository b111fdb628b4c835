using System.Diagnostics;
using System.Runtime.Versioning;
using Air780Bridge.Client.Link;
using Air780Bridge.Client.Transport;
using Air780Bridge.Protocol.Framing;
using Air780Bridge.Protocol.Messages;
using Air780Bridge.Twin.Link;
using Serilog;

namespace Air780Bridge.Bench;

/// <summary>
/// The PC side of the serial link against what the OS costs (issue 13), side by side in one run over ptys whose
/// other end is a peer thread answering PING with PONG: the raw round trip (blocking write and read on the pty),
/// the RPC round trip (<see cref="ModuleLink.PingAsync"/>) through <see cref="TermiosStream"/> and through
/// System.IO.Ports, then the idle CPU and threads of N open links with each. Targets: RPC p50 within 3x of raw;
/// idle CPU per open port at most 0.05 % of a core and less than one thread per port.
/// </summary>
[SupportedOSPlatform("linux")]
internal static class SerialBench
{
    private const double RatioTarget = 3, IdlePercentTarget = 0.05;
    private static readonly byte[] PingBody = "air780"u8.ToArray();
    private static readonly ILogger Silent = new LoggerConfiguration().CreateLogger();

    public static async Task<int> RunAsync(BenchArgs args)
    {
        var rounds = args.Int("rounds", 5);
        var samples = args.Int("samples", 400);
        var ports = args.Int("ports", 16);
        var idleSeconds = args.Int("idle-seconds", 10);
        var jsonPath = args.Text("json", "artifacts/bench/serial.json");
        args.RejectUnknown();
        if (!OperatingSystem.IsLinux())
            throw new ArgumentException("the serial benchmark needs Linux ptys");

        Console.WriteLine($"serial: {rounds} rounds x {samples} round trips per path (raw, termios, System.IO.Ports in turn), " +
                          $"then {ports} idle links per path for {idleSeconds} s; {BenchSupport.Machine()}");
        using var peer = new PingPeer(ports);
        var latency = new Dictionary<string, List<double>> { ["raw"] = [], ["stream"] = [], ["termios"] = [], ["System.IO.Ports"] = [] };
        var pty = peer.Ptys[0];
        for (var round = 1; round <= rounds; round++)
        {
            latency["raw"].AddRange(RawRoundTrips(pty, samples));
            latency["stream"].AddRange(await StreamRoundTripsAsync(pty, samples));
            latency["termios"].AddRange(await RpcRoundTripsAsync(pty, SerialIo.Termios, samples));
            latency["System.IO.Ports"].AddRange(await RpcRoundTripsAsync(pty, SerialIo.SystemIoPorts, samples));
            Console.WriteLine($"  round {round}: p50 raw {P50(latency["raw"]):0.000} ms, termios {P50(latency["termios"]):0.000} ms, " +
                              $"System.IO.Ports {P50(latency["System.IO.Ports"]):0.000} ms (cumulative)");
        }
        var sorted = latency.ToDictionary(kv => kv.Key, kv => kv.Value.Order().ToList());
        double Pct(string path, double p) => Math.Round(BenchSupport.Percentile(sorted[path], p), 3);
        var raw = Pct("raw", 50);
        var termiosRatio = Math.Round(Pct("termios", 50) / raw, 2);
        var portsRatio = Math.Round(Pct("System.IO.Ports", 50) / raw, 2);

        var baseline = await IdleAsync(peer, null, idleSeconds);
        var idleTermios = await IdleAsync(peer, SerialIo.Termios, idleSeconds);
        var idlePorts = await IdleAsync(peer, SerialIo.SystemIoPorts, idleSeconds);
        IdleResult PerPort(IdleUse use) => new(use.Links, use.CpuSeconds, use.WallSeconds, use.Threads,
            Math.Round(100 * (use.CpuSeconds / use.WallSeconds - baseline.CpuSeconds / baseline.WallSeconds) / use.Links, 3),
            Math.Round((double)(use.Threads - baseline.Threads) / use.Links, 2));
        var termiosIdle = PerPort(idleTermios);
        var portsIdle = PerPort(idlePorts);

        Console.WriteLine();
        Console.WriteLine($"  {"round trip",-22} {"p50 ms",8} {"p99 ms",8} {"x raw",7}");
        foreach (var path in sorted.Keys)
            Console.WriteLine($"  {path switch { "raw" => "raw pty write/read", "stream" => "termios stream alone", _ => "RPC via " + path },-22} {Pct(path, 50),8:0.000} {Pct(path, 99),8:0.000} {Pct(path, 50) / raw,6:0.00}x");
        Console.WriteLine($"  idle, {ports} links: baseline process {100 * baseline.CpuSeconds / baseline.WallSeconds:0.00}% of a core, {baseline.Threads} threads");
        Console.WriteLine($"  {"idle per open port",-22} {"% core",8} {"threads",8}");
        Console.WriteLine($"  {"termios",-22} {termiosIdle.PercentOfCorePerPort,8:0.000} {termiosIdle.ThreadsPerPort,8:0.00}");
        Console.WriteLine($"  {"System.IO.Ports",-22} {portsIdle.PercentOfCorePerPort,8:0.000} {portsIdle.ThreadsPerPort,8:0.00}");
        Console.WriteLine("  (the peer answering the pings runs in this process on one thread for all ptys; it is idle in poll() meanwhile)");
        Console.WriteLine();

        var latencyPass = termiosRatio <= RatioTarget;
        var idlePass = termiosIdle.PercentOfCorePerPort <= IdlePercentTarget && termiosIdle.ThreadsPerPort < 1;
        Console.WriteLine($"{(latencyPass ? "PASS" : "FAIL")}: RPC round trip through the termios stream within {RatioTarget:0}x of the raw pty round trip " +
                          $"(p50 {Pct("termios", 50):0.000} / {raw:0.000} ms = {termiosRatio:0.00}x; System.IO.Ports {portsRatio:0.00}x)");
        Console.WriteLine($"{(idlePass ? "PASS" : "FAIL")}: idle cost per open port through the termios stream at most {IdlePercentTarget}% of a core and under one thread " +
                          $"({termiosIdle.PercentOfCorePerPort:0.000}%, {termiosIdle.ThreadsPerPort:0.00} threads; System.IO.Ports {portsIdle.PercentOfCorePerPort:0.000}%, {portsIdle.ThreadsPerPort:0.00} threads)");
        BenchSupport.WriteJson(jsonPath, new
        {
            benchmark = "serial",
            date = DateTime.UtcNow,
            machine = BenchSupport.Machine(),
            parameters = new { rounds, samples, ports, idleSeconds },
            targets = $"RPC p50 <= {RatioTarget}x raw pty p50; idle <= {IdlePercentTarget}% of a core and < 1 thread per open port",
            verdict = latencyPass && idlePass ? "PASS" : "FAIL",
            latencyMs = sorted.Keys.ToDictionary(p => p, p => new { p50 = Pct(p, 50), p99 = Pct(p, 99), samples = sorted[p].Count }),
            termiosRatio,
            portsRatio,
            idle = new { baseline, termios = termiosIdle, systemIoPorts = portsIdle },
        });
        return latencyPass && idlePass ? 0 : 1;
    }

    internal sealed record IdleUse(int Links, double CpuSeconds, double WallSeconds, int Threads);

    internal sealed record IdleResult(int Links, double CpuSeconds, double WallSeconds, int Threads, double PercentOfCorePerPort, double ThreadsPerPort);

    private static double P50(List<double> values) => BenchSupport.Percentile(values.Order().ToList(), 50);

    /// <summary>The floor: a PING frame written and its PONG + CREDIT read back with plain blocking calls on the pty.</summary>
    private static List<double> RawRoundTrips(RawPty pty, int samples)
    {
        var request = PingPeer.Encode(new PingMessage(1, PingBody));
        var answer = PingPeer.Answer(request.Length, new PingMessage(1, PingBody)).Length;
        var fd = PtyNative.open(pty.Path, PtyNative.O_RDWR | PtyNative.O_NOCTTY);
        if (fd < 0) throw PtyNative.Error($"open {pty.Path}");
        try
        {
            var buffer = new byte[4096];
            var times = new List<double>(samples);
            for (var i = 0; i < samples + 20; i++)
            {
                var started = Stopwatch.GetTimestamp();
                if (PtyNative.write(fd, request, request.Length) != request.Length) throw PtyNative.Error("write");
                for (var got = 0; got < answer;)
                {
                    var n = (int)PtyNative.read(fd, buffer, buffer.Length);
                    if (n <= 0) throw PtyNative.Error("read");
                    got += n;
                }
                if (i >= 20) times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
            return times;
        }
        finally
        {
            PtyNative.close(fd);
        }
    }

    /// <summary>The same bytes through the termios stream's async calls without the link: what the stream adds to the floor.</summary>
    private static async Task<List<double>> StreamRoundTripsAsync(RawPty pty, int samples)
    {
        var request = PingPeer.Encode(new PingMessage(1, PingBody));
        var answer = PingPeer.Answer(request.Length, new PingMessage(1, PingBody)).Length;
        await using var stream = TermiosStream.Open(pty.Path, LinkAddress.DefaultBaud, dtr: false, Silent);
        var buffer = new byte[4096];
        var times = new List<double>(samples);
        for (var i = 0; i < samples + 20; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await stream.WriteAsync(request);
            for (var got = 0; got < answer;)
                got += await stream.ReadAsync(buffer);
            if (i >= 20) times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        return times;
    }

    private static Task<ModuleLink> ConnectAsync(RawPty pty, SerialIo io) =>
        ModuleLink.ConnectAsync(LinkAddress.Parse("serial://" + pty.Path), null, Silent, CancellationToken.None, new SerialTransport(io));

    /// <summary>What a caller of the client waits for one call: request out, answer matched, through the whole link.</summary>
    private static async Task<List<double>> RpcRoundTripsAsync(RawPty pty, SerialIo io, int samples)
    {
        await using var link = await ConnectAsync(pty, io);
        var times = new List<double>(samples);
        for (var i = 0; i < samples + 20; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await link.PingAsync(CancellationToken.None);
            if (i >= 20) times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        return times;
    }

    /// <summary>Process CPU and threads while every pty has an open link (or none, for the baseline) doing nothing.</summary>
    private static async Task<IdleUse> IdleAsync(PingPeer peer, SerialIo? io, int seconds)
    {
        var links = new List<ModuleLink>();
        try
        {
            if (io is { } how)
                foreach (var pty in peer.Ptys)
                    links.Add(await ConnectAsync(pty, how));
            await Task.Delay(TimeSpan.FromSeconds(2)); // connecting's own work settles
            var process = Process.GetCurrentProcess();
            var cpu = process.TotalProcessorTime;
            var wall = Stopwatch.StartNew();
            await Task.Delay(TimeSpan.FromSeconds(seconds));
            process.Refresh();
            var use = new IdleUse(links.Count, Math.Round((process.TotalProcessorTime - cpu).TotalSeconds, 3), Math.Round(wall.Elapsed.TotalSeconds, 2), process.Threads.Count);
            Console.WriteLine($"  idle {(io is null ? "baseline" : io.ToString()),-16} {links.Count} links: {use.CpuSeconds:0.000} s CPU in {use.WallSeconds:0.0} s, {use.Threads} threads");
            return use;
        }
        finally
        {
            foreach (var link in links)
                await link.DisposeAsync();
        }
    }

    /// <summary>
    /// The module's end of every pty: one thread polls all masters and answers HELLO_REQ with HELLO and PING with PONG
    /// plus a CREDIT for the bytes it took, as the agent would. No twin: its link threads would dwarf what is measured.
    /// </summary>
    private sealed class PingPeer : IDisposable
    {
        private readonly int[] _wake = new int[2];
        private readonly Thread _thread;

        public PingPeer(int count)
        {
            Ptys = Enumerable.Range(0, count).Select(_ => RawPty.Open()).ToList();
            if (PtyNative.pipe(_wake) != 0) throw PtyNative.Error("pipe");
            _thread = new Thread(Serve) { IsBackground = true, Name = "serial bench peer" };
            _thread.Start();
        }

        public IReadOnlyList<RawPty> Ptys { get; }

        public static byte[] Encode(ProtocolMessage message)
        {
            var wire = MessageCodec.Encode(message);
            return FrameEncoder.Encode(new Frame(wire.Type, false, wire.Id, wire.Body));
        }

        public static byte[] Answer(int requestBytes, PingMessage ping) =>
            [.. Encode(new PongMessage(ping.Id, ping.Body)), .. Encode(new CreditMessage(requestBytes))];

        private void Serve()
        {
            var fds = Ptys.Select(p => new PtyNative.PollFd { fd = p.Master, events = PtyNative.POLLIN })
                .Append(new PtyNative.PollFd { fd = _wake[0], events = PtyNative.POLLIN }).ToArray();
            var readers = Ptys.Select(_ => (Reader: new FrameReader(), Assembler: new MessageAssembler())).ToArray();
            var buffer = new byte[4096];
            var frames = new List<ReceivedFrame>();
            while (true)
            {
                foreach (ref var f in fds.AsSpan()) f.revents = 0;
                if (PtyNative.poll(fds, (nuint)fds.Length, -1) < 0) continue;
                if (fds[^1].revents != 0) return;
                for (var i = 0; i < Ptys.Count; i++)
                {
                    if ((fds[i].revents & PtyNative.POLLIN) == 0) continue;
                    var n = (int)PtyNative.read(fds[i].fd, buffer, buffer.Length);
                    if (n <= 0) continue;
                    frames.Clear();
                    readers[i].Reader.Read(buffer.AsSpan(0, n), frames);
                    foreach (var frame in frames)
                    {
                        if (readers[i].Assembler.Add(frame) is not { } wire) continue;
                        var reply = MessageCodec.Decode(wire) switch
                        {
                            HelloRequestMessage r => Encode(new HelloMessage(r.Id, new HelloInfo { Proto = 1, BootId = "bench", MaxFrame = 2048, RxWindow = 8192 })),
                            PingMessage ping => Answer(frame.Frame.Body.Length + FrameFormat.Overhead, ping),
                            _ => [],
                        };
                        if (reply.Length > 0 && PtyNative.write(fds[i].fd, reply, reply.Length) != reply.Length) throw PtyNative.Error("peer write");
                    }
                }
            }
        }

        public void Dispose()
        {
            PtyNative.write(_wake[1], [1], 1);
            _thread.Join();
            foreach (var pty in Ptys) pty.Dispose();
            PtyNative.close(_wake[0]);
            PtyNative.close(_wake[1]);
        }
    }
}
