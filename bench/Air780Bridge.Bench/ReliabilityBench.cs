using System.Runtime.Versioning;
using System.Diagnostics;
using Air780Bridge.Client;
using Air780Bridge.Client.Link;
using Air780Bridge.Protocol.Framing;
using Air780Bridge.Protocol.Messages;
using Air780Bridge.Protocol.Values;
using Air780Bridge.Twin;
using Air780Bridge.Twin.Link;

namespace Air780Bridge.Bench;

/// <summary>
/// Issue 10's measurements, repeated: fuzzed frames through both readers (0 exceptions, 0 false accepts), connects
/// and calls over a lossy link (100 % connects, 0 wrong results), reboot and unplug cycles of a twin (memory and
/// handles flat), an event flood (the host's drop count equals the agent's) and the agent heap under credit abuse.
/// </summary>
// The twin's serial side is a Linux pty (PtyLink).
[SupportedOSPlatform("linux")]
internal static class ReliabilityBench
{
    private sealed record Line(string Name, bool Pass, string Figures);

    public static async Task<int> RunAsync(BenchArgs args)
    {
        var frames = args.Int("frames", 1_000_000);
        var connects = args.Int("connects", 100);
        var cycles = args.Int("cycles", 100);
        var abuse = args.Int("abuse-requests", 20_000);
        var jsonPath = args.Text("json", "artifacts/bench/reliability.json");
        args.RejectUnknown();
        Console.WriteLine($"reliability: {BenchSupport.Machine()}, load average {LoadAverage()}");
        var dir = Path.Combine(Path.GetTempPath(), $"air780-rel-{Environment.ProcessId}");
        Directory.CreateDirectory(dir);
        var lines = new List<Line>();
        void Report(Line line)
        {
            lines.Add(line);
            Console.WriteLine($"  {(line.Pass ? "PASS" : "FAIL")}  {line.Name,-34} {line.Figures}");
        }
        try
        {
            Report(HostFuzz(frames));
            Report(await LuaAsync("agent reader fuzz (lua5.3)", ["fuzz", frames.ToString(), "7"],
                f => f["false_accepts"] == 0 && f["errors"] == 0 && f["frames"] >= frames));
            Report(await LuaAsync("agent heap, credit abuse (lua5.3)", ["abuse", abuse.ToString()],
                f => f["answered"] == abuse && f["peak_kb"] - f["base_kb"] < 96 && f["queue_peak"] < f["queue_limit"] + 4096));
            Report(await LossyConnectsAsync(dir, connects));
            Report(await CyclesAsync(dir, cycles));
            Report(await FloodAsync(dir));
            Report(await TwinAbuseAsync());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
        var pass = lines.All(l => l.Pass);
        Console.WriteLine($"{(pass ? "PASS" : "FAIL")}: {lines.Count(l => l.Pass)} of {lines.Count} reliability measurements");
        BenchSupport.WriteJson(jsonPath, new { benchmark = "reliability", date = DateTime.UtcNow, machine = BenchSupport.Machine(), load = LoadAverage(), verdict = pass ? "PASS" : "FAIL", lines });
        return pass ? 0 : 1;
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    // Random bursts of frames, one kind of damage each, in random chunks; every delivered frame must be one that was sent.
    private static Line HostFuzz(int total)
    {
        var random = new Random(780);
        var types = new[] { FrameType.Hello, FrameType.Result, FrameType.Error, FrameType.Event, FrameType.Credit, FrameType.Pong };
        long sentCount = 0, delivered = 0, falseAccepts = 0, exceptions = 0, decodeRejects = 0;
        var reader = new FrameReader { MaxFrame = 2048 };
        var assembler = new MessageAssembler();
        var got = new List<ReceivedFrame>();
        var watch = Stopwatch.StartNew();
        while (sentCount < total)
        {
            var burst = new List<byte>();
            var sent = new HashSet<string>();
            for (var i = random.Next(1, 7); i > 0; i--)
            {
                var body = new byte[random.Next(0, 120)];
                random.NextBytes(body);
                if (body.Length > 0 && random.Next(3) == 0) body[0] = (byte)(0x80 | random.Next(6)); // CBOR-looking
                var frame = new Frame(types[random.Next(types.Length)], false, (ushort)random.Next(65536), body);
                sent.Add(Key(frame));
                burst.AddRange(FrameEncoder.Encode(frame));
                sentCount++;
            }
            Damage(burst, random);
            var bytes = burst.ToArray();
            got.Clear();
            try
            {
                for (var i = 0; i < bytes.Length;)
                {
                    var n = Math.Min(bytes.Length - i, random.Next(1, 200));
                    reader.Read(bytes.AsSpan(i, n), got);
                    i += n;
                }
                reader.Expire(got);
                foreach (var frame in got)
                {
                    delivered++;
                    if (!sent.Contains(Key(frame.Frame))) falseAccepts++;
                    if (assembler.Add(frame) is { } message)
                    {
                        try { MessageCodec.Decode(message); }
                        catch (ProtocolFormatException) { decodeRejects++; }
                    }
                }
            }
            catch (Exception)
            {
                exceptions++;
            }
        }
        return new Line("host reader + decoder fuzz", exceptions == 0 && falseAccepts == 0,
            $"frames={sentCount} delivered={delivered} false_accepts={falseAccepts} exceptions={exceptions} decode_rejects={decodeRejects} ({watch.Elapsed.TotalSeconds:0.0} s)");
    }

    private static string Key(Frame f) => $"{f.Type}/{f.Id}/{Convert.ToHexString(f.Body.Span)}";

    private static void Damage(List<byte> bytes, Random random)
    {
        switch (random.Next(5))
        {
            case 1: var cut = random.Next(bytes.Count); bytes.RemoveRange(cut, bytes.Count - cut); break;
            case 2: for (var i = random.Next(1, 4); i > 0; i--) bytes[random.Next(bytes.Count)] ^= (byte)(1 << random.Next(8)); break;
            case 3: for (var i = random.Next(1, 4); i > 0 && bytes.Count > 0; i--) bytes.RemoveAt(random.Next(bytes.Count)); break;
            case 4: for (var i = random.Next(1, 10); i > 0; i--) bytes.Insert(random.Next(bytes.Count + 1), random.Next(2) == 0 ? (byte)0xA7 : (byte)random.Next(256)); break;
        }
    }

    private static async Task<Line> LuaAsync(string name, string[] args, Func<Dictionary<string, long>, bool> pass)
    {
        const string lua = "/usr/bin/lua5.3";
        if (!File.Exists(lua))
            return new Line(name, false, "lua5.3 is not installed (apt-get install -y lua5.3)");
        var root = Repository();
        var start = new ProcessStartInfo(lua) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "lua", "reliability.lua"), Path.Combine(root, "firmware-scripts"), Path.Combine(root, "tests", "Air780Bridge.Agent.Tests", "lua") }.Concat(args))
            start.ArgumentList.Add(a);
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            return new Line(name, false, $"lua5.3 exited {process.ExitCode}: {error.Trim()}");
        var figures = output.Trim().Split(' ').Skip(1).Select(kv => kv.Split('=')).Where(kv => long.TryParse(kv[1], out _))
            .ToDictionary(kv => kv[0], kv => long.Parse(kv[1]));
        return new Line(name, pass(figures), $"{output.Trim()} ({watch.Elapsed.TotalSeconds:0.0} s)");
    }

    private static string Repository()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Air780Bridge.sln")))
                return dir.FullName;
        throw new InvalidOperationException("run the benchmark from the repository (firmware-scripts not found)");
    }

    private static (VirtualModule Module, PtyLink Link) Twin(string dir, string name, LinkConditioner? conditioner = null, string? script = null)
    {
        var module = new VirtualModule(new VirtualModuleOptions { Name = name, Script = script });
        module.Start();
        return (module, new PtyLink(module.Serial, name, dir, conditioner));
    }

    private const int CallsPerConnect = 5;

    // Issue 10 measured 17 of 60 connects failing at this loss; every call result is checked against the truth.
    private static async Task<Line> LossyConnectsAsync(string dir, int connects)
    {
        var conditioner = new LinkConditioner(seed: 1) { LossRate = 1e-3, BitFlipRate = 1e-4 };
        var (module, link) = Twin(dir, "lossy", conditioner);
        using var _ = module;
        using var __ = link;
        int ok = 0, wrong = 0, failedCalls = 0;
        var errors = new Dictionary<string, int>();
        for (var i = 0; i < connects; i++)
        {
            try
            {
                await using var client = await Air780Client.ConnectAsync(link.ConnectionString);
                ok++;
                if (client.Hello.Proto != ProtocolVersions.Compact || client.Hello.MaxFrame != 2048) wrong++;
                for (var c = 0; c < CallsPerConnect; c++)
                {
                    try
                    {
                        await client.CallAsync("mqtt.state", [999L], timeout: TimeSpan.FromSeconds(2));
                        wrong++; // handle 999 does not exist: a RESULT would be a wrong answer
                    }
                    catch (ModuleErrorException e) when (e.Kind == "no_client") { }
                    catch (Exception e) when (e is LinkTimeoutException or LinkLostException) { failedCalls++; }
                }
            }
            catch (Exception e)
            {
                errors[e.GetType().Name] = errors.GetValueOrDefault(e.GetType().Name) + 1;
            }
        }
        return new Line("connects at 1e-3 loss + 1e-4 flips", ok == connects && wrong == 0,
            $"connects={ok}/{connects} calls={connects * CallsPerConnect} wrong={wrong} timed_out_calls={failedCalls} lost_bytes={conditioner.BytesLost} flipped={conditioner.BitsFlipped}" +
            (errors.Count > 0 ? " errors=" + string.Join(",", errors.Select(e => $"{e.Key}:{e.Value}")) : ""));
    }

    private static (double WorkingSetMiB, double HeapMiB, int Fds, int Threads) Resources()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var self = Process.GetCurrentProcess();
        var fds = Directory.Exists("/proc/self/fd") ? Directory.GetFiles("/proc/self/fd").Length : self.HandleCount;
        return (self.WorkingSet64 / 1048576.0, GC.GetTotalMemory(true) / 1048576.0, fds, self.Threads.Count);
    }

    // Every cycle: the agent reboots (a new boot id) and the USB port vanishes and comes back; the client follows both.
    private static async Task<Line> CyclesAsync(string dir, int cycles)
    {
        var (module, link) = Twin(dir, "cycler");
        using var _ = module;
        using var __ = link;
        await using var client = await Air780Client.ConnectAsync(link.ConnectionString, new LinkOptions { RequestTimeout = TimeSpan.FromSeconds(10) });
        var reboots = 0;
        var ups = 0;
        var signal = new SemaphoreSlim(0);
        client.EventReceived += e =>
        {
            if (e is ModuleRebootedEvent) { Interlocked.Increment(ref reboots); signal.Release(); }
            if (e is LinkStateEvent { Up: true }) { Interlocked.Increment(ref ups); signal.Release(); }
        };
        (double, double, int, int) warm = default;
        var failures = 0;
        var watch = Stopwatch.StartNew();
        for (var i = 1; i <= cycles; i++)
        {
            await client.CallAsync("agent.reboot", [10L]);
            if (!await signal.WaitAsync(TimeSpan.FromSeconds(20))) failures++;
            link.Unplug();
            await Task.Delay(50);
            link.Replug();
            if (!await signal.WaitAsync(TimeSpan.FromSeconds(20))) failures++;
            try { await client.CallAsync("agent.stats", []); } catch (Exception) { failures++; }
            if (i == 10) warm = Resources();
        }
        var end = Resources();
        var (ws0, heap0, fd0, th0) = warm;
        var flat = end.Fds <= fd0 + 2 && end.HeapMiB <= heap0 * 1.25 + 2 && end.Threads <= th0 + 4 && end.WorkingSetMiB <= ws0 * 1.25 + 16;
        return new Line($"{cycles} reboot + unplug cycles", failures == 0 && reboots >= cycles && flat,
            $"reboots={reboots} reopened={ups} failures={failures}; after 10 / {cycles}: heap {heap0:0.0}/{end.HeapMiB:0.0} MiB, ws {ws0:0}/{end.WorkingSetMiB:0} MiB, fds {fd0}/{end.Fds}, threads {th0}/{end.Threads} ({watch.Elapsed.TotalSeconds:0} s)");
    }

    private static string FloodScript => File.ReadAllText(Path.Combine(Repository(), "tests", "Air780Bridge.Agent.Tests", "lua", "flood_main.lua"));

    // 8000 events (about 200 KB) in 2 s over a 115200-baud link (11.5 KB/s): most are dropped and reported.
    private static async Task<Line> FloodAsync(string dir)
    {
        var (module, link) = Twin(dir, "flood", new LinkConditioner { Baud = 115200 }, FloodScript);
        using var _ = module;
        using var __ = link;
        await using var client = await Air780Client.ConnectAsync(link.ConnectionString);
        long reported = 0, delivered = 0, gaps = 0;
        client.EventReceived += e =>
        {
            switch (e)
            {
                case EventsDroppedEvent d: Interlocked.Add(ref reported, d.Count); break;
                case SysEvent { Name: "MQTT_PONG" }: Interlocked.Increment(ref delivered); break;
                case EventGapEvent g: Interlocked.Add(ref gaps, g.Lost); break;
            }
        };
        var watch = Stopwatch.StartNew();
        await client.CallAsync("mqtt.create", [null, "127.0.0.1", 1883L]);
        long agentDropped = -1, heapPeak = 0, statsMs = 0;
        while (watch.Elapsed < TimeSpan.FromSeconds(90))
        {
            var asked = Stopwatch.StartNew();
            var stats = (Dictionary<object, object?>)(await client.CallAsync("agent.stats", [], timeout: TimeSpan.FromSeconds(30)))[0]!;
            statsMs = Math.Max(statsMs, asked.ElapsedMilliseconds);
            agentDropped = (long)stats["events_dropped"]!;
            heapPeak = (long)stats["heap_peak_kb"]!;
            if (delivered + reported == 8000) break;
            await Task.Delay(200);
        }
        return new Line("flood on a twin (8000 events)", agentDropped > 0 && reported == agentDropped && delivered + reported == 8000 && gaps == 0,
            $"delivered={delivered} agent_dropped={agentDropped} host_counted={reported} gaps={gaps} slowest agent.stats={statsMs} ms agent heap peak={heapPeak} KiB ({watch.Elapsed.TotalSeconds:0.0} s)");
    }

    // A host that writes PINGs without waiting for credit and reads nothing for a while, then reads. Over TCP (ser2net
    // style): the twin's serial side is the same, and socket reads and writes can be cancelled.
    private static async Task<Line> TwinAbuseAsync()
    {
        var module = new VirtualModule(new VirtualModuleOptions { Name = "abused" });
        module.Start();
        using var _ = module;
        using var link = new TcpLink(module.Serial, "abused");
        var watch = Stopwatch.StartNew();
        long written = 0;
        using (var socket = new System.Net.Sockets.TcpClient())
        {
            await socket.ConnectAsync(System.Net.IPAddress.Loopback, link.Port);
            var port = socket.GetStream();
            var ping = FrameEncoder.Encode(new Frame(FrameType.Ping, false, 1, new byte[1000]));
            // 2 MB, 500 times the agent's rx_window; what the agent does not read waits in the twin's (unbounded) rx buffer.
            using (var writing = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
            {
                try
                {
                    for (var i = 0; i < 2000; i++)
                    {
                        await port.WriteAsync(ping, writing.Token);
                        written += ping.Length;
                    }
                }
                catch (OperationCanceledException) { }
            }
            await Task.Delay(TimeSpan.FromSeconds(3)); // and nothing read for a while
            // Now read everything the agent answers, until it is quiet for 2 s.
            var buffer = new byte[65536];
            while (true)
            {
                using var quiet = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                try { if (await port.ReadAsync(buffer, quiet.Token) == 0) break; }
                catch (OperationCanceledException) { break; }
            }
        }
        await using var client = await Air780Client.ConnectAsync(link.ConnectionString, new LinkOptions { RequestTimeout = TimeSpan.FromSeconds(30) });
        var stats = (Dictionary<object, object?>)(await client.CallAsync("agent.stats", []))[0]!;
        var peak = (long)stats["heap_peak_kb"]!;
        var queuePeak = (long)stats["queue_peak"]!;
        // The twin is a 64-bit Lua 5.4 (larger values than the module's 32-bit 5.3), so the bar is the queue bound and a heap far from the 1.6 MB seen before.
        return new Line("agent heap, credit abuse (twin)", peak < 512 && queuePeak < 40960 + 4096,
            $"written={written} B heap_peak_kb={peak} queue_peak={queuePeak} rx_pauses={stats["rx_pauses"]} ({watch.Elapsed.TotalSeconds:0.0} s)");
    }
}
