namespace Air780Bridge.Rigs.Conformance;

/// <summary>
/// Every event a module raised during a run, routed by mqtt client handle (scenarios running side by side on one
/// module each wait on their own clients only), in arrival order, with waiters that cannot miss an event that
/// arrived before they started waiting (the wait-for-sent pattern needs that). A cursor is the <see cref="Count"/>
/// when a scenario began: events before it belong to earlier runs of the same handle number (after a reboot).
/// </summary>
public sealed class ModuleEventLog
{
    private readonly Dictionary<long, List<(int Seq, ModuleObservation Event)>> _byHandle = [];
    private readonly Dictionary<long, List<(int Cursor, Func<ModuleObservation, bool> Match, TaskCompletionSource<ModuleObservation> Done)>> _waiters = [];
    private readonly Lock _lock = new();
    private int _count;

    public int Count
    {
        get { lock (_lock) return _count; }
    }

    public void Add(ModuleObservation observation)
    {
        List<TaskCompletionSource<ModuleObservation>> done = [];
        lock (_lock)
        {
            var seq = _count++;
            if (!_byHandle.TryGetValue(observation.Handle, out var events))
                _byHandle[observation.Handle] = events = [];
            events.Add((seq, observation));
            if (_waiters.TryGetValue(observation.Handle, out var waiters))
                foreach (var waiter in waiters.Where(w => seq >= w.Cursor && w.Match(observation)).ToList())
                {
                    waiters.Remove(waiter);
                    done.Add(waiter.Done);
                }
        }
        foreach (var tcs in done)
            tcs.TrySetResult(observation);
    }

    /// <summary>Events of client <paramref name="handle"/> at or after <paramref name="cursor"/>.</summary>
    public IReadOnlyList<ModuleObservation> Since(long handle, int cursor)
    {
        lock (_lock)
            return _byHandle.TryGetValue(handle, out var events) ? events.Where(e => e.Seq >= cursor).Select(e => e.Event).ToList() : [];
    }

    /// <summary>The first event of client <paramref name="handle"/> at or after <paramref name="cursor"/> that matches,
    /// waiting up to <paramref name="timeout"/>.</summary>
    public async Task<ModuleObservation> WaitAsync(long handle, int cursor, Func<ModuleObservation, bool> match, TimeSpan timeout, string what, CancellationToken ct)
    {
        var tcs = new TaskCompletionSource<ModuleObservation>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            if (_byHandle.TryGetValue(handle, out var events) && events.Where(e => e.Seq >= cursor).Select(e => e.Event).FirstOrDefault(match) is { } seen)
                return seen;
            if (!_waiters.TryGetValue(handle, out var waiters))
                _waiters[handle] = waiters = [];
            waiters.Add((cursor, match, tcs));
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
            lock (_lock)
                if (_waiters.TryGetValue(handle, out var waiters))
                    waiters.RemoveAll(w => w.Done == tcs);
        }
    }
}
