using Air780Bridge.Harness.Timeline;

namespace Air780Bridge.Harness.Checks;

public enum CheckVerdict { Pass, Fail, Inconclusive, KnownDeviation }

/// <summary>Outcome of one check: what was measured, what was allowed, why, and the timeline entries that show it.</summary>
public sealed record CheckResult(
    string Id,
    string Title,
    string Statement,
    string Source,
    CheckVerdict Verdict,
    IReadOnlyList<string> Measured,
    string Allowed,
    string Explanation,
    IReadOnlyList<TimelineEntry> Evidence);

public sealed record WillExpectation(string Topic, int Qos, bool Retain, int PayloadSize);

/// <summary>What the module was configured with; null means "not configured / do not check".</summary>
public sealed record CheckExpectation
{
    public string? ClientId { get; init; }
    public string? Username { get; init; }
    public bool? PasswordSet { get; init; }
    public bool? CleanSession { get; init; }
    public int? KeepAliveSeconds { get; init; }
    public WillExpectation? Will { get; init; }
    public int? AutoReconnectMs { get; init; }
    /// <summary>Firmware profile, e.g. "V1120" or "V2028"; decides which documented deviations apply.</summary>
    public string? Profile { get; init; }
    /// <summary>Topics of a table subscribe, for "subscribe.per-topic".</summary>
    public IReadOnlyList<string>? SubscribeTopics { get; init; }

    /// <summary>Firmware that wraps the message-id counter to 0 (all EC618 incl. V1120, EC7xx up to V2024; reference §0/§5).</summary>
    public bool WrapsPacketIdToZero
    {
        get
        {
            if (Profile is null) return false;
            var digits = new string(Profile.Where(char.IsDigit).ToArray());
            if (!int.TryParse(digits, out var build)) return false;
            return build < 2000 ? true : build <= 2024;
        }
    }
}

/// <summary>Tolerances; timing allows ±max(<see cref="TimingMinMs"/>, <see cref="TimingFraction"/> × expected).</summary>
public sealed record CheckTolerances
{
    public double TimingMinMs { get; init; } = 250;
    public double TimingFraction { get; init; } = 0.05;
    /// <summary>How far module-side entries (this machine's clock) and wire entries (a remote tap's clock, shifted)
    /// may be off against each other; order checks between the two allow this much.</summary>
    public long ClockSkewUs { get; init; }

    public double AllowanceMs(double expectedMs) => Math.Max(TimingMinMs, TimingFraction * expectedMs);
    public bool Within(double expectedMs, double measuredMs) => Math.Abs(measuredMs - expectedMs) <= AllowanceMs(expectedMs);
    public string Range(double expectedMs) => $"{expectedMs:0} ms ± {AllowanceMs(expectedMs):0} ms";
}

public sealed record CheckContext(IReadOnlyList<TimelineEntry> Timeline, CheckExpectation Expectation)
{
    public CheckTolerances Tolerances { get; init; } = new();
}

public interface ICheck
{
    string Id { get; }
    string Title { get; }
    string Statement { get; }
    string Source { get; }
    CheckResult Evaluate(CheckContext ctx);
}
