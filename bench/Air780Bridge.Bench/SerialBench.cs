using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Text;
using Air780Bridge.Client.Link;
using Air780Bridge.Client.Transport;
using Air780Bridge.Protocol.Framing;
using Air780Bridge.Protocol.Messages;
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
    private static List<double> RawRoundTrips(Pty pty, int samples)
    {
        var request = PingPeer.Encode(new PingMessage(1, PingBody));
        var answer = PingPeer.Answer(request.Length, new PingMessage(1, PingBody)).Length;
        var fd = Pty.Native.open(pty.Path, Pty.Native.O_RDWR | Pty.Native.O_NOCTTY);
        if (fd < 0) throw Pty.Native.Error($"open {pty.Path}");
        try
        {
            var buffer = new byte[4096];
            var times = new List<double>(samples);
            for (var i = 0; i < samples + 20; i++)
            {
                var started = Stopwatch.GetTimestamp();
                if (Pty.Native.write(fd, request, request.Length) != request.Length) throw Pty.Native.Error("write");
                for (var got = 0; got < answer;)
                {
                    var n = (int)Pty.Native.read(fd, buffer, buffer.Length);
                    if (n <= 0) throw Pty.Native.Error("read");
                    got += n;
                }
                if (i >= 20) times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
            return times;
        }
        finally
        {
            Pty.Native.close(fd);
        }
    }

    /// <summary>The same bytes through the termios stream's async calls without the link: what the stream adds to the floor.</summary>
    private static async Task<List<double>> StreamRoundTripsAsync(Pty pty, int samples)
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

    private static Task<ModuleLink> ConnectAsync(Pty pty, SerialIo io) =>
        ModuleLink.ConnectAsync(LinkAddress.Parse("serial://" + pty.Path), null, Silent, CancellationToken.None, new SerialTransport(io));

    /// <summary>What a caller of the client waits for one call: request out, answer matched, through the whole link.</summary>
    private static async Task<List<double>> RpcRoundTripsAsync(Pty pty, SerialIo io, int samples)
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
            Ptys = Enumerable.Range(0, count).Select(_ => Pty.Open()).ToList();
            if (Pty.Native.pipe(_wake) != 0) throw Pty.Native.Error("pipe");
            _thread = new Thread(Serve) { IsBackground = true, Name = "serial bench peer" };
            _thread.Start();
        }

        public IReadOnlyList<Pty> Ptys { get; }

        public static byte[] Encode(ProtocolMessage message)
        {
            var wire = MessageCodec.Encode(message);
            return FrameEncoder.Encode(new Frame(wire.Type, false, wire.Id, wire.Body));
        }

        public static byte[] Answer(int requestBytes, PingMessage ping) =>
            [.. Encode(new PongMessage(ping.Id, ping.Body)), .. Encode(new CreditMessage(requestBytes))];

        private void Serve()
        {
            var fds = Ptys.Select(p => new Pty.Native.PollFd { fd = p.Master, events = Pty.Native.POLLIN })
                .Append(new Pty.Native.PollFd { fd = _wake[0], events = Pty.Native.POLLIN }).ToArray();
            var readers = Ptys.Select(_ => (Reader: new FrameReader(), Assembler: new MessageAssembler())).ToArray();
            var buffer = new byte[4096];
            var frames = new List<ReceivedFrame>();
            while (true)
            {
                foreach (ref var f in fds.AsSpan()) f.revents = 0;
                if (Pty.Native.poll(fds, (nuint)fds.Length, -1) < 0) continue;
                if (fds[^1].revents != 0) return;
                for (var i = 0; i < Ptys.Count; i++)
                {
                    if ((fds[i].revents & Pty.Native.POLLIN) == 0) continue;
                    var n = (int)Pty.Native.read(fds[i].fd, buffer, buffer.Length);
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
                        if (reply.Length > 0 && Pty.Native.write(fds[i].fd, reply, reply.Length) != reply.Length) throw Pty.Native.Error("peer write");
                    }
                }
            }
        }

        public void Dispose()
        {
            Pty.Native.write(_wake[1], [1], 1);
            _thread.Join();
            foreach (var pty in Ptys) pty.Dispose();
            Pty.Native.close(_wake[0]);
            Pty.Native.close(_wake[1]);
        }
    }

    /// <summary>A raw pty pair (the bench's own: the twin's PtyLink puts two conditioning threads in each direction).</summary>
    private sealed class Pty : IDisposable
    {
        private readonly int _keeper;

        private Pty(int master, int keeper, string path)
        {
            Master = master;
            _keeper = keeper;
            Path = path;
        }

        public int Master { get; }
        public string Path { get; }

        public static Pty Open()
        {
            var master = Native.posix_openpt(Native.O_RDWR | Native.O_NOCTTY);
            if (master < 0 || Native.grantpt(master) != 0 || Native.unlockpt(master) != 0) throw Native.Error("posix_openpt");
            var name = new byte[128];
            if (Native.ptsname_r(master, name, (nuint)name.Length) != 0) throw Native.Error("ptsname_r");
            var path = Encoding.ASCII.GetString(name, 0, Array.IndexOf(name, (byte)0));
            // Held open so the master never reads EIO between two clients; raw so no byte is echoed or translated.
            var keeper = Native.open(path, Native.O_RDWR | Native.O_NOCTTY);
            var termios = new byte[256];
            if (keeper < 0 || Native.tcgetattr(keeper, termios) != 0) throw Native.Error($"open {path}");
            Native.cfmakeraw(termios);
            if (Native.tcsetattr(keeper, 0, termios) != 0) throw Native.Error("tcsetattr");
            return new Pty(master, keeper, path);
        }

        public void Dispose()
        {
            Native.close(_keeper);
            Native.close(Master);
        }

        internal static class Native
        {
            public const int O_RDWR = 2, O_NOCTTY = 0x100;
            public const short POLLIN = 1;

            [StructLayout(LayoutKind.Sequential)]
            public struct PollFd { public int fd; public short events; public short revents; }

            [DllImport("libc", SetLastError = true)] public static extern int posix_openpt(int flags);
            [DllImport("libc", SetLastError = true)] public static extern int grantpt(int fd);
            [DllImport("libc", SetLastError = true)] public static extern int unlockpt(int fd);
            [DllImport("libc", SetLastError = true)] public static extern int ptsname_r(int fd, byte[] buf, nuint len);
            [DllImport("libc", SetLastError = true)] public static extern int tcgetattr(int fd, byte[] termios);
            [DllImport("libc")] public static extern void cfmakeraw(byte[] termios);
            [DllImport("libc", SetLastError = true)] public static extern int tcsetattr(int fd, int action, byte[] termios);
            [DllImport("libc", SetLastError = true)] public static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);
            [DllImport("libc", SetLastError = true)] public static extern nint read(int fd, byte[] buf, nint count);
            [DllImport("libc", SetLastError = true)] public static extern nint write(int fd, byte[] buf, nint count);
            [DllImport("libc", SetLastError = true)] public static extern int close(int fd);
            [DllImport("libc", SetLastError = true)] public static extern int pipe(int[] fds);
            [DllImport("libc", SetLastError = true)] public static extern int poll([In, Out] PollFd[] fds, nuint nfds, int timeout);

            public static Win32Exception Error(string call) => new(Marshal.GetLastPInvokeError(), $"{call} failed in the serial benchmark");
        }
    }
}
