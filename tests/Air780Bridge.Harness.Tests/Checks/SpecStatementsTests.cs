using Air780Bridge.Harness.Checks;
using Air780Bridge.Tests;

namespace Air780Bridge.Harness.Tests.Checks;

public class SpecStatementsTests
{
    [Fact]
    public void Holds_the_141_numbered_statements_of_3_1_1_once_each()
    {
        Assert.Equal(141, SpecStatements.All.Count);
        Assert.Equal(SpecStatements.All.Count, SpecStatements.All.Select(s => s.Id).Distinct().Count());
        Assert.All(SpecStatements.All, s => Assert.Matches(@"^\d\.\d+\.\d+-\d+$", s.Id));
        // 3.1.1 anchors (5.0 renumbered everything): 3.1.2-22 exists only in 3.1.1; 4.3.2-2 is the QoS 1 receiver rule.
        Assert.Contains("Password Flag", SpecStatements.Get("3.1.2-22").Summary);
        Assert.Equal(StatementBinds.Client, SpecStatements.Get("[MQTT-3.1.2-23]").Binds);
        Assert.Equal(StatementBinds.Server, SpecStatements.Get("MQTT-3.1.2-24").Binds);
        Assert.Null(SpecStatements.Find("4.3.3-8"));
        Assert.Throws<KeyNotFoundException>(() => SpecStatements.Get("4.3.2-4"));
    }

    [Fact]
    public void Every_client_side_statement_is_judged_or_explained()
    {
        Assert.Empty(SpecStatements.ClientSide.Where(s => s.Coverage == StatementCoverage.Missing).Select(s => s.Id));
        Assert.All(SpecStatements.All.Where(s => s.NotJudged is not null), s => Assert.False(string.IsNullOrWhiteSpace(s.NotJudged!.Reason)));
        // A server-only statement is never presented as judging the module.
        Assert.All(SpecStatements.All.Where(s => !s.ClientSide), s => Assert.Equal(NotJudgedKind.BindsServer, s.NotJudged?.Kind));
    }

    [Fact]
    public void Mapped_checks_exist_and_every_check_cites_its_statements_from_the_data()
    {
        var ids = CheckCatalogue.All.Select(c => c.Id).ToHashSet();
        Assert.DoesNotContain(SpecStatements.All.SelectMany(s => s.Checks), c => !ids.Contains(c));
        foreach (var check in CheckCatalogue.All)
        {
            var cited = System.Text.RegularExpressions.Regex.Matches(check.Source, @"\[MQTT-([\d.-]+)\]").Select(m => m.Groups[1].Value)
                .Where(id => !check.Source.Contains($"deviates from [MQTT-{id}]")).ToList();
            Assert.Equal(check.Statements.Select(s => s.Id), cited);
            // A client check judges a statement or names the clause it enforces.
            if (check.Subject == CheckSubject.Client) Assert.True(check.Statements.Count > 0 || check.Source.Length > 0, check.Id);
            // Broker checks judge only statements that bind the server.
            if (check.Subject == CheckSubject.Broker) Assert.All(check.Statements, s => Assert.Equal(StatementBinds.Server, s.Binds));
        }
        Assert.Equal(["3.1.2-23"], SpecStatements.ForCheck(CheckIds.KeepaliveLimit).Select(s => s.Id));
        Assert.Empty(SpecStatements.ForCheck("no.such-check"));
    }

    [Fact]
    public void Results_carry_the_subject_and_the_statements()
    {
        var r = CheckCatalogue.Get(CheckIds.PacketReservedFlags).Evaluate(new TimelineBuilder().Connect("c1").Context());
        Assert.Equal(CheckSubject.Client, r.Subject);
        Assert.Contains("2.2.2-1", r.Statements);
        Assert.Contains("[MQTT-2.2.2-1]", r.Source);
    }

    [Fact]
    public void Catalogue_finds_checks_by_id_and_type_and_refuses_unknown_ones()
    {
        Assert.Same(CheckCatalogue.Get(CheckIds.KeepaliveLimit), CheckCatalogue.Get<KeepaliveLimitCheck>());
        Assert.Equal(CheckCatalogue.All.Count, CheckCatalogue.All.Select(c => c.Id).Distinct().Count());
        Assert.Contains("keepalive.limit", Assert.Throws<KeyNotFoundException>(() => CheckCatalogue.Get("keepalive.limt")).Message);
        Assert.Contains(CheckIds.InboundQos1Puback, Assert.Throws<InvalidOperationException>(() => CheckCatalogue.Get<InboundAckCheck>()).Message);
        Assert.Null(CheckCatalogue.Find("nope"));
    }
}

public class CheckDocsTests
{
    [Fact]
    public void Docs_checks_md_is_generated_from_the_catalogue()
    {
        var path = Repository.File("docs", "checks.md");
        var current = File.ReadAllText(path);
        var expected = CheckDocs.Update(current);
        if (Environment.GetEnvironmentVariable("AIR780_UPDATE_DOCS") == "1") File.WriteAllText(path, expected);
        else Assert.True(current == expected,
            "docs/checks.md is stale (a check or mqtt-3.1.1-statements.json changed). Regenerate it with: " +
            "AIR780_UPDATE_DOCS=1 dotnet test tests/Air780Bridge.Harness.Tests --filter CheckDocsTests");
    }

    [Fact]
    public void Coverage_counts_add_up()
    {
        var (judged, explained, missing) = CheckDocs.Coverage();
        Assert.Equal(SpecStatements.ClientSide.Count, judged + explained + missing);
        Assert.Contains($"| judged from the wire | {judged} |", CheckDocs.Generated());
    }
}
