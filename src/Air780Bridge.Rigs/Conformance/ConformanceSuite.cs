using Air780Bridge.Harness.Checks;

namespace Air780Bridge.Rigs.Conformance;

/// <summary>
/// The conformance suite: every row of the seed API page and the behaviours of luatos-mqtt-behaviour.md,
/// each scenario judged on the wire by the harness and on the module by its events.
/// </summary>
public static partial class ConformanceSuite
{
    public static IReadOnlyList<Scenario> All { get; } =
        Validate([.. ConnectScenarios(), .. TlsScenarios(), .. MessageScenarios(), .. SessionScenarios(), .. ServerScenarios()]);

    public static IReadOnlyList<string> Suites { get; } = All.Select(s => s.Suite).Distinct().ToList();

    /// <summary>A scenario's wire is told from its neighbours' by client id (<see cref="ScenarioContext.ClientIdPrefix"/>):
    /// two ids giving the same prefix, or one whose prefix and '-' begin the other's, would mix their traffic.</summary>
    private static IEnumerable<string> ClientIdClashes(IReadOnlyList<Scenario> scenarios)
    {
        var prefixes = scenarios.Select(s => (s.Id, Prefix: ScenarioContext.ClientIdPrefixOf("m", s.Id) + "-")).ToList();
        return from a in prefixes
               from b in prefixes
               where a.Id != b.Id && b.Prefix.StartsWith(a.Prefix, StringComparison.Ordinal) && (a.Prefix != b.Prefix || string.CompareOrdinal(a.Id, b.Id) < 0)
               select $"scenarios {a.Id} and {b.Id} give client ids the other's would match ({a.Prefix}...); rename one";
    }

    /// <summary>
    /// The protocol floor of running <paramref name="scenarios"/> on one module of <paramref name="profile"/>: the
    /// longest <see cref="Scenario.FixedWait"/> of those that share the module (they run alongside each other) plus
    /// those of the exclusive ones (each runs alone). No run of them can take less, however fast the machine.
    /// </summary>
    public static TimeSpan FloorOf(IEnumerable<Scenario> scenarios, string profile)
    {
        var firmware = FirmwareExpectations.For(profile);
        var list = scenarios.ToList();
        var shared = list.Where(s => !s.Exclusive).Select(s => s.FixedWait(firmware)).DefaultIfEmpty(TimeSpan.Zero).Max();
        return list.Where(s => s.Exclusive).Aggregate(shared, (sum, s) => sum + s.FixedWait(firmware));
    }

    /// <summary>The catalogue's checks for <see cref="Scenario.Judges"/>, named by <see cref="CheckIds"/> constant; an
    /// id the catalogue lacks throws while the suite is built, before anything runs.</summary>
    private static IReadOnlyList<ICheck> Checks(params string[] ids) => ids.Select(CheckCatalogue.Get).ToList();

    /// <summary>Refuses, before anything runs, a scenario naming a check the catalogue does not hold (its id would
    /// be judged nowhere and reported as if it were) or the same check twice.</summary>
    /// <exception cref="InvalidOperationException">Names each scenario and check at fault.</exception>
    public static IReadOnlyList<Scenario> Validate(IReadOnlyList<Scenario> scenarios)
    {
        var known = CheckCatalogue.All.Select(c => c.Id).ToHashSet();
        var problems = scenarios.SelectMany(s => s.Judges.Where(c => !known.Contains(c.Id))
                .Select(c => $"scenario {s.Id} names check {c.Id} ({c.GetType().Name}), which CheckCatalogue.All does not hold")
                .Concat(s.Judges.GroupBy(c => c.Id).Where(g => g.Count() > 1).Select(g => $"scenario {s.Id} names check {g.Key} twice")))
            .Concat(ClientIdClashes(scenarios))
            .ToList();
        return problems.Count == 0 ? scenarios : throw new InvalidOperationException(string.Join("; ", problems) + "; add the check to CheckCatalogue.All or fix the scenario's Judges");
    }
}
