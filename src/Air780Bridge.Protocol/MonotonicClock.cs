using System.Diagnostics;

namespace Air780Bridge.Protocol;

/// <summary>One process-wide monotonic clock, so the proxy's module events and the harness's wire packets order correctly.</summary>
public static class MonotonicClock
{
    private static readonly long Origin = Stopwatch.GetTimestamp();

    public static long NowUs
    {
        get
        {
            // Read the origin first: its lazy initialisation must not come after the timestamp.
            var origin = Origin;
            return (Stopwatch.GetTimestamp() - origin) * 1_000_000 / Stopwatch.Frequency;
        }
    }
}
