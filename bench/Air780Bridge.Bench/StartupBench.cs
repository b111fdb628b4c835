using System.Diagnostics;
using Air780Bridge.Client;
using Air780Bridge.Twin;

namespace Air780Bridge.Bench;

/// <summary>
/// Start-up of one `air780` call, the cost every shell-script step pays: `--help` (start-up alone) and
/// `mqtt CONN state H` (start-up, link open, HELLO, one call) against a twin on loopback TCP in this process.
/// The published build (build/publish.sh: Native AOT on linux-x64, a ReadyToRun single file elsewhere) and the
/// framework-dependent build (JIT) side by side, wall time and CPU time (user+system, which a loaded machine inflates less).
/// Target: the published build's median call under 150 ms.
/// </summary>
internal static class StartupBench
{
    public static async Task<int> RunAsync(BenchArgs args)
    {
        var rid = $"{(OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux")}-{System.Runtime.InteropServices.RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant()}";
        var exe = args.Text("exe", Path.Combine("artifacts", "publish", rid, OperatingSystem.IsWindows() ? "air780.exe" : "air780"));
        var dll = args.Text("dll", Path.Combine("src", "Air780Bridge.Cli", "bin", "Release", "net10.0", "air780.dll"));
        var runs = args.Int("runs", 20);
        var targetMs = args.Double("target-ms", 150);
        args.RejectUnknown();
        if (!File.Exists(exe))
            throw new ArgumentException($"{exe} not found; build it with build/publish.sh {rid} or pass --exe");

        using var module = new VirtualModule(new VirtualModuleOptions { Name = "startup" });
        module.Start();
        using var link = LinkKind.Tcp.Create(module.Serial, module.Name, null, null);
        // The calls read the state of a client the agent keeps between connections, as a script's later steps do.
        string handle;
        await using (var setup = await Air780Client.ConnectAsync(link.ConnectionString))
            handle = ((await setup.Mqtt.CreateAsync("127.0.0.1", 1883))?.Handle ?? throw new InvalidOperationException("mqtt.create returned nil")).ToString();
        Console.WriteLine($"startup: {runs} runs each after 3 warm-up runs, twin at {link.ConnectionString}; {BenchSupport.Machine()}");

        var builds = new List<(string Name, string File, string[] Prefix)> { ("published " + rid, exe, []) };
        if (File.Exists(dll))
            builds.Add(("dotnet air780.dll (JIT)", "dotnet", [dll]));
        var rows = new List<(string Build, string Call, double Median, double P90, double Min, double CpuMedian)>();
        foreach (var (name, file, prefix) in builds)
            foreach (var (call, callArgs) in new[] { ("--help", new[] { "--help" }), ("mqtt state", new[] { "mqtt", link.ConnectionString, "state", handle }) })
            {
                var times = new List<double>();
                var cpu = new List<double>();
                for (var i = 0; i < runs + 3; i++)
                {
                    var (ms, cpuMs) = await TimeOneAsync(file, [.. prefix, .. callArgs]);
                    if (i < 3) continue;
                    times.Add(ms);
                    cpu.Add(cpuMs);
                }
                times.Sort();
                cpu.Sort();
                rows.Add((name, call, BenchSupport.Percentile(times, 50), BenchSupport.Percentile(times, 90), times[0], BenchSupport.Percentile(cpu, 50)));
            }

        Console.WriteLine();
        Console.WriteLine($"  {"build",-24} {"call",-11} {"median ms",9} {"p90 ms",7} {"min ms",7} {"cpu ms (median)",16}");
        foreach (var r in rows)
            Console.WriteLine($"  {r.Build,-24} {r.Call,-11} {r.Median,9:0} {r.P90,7:0} {r.Min,7:0} {r.CpuMedian,16:0}");
        var call1 = rows.First(r => r.Call == "mqtt state");
        var jit = rows.FirstOrDefault(r => r.Call == "mqtt state" && r.Build != call1.Build);
        if (jit.Build is not null)
            Console.WriteLine($"  published / JIT (mqtt state, median): wall {call1.Median / jit.Median:0.00}, cpu {call1.CpuMedian / jit.CpuMedian:0.00}");
        var pass = call1.Median < targetMs;
        Console.WriteLine();
        Console.WriteLine($"{(pass ? "PASS" : "FAIL")}: one `air780 mqtt` call of the published build, median {call1.Median:0} ms (target < {targetMs:0} ms; a loaded machine inflates it)");
        return pass ? 0 : 1;
    }

    /// <summary>Wall time and the child's CPU time (user+system, from the children's rusage once it is reaped).</summary>
    private static async Task<(double WallMs, double CpuMs)> TimeOneAsync(string file, string[] args)
    {
        var cpuBefore = ChildrenCpuMs();
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var drain = Task.WhenAll(process.StandardOutput.ReadToEndAsync(), process.StandardError.ReadToEndAsync());
        await process.WaitForExitAsync();
        var ms = clock.Elapsed.TotalMilliseconds;
        await drain;
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {process.ExitCode}: {(await drain)[1]}");
        return (ms, ChildrenCpuMs() - cpuBefore);
    }

    private static double ChildrenCpuMs()
    {
        if (!OperatingSystem.IsLinux()) return double.NaN;
        if (getrusage(RusageChildren, out var u) != 0) throw new InvalidOperationException("getrusage failed");
        return (u.UserSec + u.SystemSec) * 1000.0 + (u.UserUsec + u.SystemUsec) / 1000.0;
    }

    private const int RusageChildren = -1;

    // 64-bit Linux struct rusage: ru_utime and ru_stime (struct timeval, two longs each), then 14 longs not read here.
    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential, Size = 18 * 8)]
    private struct Rusage
    {
        public long UserSec, UserUsec, SystemSec, SystemUsec;
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int getrusage(int who, out Rusage usage);
}
