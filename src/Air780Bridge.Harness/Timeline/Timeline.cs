using System.Text.Json;
using System.Text.Json.Serialization;

namespace Air780Bridge.Harness.Timeline;

/// <summary>Thread-safe, append-only list of <see cref="TimelineEntry"/> with a live event and JSON-lines I/O.</summary>
public sealed class Timeline
{
    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly List<TimelineEntry> _entries = new();
    private readonly object _gate = new();

    /// <summary>Raised after each append, on the appending thread; handlers must be quick and must not throw.</summary>
    public event Action<TimelineEntry>? Appended;

    public void Append(TimelineEntry entry)
    {
        lock (_gate) _entries.Add(entry);
        Appended?.Invoke(entry);
    }

    public IReadOnlyList<TimelineEntry> Snapshot()
    {
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

    public static string ToJson(TimelineEntry entry) => JsonSerializer.Serialize(entry, JsonOptions);

    public static TimelineEntry FromJson(string line) =>
        JsonSerializer.Deserialize<TimelineEntry>(line, JsonOptions) ?? throw new FormatException("timeline line is JSON null; expected an entry object");

    public async Task SaveAsync(string path, CancellationToken ct = default) =>
        await File.WriteAllLinesAsync(path, Snapshot().Select(ToJson), ct);

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
}
