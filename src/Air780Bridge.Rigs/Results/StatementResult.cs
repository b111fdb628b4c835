using Air780Bridge.Harness.Checks;

namespace Air780Bridge.Rigs.Results;

/// <summary>One check's verdict on a statement in one scenario of one module.</summary>
public sealed record StatementJudgement(string Module, string Scenario, string Check, Verdict Verdict);

/// <summary>
/// What a run made of one client-side MQTT 3.1.1 statement: the statement as the catalogue covers it
/// (<see cref="SpecStatements"/>: the checks that judge it, or why it is not judged) and every verdict the run's
/// checks gave on it; <see cref="Verdict"/> is the worst of them, null when nothing in the run judged it.
/// </summary>
public sealed record StatementResult(SpecStatement Statement, Verdict? Verdict, IReadOnlyList<StatementJudgement> Judgements)
{
    /// <summary>Every client-side statement, in spec order, with what <paramref name="modules"/> judged of it.</summary>
    public static IReadOnlyList<StatementResult> Of(IReadOnlyList<ModuleResult> modules)
    {
        var judged = modules.SelectMany(m => m.Scenarios.SelectMany(s => s.Checks.SelectMany(c => c.Statements.Select(id =>
                (Id: id, Judgement: new StatementJudgement(m.Name, s.Id, c.Id, c.Verdict))))))
            .ToLookup(x => x.Id, x => x.Judgement);
        return SpecStatements.ClientSide.Select(s =>
        {
            var judgements = judged[s.Id].ToList();
            return new StatementResult(s, judgements.Count == 0 ? null : Verdicts.Combine(judgements.Select(j => j.Verdict)), judgements);
        }).ToList();
    }
}
