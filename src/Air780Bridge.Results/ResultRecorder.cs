using System.Reflection;
using Air780Bridge.Rigs.Reports;
using Air780Bridge.Rigs.Results;

namespace Air780Bridge.Results;

/// <summary>Stores a finished run without ever failing it: a failed write is said, and results.json stays to replay it.</summary>
public static class ResultRecorder
{
    /// <summary>The air780 version stored with each run.</summary>
    public static string ToolVersion { get; } =
        typeof(ResultRecorder).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    /// <summary>The run as it is written and stored: which station and operator ran it, with which air780.</summary>
    public static RunResult Stamp(RunResult run, string? station, string? @operator) =>
        run with { Station = station ?? Environment.MachineName, Operator = @operator ?? Environment.UserName, ToolVersion = ToolVersion };

    /// <returns>The stored run, or null with <paramref name="report"/> told why and how to replay.</returns>
    public static async Task<SavedRun?> TryStoreAsync(StoreLocation location, RunResult run, string outputDir, Action<string> report, CancellationToken ct = default)
    {
        try
        {
            await using var store = await ResultStore.OpenAsync(location, ct);
            return await store.SaveAsync(run, outputDir, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            report($"results not stored in {location.Display}: {e.Message}; the run itself is complete. " +
                   $"Replay it later with: air780 results import {outputDir}");
            return null;
        }
    }

    /// <summary>`air780 results import DIR`: the run in DIR (its results.json) into the store.</summary>
    public static async Task<SavedRun> ImportAsync(IResultStore store, string dir, CancellationToken ct = default)
    {
        var json = Directory.Exists(dir) ? Path.Combine(dir, ReportWriter.JsonFile) : dir;
        if (!File.Exists(json))
            throw new FileNotFoundException($"{json} does not exist; pass a run folder (the one holding {ReportWriter.JsonFile})");
        var run = ResultJson.Deserialize(await File.ReadAllTextAsync(json, ct));
        return await store.SaveAsync(run, Path.GetDirectoryName(Path.GetFullPath(json)), ct);
    }
}
