namespace Air780Bridge.Harness.Timeline;

/// <summary>
/// Records on every watched timeline when this process could not run a thread on time: a dedicated thread that
/// should wake every <see cref="Tick"/>, and a thread-pool item it queues each tick (the pool runs the tap's and the
/// twins' socket work). A stall is a GC pause, a container's CPU quota, an overloaded machine or a starved pool.
/// Every timestamp taken across one is late by up to its length, and a twin's timer fires that much late with it, so
/// the timing checks call an interval off by no more than such stalls Inconclusive instead of blaming the module
/// (<see cref="Checks.TimedInterval.StalledBy"/>).
/// </summary>
public static class HostStalls
{
    public static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(10);
    /// <summary>Shorter delays are the scheduler's ordinary noise; a recorded stall excuses a deviation only up to its length.</summary>
    public static readonly TimeSpan Threshold = TimeSpan.FromMilliseconds(20);

    private static readonly object Gate = new();
    private static readonly List<Timeline> Watched = [];
    private static Thread? _probe;
    private static int _poolProbeQueued;

    /// <summary>Records stalls on <paramref name="timeline"/> until the result is disposed.</summary>
    public static IDisposable Watch(Timeline timeline)
    {
        lock (Gate)
        {
            Watched.Add(timeline);
            if (_probe is null)
            {
                _probe = new Thread(Probe) { IsBackground = true, Name = "host stall probe" };
                _probe.Start();
            }
            Monitor.PulseAll(Gate);
        }
        return new Watcher(timeline);
    }

    private sealed class Watcher(Timeline timeline) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
                lock (Gate) Watched.Remove(timeline);
        }
    }

    private static void Probe()
    {
        var tickUs = (long)Tick.TotalMicroseconds;
        while (true)
        {
            lock (Gate)
                while (Watched.Count == 0) Monitor.Wait(Gate);
            var due = TimelineClock.NowUs + tickUs;
            Thread.Sleep(Tick);
            var woke = TimelineClock.NowUs;
            Report(due, woke, "a thread of this process");
            // One pool item at a time: one that has not run yet reports the whole wait when it does.
            if (Interlocked.Exchange(ref _poolProbeQueued, 1) == 0)
                ThreadPool.UnsafeQueueUserWorkItem(static queued =>
                {
                    Volatile.Write(ref _poolProbeQueued, 0);
                    Report(queued, TimelineClock.NowUs, "the thread pool");
                }, woke, preferLocal: false);
        }
    }

    private static void Report(long dueUs, long ranUs, string what)
    {
        var late = ranUs - dueUs;
        if (late < Threshold.TotalMicroseconds) return;
        Timeline[] watched;
        lock (Gate) watched = [.. Watched];
        var entry = Stall(ranUs, late, what);
        foreach (var timeline in watched) timeline.Append(entry);
    }

    /// <summary>The entry of a stall of <paramref name="what"/> that ended at <paramref name="endUs"/>; with
    /// <paramref name="module"/>, one that only that module's timing could have suffered (a twin's own thread).</summary>
    public static TimelineEntry Stall(long endUs, long lateUs, string what, string? module = null) => new()
    {
        // Stamped when seen, as every entry is, so the timeline stays in time order; the stall is the DurationUs before it.
        T = endUs, Kind = "host", Type = "stall", Conn = module, DurationUs = lateUs,
        Detail = $"{what} ran {lateUs / 1000.0:0} ms late (machine overloaded, GC pause or CPU throttled): a timing measured across it may be off by as much",
    };
}
