namespace Air780Bridge.Rigs.Conformance;

/// <summary>
/// The conformance suite: every row of the seed API page and the behaviours of luatos-mqtt-behaviour.md,
/// each scenario judged on the wire by the harness and on the module by its events.
/// </summary>
public static partial class ConformanceSuite
{
    public static IReadOnlyList<Scenario> All { get; } =
        [.. ConnectScenarios(), .. TlsScenarios(), .. MessageScenarios(), .. SessionScenarios(), .. ServerScenarios()];

    public static IReadOnlyList<string> Suites { get; } = All.Select(s => s.Suite).Distinct().ToList();
}
