using Air780Bridge.Harness.Checks;

namespace Air780Bridge.Rigs.Results;

/// <summary>One check's verdict on a statement in one scenario of one module.</summary>
public sealed record StatementJudgement(string Module, string Scenario, string Check, Verdict Verdict);

/// <summary>
/// What a run made of one client-side MQTT 3.1.1 statement: how the catalogue covers it (<see cref="SpecStatements"/>:
/// the checks that judge it, or why it is not judged) and every verdict the run's checks gave on it.
/// </summary>
public sealed record StatementResult
{
    /// <summary>"3.1.2-22"; cited as [MQTT-3.1.2-22].</summary>
    public required string Id { get; init; }
    public required string Section { get; init; }
    public required StatementBinds Binds { get; init; }
    public required string Summary { get; init; }
    /// <summary>Judged, Explained (not judgeable, <see cref="NotJudged"/> says why) or Missing.</summary>
    public required string Coverage { get; init; }
    /// <summary>The catalogue checks that judge it.</summary>
    public IReadOnlyList<string> Checks { get; init; } = [];
    public NotJudged? NotJudged { get; init; }
    /// <summary>The worst verdict of <see cref="Judgements"/>; null when nothing in the run judged the statement.</summary>
    public Verdict? Verdict { get; init; }
    public IReadOnlyList<StatementJudgement> Judgements { get; init; } = [];

    /// <summary>Every client-side statement, in spec order, with what <paramref name="modules"/> judged of it.</summary>
    public static IReadOnlyList<StatementResult> Of(IReadOnlyList<ModuleResult> modules)
    {
        var judged = modules.SelectMany(m => m.Scenarios.SelectMany(s => s.Checks.SelectMany(c => c.Statements.Select(id =>
                (Id: id, Judgement: new StatementJudgement(m.Name, s.Id, c.Id, c.Verdict))))))
            .ToLookup(x => x.Id, x => x.Judgement);
        return SpecStatements.ClientSide.Select(s =>
        {
            var judgements = judged[s.Id].ToList();
            return new StatementResult
            {
                Id = s.Id, Section = s.Section, Binds = s.Binds, Summary = s.Summary, Coverage = s.Coverage.ToString(),
                Checks = s.Checks, NotJudged = s.NotJudged, Judgements = judgements,
                Verdict = judgements.Count == 0 ? null : Verdicts.Combine(judgements.Select(j => j.Verdict)),
            };
        }).ToList();
    }
}
