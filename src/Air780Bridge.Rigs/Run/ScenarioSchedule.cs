using Air780Bridge.Rigs.Conformance;
using Air780Bridge.Rigs.Results;

namespace Air780Bridge.Rigs.Run;

/// <summary>
/// The order one module's scenarios run in: the <see cref="Scenario.Exclusive"/> ones first, one at a time with
/// nothing beside them, then the others side by side, at most <c>concurrency</c> at once, the longest
/// <see cref="Scenario.FixedWait"/> first so the run ends close to its protocol floor; one at a time (concurrency 1)
/// they keep the order given. Results come back in the order given.
/// </summary>
public static class ScenarioSchedule
{
    public static async Task<IReadOnlyList<ScenarioResult>> RunAsync(IReadOnlyList<Scenario> scenarios, Firmware.FirmwareExpectations firmware,
        int concurrency, Func<Scenario, Task<ScenarioResult>> run)
    {
        var results = new ScenarioResult[scenarios.Count];
        var indices = Enumerable.Range(0, scenarios.Count).ToList();
        foreach (var i in indices.Where(i => scenarios[i].Exclusive))
            results[i] = await run(scenarios[i]);

        using var slots = new SemaphoreSlim(Math.Max(1, concurrency));
        var running = new List<Task>();
        var shared = indices.Where(i => !scenarios[i].Exclusive);
        // OrderByDescending is stable: equal waits keep the declared order.
        foreach (var i in concurrency > 1 ? shared.OrderByDescending(i => scenarios[i].FixedWait(firmware)) : shared)
        {
            await slots.WaitAsync();
            running.Add(RunOne(i));
        }
        await Task.WhenAll(running);
        return results;

        async Task RunOne(int i)
        {
            try
            {
                results[i] = await run(scenarios[i]);
            }
            finally
            {
                slots.Release();
            }
        }
    }
}
