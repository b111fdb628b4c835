using Air780Bridge.Rigs.Results;

namespace Air780Bridge.Rigs.Progress;

/// <summary>What a run is about to do, so a progress view can show "3/12" before anything finished.</summary>
public sealed record RunPlan(string Rig, IReadOnlyList<ModulePlan> Modules);

/// <param name="Scenarios">How many scenarios the rig selected for this module.</param>
public sealed record ModulePlan(string Name, string Connection, int Scenarios);

/// <summary>
/// Live progress of `air780 run`. Modules run in parallel, so implementations accept calls from any thread.
/// </summary>
public interface IRunProgress
{
    void ScenarioStarted(string module, string scenarioId, string title);
    void ScenarioFinished(string module, ScenarioResult result);
    void ModuleFinished(ModuleResult result);
}
