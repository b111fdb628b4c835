using Air780Bridge.Client;
using System.Diagnostics;
using Air780Bridge.Rigs.Conformance;
using Air780Bridge.Rigs.Results;

namespace Air780Bridge.Rigs.Run;

/// <summary>Runs scenarios on one module and turns each into a <see cref="ScenarioResult"/>, whatever happens inside.</summary>
public static class ScenarioRunner
{
    /// <param name="attempt">Above 1 for a scenario run again (its first run lost the link): its client ids differ from
    /// the first run's, whose clients the module may still hold.</param>
    /// <param name="strict">An Inconclusive check the scenario names fails the scenario (rig <c>"strict": true</c>): the
    /// scenario exists to exercise that rule, so not judging it is a failed run, not a pass.</param>
    public static async Task<ScenarioResult> RunAsync(Scenario scenario, IModuleDriver module, IScenarioHarness harness, MqttEventLog events,
        TimeSpan timeout, CancellationToken ct, bool strict = false, int attempt = 1)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        using var ctx = new ScenarioContext(module, harness, events, scenario.Id, cts.Token, scenario.Judges, attempt);
        var watch = Stopwatch.StartNew();
        Verdict verdict;
        string? message = null;
        try
        {
            await scenario.Run(ctx);
            verdict = Verdicts.Combine(ctx.Checks.Select(c => c.Verdict).DefaultIfEmpty(Verdict.Pass));
            var unjudged = ctx.Checks.FirstOrDefault(c => c.Verdict == Verdict.Inconclusive);
            if (strict && verdict == Verdict.Inconclusive) verdict = Verdict.Fail;
            message = ctx.Checks.FirstOrDefault(c => c.Verdict == Verdict.Fail) is { } failed
                ? $"{failed.Title}: measured {failed.Measured ?? "-"}, allowed {failed.Allowed ?? "-"}"
                : unjudged is not null
                    ? $"{(strict ? "strict: " : "")}{unjudged.Id} inconclusive: {unjudged.Explanation}"
                    : ctx.Checks.FirstOrDefault(c => c.Verdict == Verdict.KnownDeviation)?.Explanation;
        }
        catch (ScenarioSkippedException e)
        {
            verdict = Verdict.Skipped;
            message = e.Message;
        }
        catch (ScenarioFailedException e)
        {
            verdict = Verdict.Fail;
            message = e.Message;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            verdict = Verdict.Fail;
            message = $"timed out after {timeout.TotalSeconds:0} s";
        }
        catch (OperationCanceledException)
        {
            // The run was stopped (Ctrl+C or the rig's run timeout): keep what this scenario saw.
            verdict = Verdict.Error;
            message = $"stopped after {watch.Elapsed.TotalSeconds:0.#} s: the run was stopped";
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            verdict = Verdict.Error;
            message = $"{e.GetType().Name}: {e.Message}";
        }
        await CloseLeftovers(ctx, module);
        try
        {
            await harness.SettleAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException or OperationCanceledException)
        {
            message ??= $"the timeline may lack the last packets: {e.Message}";
        }
        return new ScenarioResult
        {
            Id = scenario.Id, Title = scenario.Title, Suite = scenario.Suite, Verdict = verdict, Duration = watch.Elapsed, Message = message,
            Checks = ctx.Checks, Timeline = TimelineSteps.From(ctx.Timeline()), Timings = ctx.Timings,
        };
    }

    // A failed scenario must not leave clients reconnecting on the module and disturbing the next one.
    private static async Task CloseLeftovers(ScenarioContext ctx, IModuleDriver module)
    {
        foreach (var handle in ctx.OpenHandles.ToList())
        {
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await module.CallAsync("mqtt.close", [handle], cts.Token);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The scenario's verdict already says what went wrong; a module that cannot close is reported by the next scenario.
            }
        }
    }
}
