using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Air780Bridge.Twin;
using Air780Bridge.Twin.Link;

namespace Air780Bridge.Bench;

/// <summary><c>--name value</c> options after the benchmark name; unknown names are an error, not silently ignored.</summary>
internal sealed class BenchArgs
{
    private readonly Dictionary<string, string> _values = [];
    private readonly HashSet<string> _used = [];

    public BenchArgs(IEnumerable<string> args)
    {
        var list = args.ToList();
        for (var i = 0; i < list.Count; i++)
        {
            if (!list[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= list.Count)
                throw new ArgumentException($"expected '--name value', got '{list[i]}'");
            _values[list[i][2..]] = list[++i];
        }
    }

    public string Text(string name, string fallback)
    {
        _used.Add(name);
        return _values.GetValueOrDefault(name, fallback);
    }

    public int Int(string name, int fallback) => int.Parse(Text(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

    public double Double(string name, double fallback) => double.Parse(Text(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

    public IReadOnlyList<int> Ints(string name, string fallback) =>
        Text(name, fallback).Split(',', StringSplitOptions.RemoveEmptyEntries).Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToList();

    /// <summary>Call after reading every option: a misspelt option must not run a different benchmark than asked for.</summary>
    public void RejectUnknown()
    {
        var unknown = _values.Keys.Except(_used).ToList();
        if (unknown.Count > 0)
            throw new ArgumentException($"unknown option(s): {string.Join(", ", unknown.Select(u => "--" + u))}");
    }
}

internal static class BenchSupport
{
    public static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>A pty is how a real module is reached (serial://, System.IO.Ports); TCP where there are no ptys.</summary>
    public static string DefaultLink => LinkKind.Default.Name;

    /// <summary>A twin link kind from the twin's link registry (<see cref="LinkKind"/>), as --link names it.</summary>
    public static LinkKind Link(string kind) =>
        LinkKind.All.FirstOrDefault(k => k.Name == kind && k.Available)
            ?? throw new ArgumentException($"--link must be one of {string.Join(", ", LinkKind.All.Where(k => k.Available).Select(k => k.Name))} here, got '{kind}'");

    /// <summary>The twin's end of the serial channel.</summary>
    public static TwinSerialLink OpenLink(IModuleSerial serial, string name, string kind, int baud, string ptyDirectory) =>
        Link(kind).Create(serial, name, ptyDirectory, new LinkConditioner { Baud = baud });

    public static void WriteJson(string path, object result)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, JsonSerializer.Serialize(result, Json));
        Console.WriteLine($"result written to {path}");
    }

    /// <summary>Nearest-rank percentile of an ascending list.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];

    public static string Machine() =>
        $"{Environment.ProcessorCount} cpu, {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1 << 20)} MiB, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}";
}

/// <summary>Process CPU time over a window, and peaks of working set and managed heap sampled while it runs.</summary>
internal sealed class ResourceMonitor : IAsyncDisposable
{
    private readonly Process _process = Process.GetCurrentProcess();
    private readonly TimeSpan _cpuAtStart;
    private readonly Stopwatch _wall = Stopwatch.StartNew();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampler;
    private long _peakHeap;
    private int _peakThreads;

    public ResourceMonitor()
    {
        _cpuAtStart = _process.TotalProcessorTime;
        _sampler = SampleAsync();
    }

    private async Task SampleAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        try
        {
            do
            {
                _peakHeap = Math.Max(_peakHeap, GC.GetTotalMemory(false));
                _process.Refresh();
                _peakThreads = Math.Max(_peakThreads, _process.Threads.Count);
            }
            while (await timer.WaitForNextTickAsync(_stop.Token));
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async Task<ResourceUse> StopAsync()
    {
        await _stop.CancelAsync();
        await _sampler;
        _process.Refresh();
        var cpu = _process.TotalProcessorTime - _cpuAtStart;
        var wall = _wall.Elapsed;
        return new ResourceUse(
            CpuSeconds: Math.Round(cpu.TotalSeconds, 2),
            WallSeconds: Math.Round(wall.TotalSeconds, 2),
            CpuPercentOfOneCore: Math.Round(100 * cpu / wall, 1),
            CpuPercentOfMachine: Math.Round(100 * cpu / wall / Environment.ProcessorCount, 1),
            PeakWorkingSetMiB: Math.Round(_process.PeakWorkingSet64 / 1048576.0, 1),
            PeakManagedHeapMiB: Math.Round(_peakHeap / 1048576.0, 1),
            PeakThreads: _peakThreads,
            Gen2Collections: GC.CollectionCount(2));
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested) await StopAsync();
        _stop.Dispose();
    }
}

internal sealed record ResourceUse(double CpuSeconds, double WallSeconds, double CpuPercentOfOneCore, double CpuPercentOfMachine,
    double PeakWorkingSetMiB, double PeakManagedHeapMiB, int PeakThreads, int Gen2Collections);
