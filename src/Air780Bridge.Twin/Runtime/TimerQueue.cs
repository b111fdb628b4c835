using System.Diagnostics;

namespace Air780Bridge.Twin.Runtime;

/// <summary>
/// One module's timers, fired by the module's own thread between bus messages, as LuatOS timer expiries are
/// messages to the Lua task. Nothing waits on the host's thread pool, so a busy host delays a timer only by the
/// time the module itself is busy, as on hardware.
/// </summary>
public sealed class TimerQueue(Func<long> nowMs)
{
    public sealed class Handle
    {
        internal long DueMs;
        internal int PeriodMs;
        internal bool Cancelled;
        internal Action Fire = null!;
    }

    private readonly Lock _gate = new();
    private readonly PriorityQueue<Handle, long> _due = new();

    // Environment.TickCount64 is a coarse clock on Linux (a kernel tick, often 4 ms), which would let a timer fire
    // that much before its period; the high-resolution clock keeps an expiry within a millisecond of it.
    public TimerQueue() : this(() => Stopwatch.GetTimestamp() / (Stopwatch.Frequency / 1000)) { }

    /// <summary>Fires <paramref name="fire"/> after <paramref name="delayMs"/>, then every <paramref name="delayMs"/> when <paramref name="repeat"/>.</summary>
    public Handle Start(int delayMs, bool repeat, Action fire)
    {
        var handle = new Handle { DueMs = nowMs() + delayMs, PeriodMs = repeat ? delayMs : 0, Fire = fire };
        lock (_gate) _due.Enqueue(handle, handle.DueMs);
        return handle;
    }

    public void Cancel(Handle handle)
    {
        lock (_gate) handle.Cancelled = true;
    }

    public void Clear()
    {
        lock (_gate) _due.Clear();
    }

    /// <summary>Milliseconds until the next live timer is due (0 when one is), or -1 (infinite) when none is set.</summary>
    public int WaitMs()
    {
        lock (_gate)
        {
            while (_due.TryPeek(out var next, out var due))
            {
                if (!next.Cancelled) return (int)Math.Clamp(due - nowMs(), 0, int.MaxValue);
                _due.Dequeue();
            }
            return Timeout.Infinite;
        }
    }

    /// <summary>Called after <see cref="TakeDue"/> took at least one timer, with how many ms after its due time the
    /// latest-running one was taken: the module thread was busy or the host did not run it.</summary>
    public Action<long>? Late { get; set; }

    /// <summary>The actions of every timer now due, in due order; a repeating timer keeps its schedule (a late
    /// expiry does not shift the next one, and missed periods are not made up in a burst).</summary>
    public List<Action> TakeDue()
    {
        var fired = new List<Action>();
        var late = -1L;
        lock (_gate)
        {
            var now = nowMs();
            while (_due.TryPeek(out var next, out var due) && due <= now)
            {
                _due.Dequeue();
                if (next.Cancelled) continue;
                fired.Add(next.Fire);
                late = Math.Max(late, now - due);
                if (next.PeriodMs == 0)
                {
                    next.Cancelled = true;
                    continue;
                }
                next.DueMs += next.PeriodMs;
                if (next.DueMs <= now) next.DueMs = now + next.PeriodMs;
                _due.Enqueue(next, next.DueMs);
            }
        }
        if (late >= 0) Late?.Invoke(late);
        return fired;
    }
}
