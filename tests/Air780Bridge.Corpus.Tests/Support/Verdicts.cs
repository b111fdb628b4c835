using Air780Bridge.Harness.Checks;

namespace Air780Bridge.Corpus.Tests.Support;

/// <summary>What `air780 check` said about one client, with assertions that print the verdicts and the trace on failure.</summary>
public sealed class Verdicts(IReadOnlyList<Outcome> outcomes, string command, IReadOnlyList<string> timeline)
{
    public IReadOnlyList<Outcome> All { get; } = outcomes;
    public IReadOnlySet<string> Failed { get; } = outcomes.Where(o => o.Verdict == "Fail").Select(o => o.Id).ToHashSet();
    /// <summary>Checks `--require` named that came out Inconclusive (the CLI then exits 1).</summary>
    public IReadOnlySet<string> Unjudged { get; } = outcomes.Where(o => o.Expected && o.Verdict == "Inconclusive").Select(o => o.Id).ToHashSet();

    public string Of(string id) => All.SingleOrDefault(o => o.Id == id)?.Verdict
        ?? throw new InvalidOperationException($"`{command}` reported no check '{id}'; it reported {string.Join(", ", All.Select(o => o.Id))}");

    /// <summary>Rules every session with a CONNECT exercises: a compliant client must Pass them, not leave them Inconclusive.</summary>
    public static readonly string[] EverySession =
    [
        CheckIds.PacketWellFormed, CheckIds.PacketReservedFlags, CheckIds.StringsUtf8, CheckIds.StringsNoNull, CheckIds.ConnectFirstPacket,
        CheckIds.ConnectOnce, CheckIds.ConnectProtocol, CheckIds.ConnectReservedFlag, CheckIds.ConnectWillFlags, CheckIds.ConnectPayloadFields,
    ];

    /// <summary>A compliant client: the <see cref="EverySession"/> rules Pass, and no Fail at all, except the false verdicts <paramref name="known"/> lists (each
    /// written up in README.md and corpus-findings.md), which must still occur (unless intermittent) so a fixed check gets its entry removed.</summary>
    public void AssertNoFail(params FalseVerdict[] known)
    {
        AssertPassed(EverySession);
        var expected = known.Where(k => !k.Intermittent).Select(k => k.CheckId).ToHashSet();
        var tolerated = known.Where(k => k.Intermittent).Select(k => k.CheckId);
        Assert.True(Failed.Except(tolerated).ToHashSet().SetEquals(expected), Describe(known.Length == 0
            ? "a compliant third-party client got a Fail"
            : $"expected exactly the known false verdict(s) {{{string.Join(", ", expected)}}}, tolerating {{{string.Join(", ", tolerated)}}} ({string.Join("; ", known.Select(k => k.Finding))})"));
    }

    /// <summary>A misbehaving client: exactly the Fail it earned, and no other.</summary>
    public void AssertFailedExactly(string id)
    {
        Assert.True(Failed.SetEquals([id]), Describe($"expected exactly {{{id}}} to fail"));
        Assert.True(Unjudged.Count == 0, Describe($"required but not judged: {string.Join(", ", Unjudged)}"));
        Assert.NotEmpty(All.Single(o => o.Id == id).Explanation);
    }

    /// <summary>The session exercised these rules: a Pass shows the corpus judged them, not that nothing was checked.</summary>
    public void AssertPassed(params string[] ids)
    {
        Assert.True(Unjudged.Count == 0, Describe($"required but not judged: {string.Join(", ", Unjudged)}"));
        var notPassed = ids.Where(id => Of(id) != "Pass").ToList();
        Assert.True(notPassed.Count == 0, Describe($"expected Pass for {string.Join(", ", notPassed)}"));
    }

    private string Describe(string what) =>
        $"{what}; failed: {{{string.Join(", ", Failed)}}}\n`{command}`:\n" +
        string.Join("\n", All.Select(o => $"  {o.Verdict,-14} {o.Id}: {o.Explanation} [{string.Join("; ", o.Measured)}]")) +
        "\ntimeline:\n  " + string.Join("\n  ", timeline);
}
