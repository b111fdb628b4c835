using Spectre.Console;

namespace Air780Bridge.Rigs.Progress;

/// <summary>Picks the progress view for the terminal `air780 run` writes to.</summary>
public static class RunProgress
{
    /// <summary>
    /// Runs <paramref name="run"/> under the live Spectre table when the console is an interactive terminal,
    /// else under plain lines on <paramref name="plainOutput"/> (default stdout), as CI logs and pipes need.
    /// </summary>
    public static Task<T> RunAsync<T>(RunPlan plan, Func<IRunProgress, Task<T>> run, IAnsiConsole? console = null, TextWriter? plainOutput = null)
    {
        console ??= AnsiConsole.Console;
        var interactive = !Console.IsOutputRedirected && console.Profile.Capabilities.Interactive && console.Profile.Capabilities.Ansi;
        return interactive
            ? SpectreRunProgress.RunAsync(console, plan, run)
            : run(new PlainRunProgress(plan, plainOutput ?? Console.Out));
    }
}
