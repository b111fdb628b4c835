namespace Air780Bridge.Rigs.Conformance;

/// <summary>
/// One conformance scenario: drives a module through the proxy while the harness records the wire, then
/// judges both. <paramref name="Covers"/> names the seed API rows / reference sections it exercises.
/// </summary>
public sealed record Scenario(string Id, string Suite, string Title, string Covers, Func<ScenarioContext, Task> Run)
{
    /// <summary>The harness checks (docs/checks.md) <see cref="ScenarioContext.Judge"/> runs: the rules this scenario
    /// is built to exercise, named by <see cref="Air780Bridge.Harness.Checks.CheckIds"/> constant so a typo cannot silently
    /// judge nothing. Each must be in
    /// <see cref="Air780Bridge.Harness.Checks.CheckCatalogue.All"/> (<see cref="ConformanceSuite.Validate"/>).</summary>
    public IReadOnlyList<Air780Bridge.Harness.Checks.ICheck> Judges { get; init; } = [];

    /// <summary>
    /// The scenario needs the module (and the harness) to itself: it affects more than its own MQTT clients (a reboot,
    /// the link or port, broker-wide faults), so no other scenario of the module runs while it does. Every other
    /// scenario touches only its own clients and client ids and runs alongside the module's others.
    /// </summary>
    public bool Exclusive { get; init; }

    /// <summary>
    /// How long the protocol itself makes this scenario wait on a firmware, however fast the module and harness are:
    /// timers it waits out (keepalive, reconnect period, conn_timeout) and windows in which something must not happen.
    /// The suite's protocol floor is computed from it (<see cref="ConformanceSuite.FloorOf"/>), and a module starts its
    /// longest scenarios first.
    /// </summary>
    public Func<Air780Bridge.Firmware.FirmwareExpectations, TimeSpan> FixedWait { get; init; } = _ => TimeSpan.Zero;
}

/// <summary>Thrown by a scenario step whose expectation failed; the message is the report's one-line reason.</summary>
public sealed class ScenarioFailedException(string message) : Exception(message);

/// <summary>Thrown when a scenario cannot apply to this module (e.g. the firmware lacks the event it needs).</summary>
public sealed class ScenarioSkippedException(string message) : Exception(message);
