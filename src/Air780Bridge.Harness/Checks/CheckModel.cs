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
    /// <summary>Firmware profile name or version ("air780e-v1120", "V1120"; <see cref="FirmwareProfile.Find"/>); decides
    /// which documented deviations apply. Null judges plain MQTT 3.1.1.</summary>
    public string? Profile { get; init; }
    /// <summary>Topics of a table subscribe, for "subscribe.per-topic".</summary>
    public IReadOnlyList<string>? SubscribeTopics { get; init; }

    /// <summary>What the named firmware does, or null when no profile is given.</summary>
    /// <exception cref="ArgumentException">A profile is named that does not exist: judging it as plain MQTT would
    /// turn its documented deviations into failures.</exception>
    public FirmwareExpectations? Firmware => Profile is null ? null : new FirmwareExpectations(FirmwareProfile.Get(Profile));

    /// <summary>The firmware wraps the message-id counter to 0 (<see cref="FirmwareExpectations.WrapsPacketIdToZero"/>).</summary>
    public bool WrapsPacketIdToZero => Firmware?.WrapsPacketIdToZero ?? false;
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
