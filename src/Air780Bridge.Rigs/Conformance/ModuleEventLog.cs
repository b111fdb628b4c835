namespace Air780Bridge.Rigs.Conformance;

/// <summary>
/// Every event a module raised during a run, in arrival order, with waiters that cannot miss an event that
/// arrived before they started waiting (the wait-for-sent pattern needs that).
/// </summary>
public sealed class ModuleEventLog
{
    private readonly List<ModuleObservation> _events = [];
    private readonly List<(Func<ModuleObservation, bool> Match, TaskCompletionSource<ModuleObservation> Done)> _waiters = [];
    private readonly Lock _lock = new();

    public int Count
    {
        get { lock (_lock) return _events.Count; }
    }

    public void Add(ModuleObservation observation)
    {
        List<TaskCompletionSource<ModuleObservation>> done = [];
        lock (_lock)
        {
            _events.Add(observation);
            foreach (var waiter in _waiters.Where(w => w.Match(observation)).ToList())
            {
                _waiters.Remove(waiter);
                done.Add(waiter.Done);
            }
        }
        foreach (var tcs in done)
            tcs.TrySetResult(observation);
    }

    public IReadOnlyList<ModuleObservation> Since(int cursor)
    {
        lock (_lock) return _events.Skip(cursor).ToList();
    }

    /// <summary>The first event at or after <paramref name="cursor"/> that matches, waiting up to <paramref name="timeout"/>.</summary>
    public async Task<ModuleObservation> WaitAsync(int cursor, Func<ModuleObservation, bool> match, TimeSpan timeout, string what, CancellationToken ct)
    {
        var tcs = new TaskCompletionSource<ModuleObservation>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            var seen = _events.Skip(cursor).FirstOrDefault(match);
            if (seen is not null)
                return seen;
            _waiters.Add((match, tcs));
        }
        try
        {
            return await tcs.Task.WaitAsync(timeout, ct);
        }
        catch (TimeoutException)
        {
            throw new ScenarioFailedException($"no {what} within {timeout.TotalSeconds:0.#} s");
        }
        finally
        {
            lock (_lock) _waiters.RemoveAll(w => w.Done == tcs);
        }
    }
}
