namespace Air780Bridge.Protocol.Messages;

/// <summary>Checks event sequence numbers (1..65535, wrapping to 1) and reports how many were skipped.</summary>
public sealed class SequenceTracker
{
    private ushort? _last;

    public long Lost { get; private set; }

    /// <summary>Returns the number of events missing before <paramref name="seq"/> (0 when in order).</summary>
    public int Observe(ushort seq)
    {
        var gap = 0;
        if (_last is { } last)
        {
            var expected = Next(last);
            // Distance in the 1..65535 cycle; a sequence number that repeats or goes back counts as a restart, not a loss.
            var distance = (seq - expected + 65535) % 65535;
            if (seq != expected && distance < 32768)
                gap = distance;
        }
        _last = seq;
        Lost += gap;
        return gap;
    }

    /// <summary>Forget the position: the next number observed is taken as the baseline (attaching to a running module).</summary>
    public void Reset() => _last = null;

    /// <summary>The module just booted: the next event must be number 1.</summary>
    public void ExpectFirst() => _last = ushort.MaxValue;

    public static ushort Next(ushort seq) => seq == ushort.MaxValue ? (ushort)1 : (ushort)(seq + 1);
}
