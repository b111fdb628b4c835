using System.Text.Json;
using System.Text.Json.Serialization;

namespace Air780Bridge.Harness.Timeline;

/// <summary>
/// Thread-safe, append-only list of <see cref="TimelineEntry"/> with a live event and JSON-lines I/O. In memory, or
/// <see cref="Spooled"/> to its JSON-lines file as it grows so that a long soak holds almost nothing resident;
/// <see cref="Snapshot"/> then reads the file back for judging.
/// </summary>
public sealed class Timeline : IDisposable
{
    /// <summary>The harness's JSON (camelCase, nulls left out), source-generated for its types: start from it for a
    /// variant (copy it, add a resolver for more types).</summary>
    public static JsonSerializerOptions JsonOptions => TimelineJsonContext.Default.Options;

    private readonly List<TimelineEntry> _entries = new();
    private readonly object _gate = new();
    private readonly TimelineSpool? _spool;

    public Timeline() { }

    private Timeline(TimelineSpool spool) => _spool = spool;

    /// <summary>A timeline written to <paramref name="path"/> as it grows (JSON lines, the <see cref="SaveAsync"/> format);
    /// null = a temporary file that goes when the timeline is disposed.</summary>
    public static Timeline Spooled(string? path = null) =>
        new(new TimelineSpool(path ?? System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"air780-timeline-{Guid.NewGuid():N}.jsonl"), temporary: path is null));

    /// <summary>The spool file; null for an in-memory timeline.</summary>
    public string? SpoolPath => _spool?.Path;

    /// <summary>Entries appended so far.</summary>
    public long Count
    {
        get
        {
            if (_spool is not null) return _spool.Count;
            lock (_gate) return _entries.Count;
        }
    }

    /// <summary>Raised after each append, on the appending thread; handlers must be quick and must not throw.</summary>
    public event Action<TimelineEntry>? Appended;

    public void Append(TimelineEntry entry)
    {
        if (_spool is not null) _spool.Add(entry);
        else lock (_gate) _entries.Add(entry);
        Appended?.Invoke(entry);
    }

    /// <summary>Every entry so far, in append order. Spooled: read back from the file block by block as the list is
    /// walked, so judging a long run does not need it all in memory.</summary>
    public IReadOnlyList<TimelineEntry> Snapshot()
    {
        if (_spool is not null) return _spool.Snapshot();
        lock (_gate) return _entries.ToArray();
    }

    /// <summary>Completes with the first entry (already present or appended later) that matches.</summary>
    public async Task<TimelineEntry> WaitForAsync(Func<TimelineEntry, bool> match, TimeSpan timeout)
    {
        var tcs = new TaskCompletionSource<TimelineEntry>(TaskCreationOptions.RunContinuationsAsynchronously);
        void Handler(TimelineEntry e) { if (match(e)) tcs.TrySetResult(e); }
        Appended += Handler;
        try
        {
            var existing = Snapshot().FirstOrDefault(match);
            if (existing is not null) return existing;
            return await tcs.Task.WaitAsync(timeout);
        }
        finally { Appended -= Handler; }
    }

    public static string ToJson(TimelineEntry entry) => JsonSerializer.Serialize(entry, TimelineJsonContext.Default.TimelineEntry);

    public static TimelineEntry FromJson(string line) =>
        JsonSerializer.Deserialize(line, TimelineJsonContext.Default.TimelineEntry) ?? throw new FormatException("timeline line is JSON null; expected an entry object");

    public async Task SaveAsync(string path, CancellationToken ct = default)
    {
        if (_spool is not null) await _spool.SaveAsync(path, ct);
        else await File.WriteAllLinesAsync(path, Snapshot().Select(ToJson), ct);
    }

    public static async Task<Timeline> LoadAsync(string path, CancellationToken ct = default)
    {
        var timeline = new Timeline();
        var number = 0;
        foreach (var line in await File.ReadAllLinesAsync(path, ct))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            try { timeline.Append(FromJson(line)); }
            catch (JsonException ex) { throw new FormatException($"{path}:{number}: not a timeline entry ({ex.Message}); expected one JSON object per line", ex); }
        }
        return timeline;
    }

    /// <summary>Spooled: writes what is queued and stops the writer thread; the entries stay readable (a temporary
    /// file is deleted once the timeline is collected); no-op in memory.</summary>
    public void Dispose() => _spool?.Dispose();
}

/// <summary>Source-generated JSON (Native-AOT safe, and no reflection at start-up) for timeline lines (the spool writes one
/// per packet) and the control channel's messages.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(TimelineEntry))]
[JsonSerializable(typeof(Control.HarnessInfo))]
[JsonSerializable(typeof(Faults.FaultCommand))]
internal sealed partial class TimelineJsonContext : JsonSerializerContext;
