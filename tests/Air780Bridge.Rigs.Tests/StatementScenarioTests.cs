using Air780Bridge.Harness.Checks;
using Air780Bridge.Rigs.Conformance;

namespace Air780Bridge.Rigs.Tests;

public class StatementScenarioTests
{
    // The statement data names scenarios by id (Harness cannot see the Rigs project): each must be a real one, and
    // each server scenario that cites a receiving statement must be named by it, so the coverage table cannot drift.
    [Fact]
    public void Every_scenario_a_statement_names_exists_and_cites_that_statement()
    {
        var scenarios = ConformanceSuite.All.ToDictionary(s => s.Id);
        foreach (var statement in SpecStatements.All)
            foreach (var id in statement.Scenarios)
            {
                Assert.True(scenarios.TryGetValue(id, out var scenario), $"{statement.Cite} names scenario {id}, which ConformanceSuite.All lacks");
                Assert.Contains(statement.Cite, scenario!.Covers);
            }
    }

    [Fact]
    public void The_receiving_statements_are_judged_by_the_server_suite()
    {
        foreach (var id in new[] { "1.5.3-1", "1.5.3-2", "2.2.2-2", "3.3.1-4", "4.8.0-1" })
        {
            var s = SpecStatements.Get(id);
            Assert.Equal(StatementCoverage.Judged, s.Coverage);
            Assert.NotEmpty(s.Scenarios);
        }
    }
}
