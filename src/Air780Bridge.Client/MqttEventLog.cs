namespace Air780Bridge.Client;

/// <summary>
/// The one record of a module's mqtt events: every <see cref="MqttEvent"/> in arrival order, routed by client handle,
/// with waiters that cannot miss an event that arrived before they started waiting (the seed's wait-for-sent
/// pattern needs that). The typed proxies (<see cref="Mqtt.LuatMqttClientProxy"/>) and the conformance scenarios
/// read the same log. A cursor is a <see cref="Count"/> taken earlier: reading from it skips what came before, such as
/// a handle number's events from before a reboot.
/// </summary>
public sealed class MqttEventLog
{
    private readonly int _historyPerHandle;
    private readonly Dictionary<long, List<(int Seq, MqttEvent Event)>> _byHandle = [];
    private readonly Dictionary<long, List<(int Cursor, Func<MqttEvent, bool> Match, TaskCompletionSource<MqttEvent> Done)>> _waiters = [];
    private readonly Lock _lock = new();
    private int _count;

    /// <param name="historyPerHandle">Events kept per client handle, the newest; a session that lives for days
    /// keeps a bounded history for each client it created.</param>
    public MqttEventLog(int historyPerHandle = 4096)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(historyPerHandle, 1);
        _historyPerHandle = historyPerHandle;
    }

    /// <summary>How many events were added so far: the cursor for "from now on".</summary>
    public int Count
    {
        get { lock (_lock) return _count; }
    }

    public void Add(MqttEvent e)
    {
        List<TaskCompletionSource<MqttEvent>> done = [];
        lock (_lock)
        {
            var seq = _count++;
            if (!_byHandle.TryGetValue(e.Handle, out var events))
                _byHandle[e.Handle] = events = [];
            events.Add((seq, e));
            if (events.Count > _historyPerHandle)
                events.RemoveRange(0, events.Count - _historyPerHandle);
            if (_waiters.TryGetValue(e.Handle, out var waiters))
                foreach (var waiter in waiters.Where(w => seq >= w.Cursor && w.Match(e)).ToList())
                {
                    waiters.Remove(waiter);
                    done.Add(waiter.Done);
                }
        }
        foreach (var tcs in done)
            tcs.TrySetResult(e);
    }

    /// <summary>Events of client <paramref name="handle"/> at or after <paramref name="cursor"/>, oldest first.</summary>
    public IReadOnlyList<MqttEvent> Since(long handle, int cursor)
    {
        lock (_lock)
            return _byHandle.TryGetValue(handle, out var events) ? events.Where(e => e.Seq >= cursor).Select(e => e.Event).ToList() : [];
    }

    /// <summary>The first event of client <paramref name="handle"/> at or after <paramref name="cursor"/> that matches,
    /// already logged or still to come.</summary>
    /// <exception cref="TimeoutException">none within <paramref name="timeout"/>.</exception>
    public async Task<MqttEvent> WaitAsync(long handle, int cursor, Func<MqttEvent, bool> match, TimeSpan timeout, CancellationToken ct = default)
    {
        var tcs = new TaskCompletionSource<MqttEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
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
            return await tcs.Task.WaitAsync(timeout, ct).ConfigureAwait(false);
        }
        finally
        {
            lock (_lock)
                if (_waiters.TryGetValue(handle, out var waiters))
                    waiters.RemoveAll(w => w.Done == tcs);
        }
    }

    /// <summary>Ends every wait on client <paramref name="handle"/> with <paramref name="reason"/> (its client is gone).</summary>
    public void Fail(long handle, Exception reason)
    {
        List<TaskCompletionSource<MqttEvent>> failed;
        lock (_lock)
        {
            if (!_waiters.Remove(handle, out var waiters))
                return;
            failed = waiters.Select(w => w.Done).ToList();
        }
        foreach (var tcs in failed)
            tcs.TrySetException(reason);
    }
}
