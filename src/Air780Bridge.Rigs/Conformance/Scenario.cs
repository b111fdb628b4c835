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
}

/// <summary>Thrown by a scenario step whose expectation failed; the message is the report's one-line reason.</summary>
public sealed class ScenarioFailedException(string message) : Exception(message);

/// <summary>Thrown when a scenario cannot apply to this module (e.g. the firmware lacks the event it needs).</summary>
public sealed class ScenarioSkippedException(string message) : Exception(message);
