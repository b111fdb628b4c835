using Air780Bridge.Rigs.Results;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Air780Bridge.Rigs.Progress;

/// <summary>
/// A live Spectre.Console table, one row per module: a progress bar, verdict counts and the scenario
/// running now with its elapsed time. Spectre's live display owns the console while the run executes, so
/// the run is started from <see cref="RunAsync{T}"/>.
/// </summary>
public sealed class SpectreRunProgress : IRunProgress
{
    private const int BarWidth = 16;
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(500);

    private readonly ProgressBoard _board;
    private readonly object _gate = new();
    private LiveDisplayContext? _live;

    private SpectreRunProgress(RunPlan plan, TimeProvider? time) => _board = new ProgressBoard(plan, time);

    public ProgressBoard Board => _board;

    /// <summary>Shows the live table on <paramref name="console"/> while <paramref name="run"/> executes; the final table stays on screen.</summary>
    public static async Task<T> RunAsync<T>(IAnsiConsole console, RunPlan plan, Func<IRunProgress, Task<T>> run, TimeProvider? time = null)
    {
        var progress = new SpectreRunProgress(plan, time);
        return await console.Live(progress.Render())
            .AutoClear(false)
            .Overflow(VerticalOverflow.Ellipsis)
            .StartAsync(async live =>
            {
                lock (progress._gate) progress._live = live;
                var work = run(progress);
                // Repaint periodically only so the "running for" times advance; results repaint immediately.
                while (await Task.WhenAny(work, Task.Delay(Tick)) != work) progress.Repaint();
                var result = await work;
                progress.Repaint();
                return result;
            });
    }

    public void ScenarioStarted(string module, string scenarioId, string title)
    {
        _board.ScenarioStarted(module, scenarioId, title);
        Repaint();
    }

    public void ScenarioFinished(string module, ScenarioResult result)
    {
        _board.ScenarioFinished(module, result);
        Repaint();
    }

    public void ModuleFinished(ModuleResult result)
    {
        _board.ModuleFinished(result);
        Repaint();
    }

    private void Repaint()
    {
        lock (_gate)
        {
            if (_live is null) return;
            _live.UpdateTarget(Render());
            _live.Refresh();
        }
    }

    /// <summary>The table as it looks now.</summary>
    public IRenderable Render()
    {
        var rows = _board.Snapshot();
        var done = rows.Sum(r => r.Finished);
        var planned = rows.Sum(r => r.Plan.Scenarios);
        var table = new Table()
            .Border(TableBorder.Rounded)
            .Title($"[bold]{Markup.Escape(_board.Plan.Rig)}[/]  {done}/{planned} scenarios  [grey]{VerdictText.Duration(_board.Elapsed)}[/]")
            .AddColumn("Module")
            .AddColumn("Progress")
            .AddColumn(new TableColumn("[green]pass[/]").RightAligned())
            .AddColumn(new TableColumn("[yellow]dev[/]").RightAligned())
            .AddColumn(new TableColumn("[red]fail[/]").RightAligned())
            .AddColumn(new TableColumn("[purple]err[/]").RightAligned())
            .AddColumn(new TableColumn("[grey]skip[/]").RightAligned())
            .AddColumn("Now");
        foreach (var r in rows)
        {
            var c = r.Counts;
            table.AddRow(
                // One line per module: the connection beside the name (a twin: row no longer wraps), cut with an ellipsis when long.
                new Markup($"[bold]{Markup.Escape(r.Plan.Name)}[/] [grey]{Markup.Escape(r.Plan.Connection)}[/]") { Overflow = Overflow.Ellipsis },
                new Markup(Bar(r)),
                Count(c.Pass, "green"), Count(c.KnownDeviation, "yellow"), Count(c.Fail, "red"), Count(c.Error, "purple"), Count(c.Skipped, "grey"),
                new Markup(Now(r)));
        }
        return table;
    }

    private static Markup Count(int n, string color) => new(n == 0 ? "[grey]·[/]" : $"[{color}]{n}[/]");

    private static string Bar(ModuleProgress r)
    {
        var total = Math.Max(r.Plan.Scenarios, r.Finished);
        var filled = total == 0 ? (r.IsDone ? BarWidth : 0) : r.Finished * BarWidth / total;
        var color = r.Counts.Fail + r.Counts.Error > 0 || r.Error is not null ? "red" : "green";
        return $"[{color}]{new string('━', filled)}[/][grey]{new string('─', BarWidth - filled)}[/] {r.Finished}/{r.Plan.Scenarios}";
    }

    private static string Now(ModuleProgress r)
    {
        if (r.Verdict is { } v)
        {
            var color = v switch { Verdict.Pass => "green", Verdict.KnownDeviation => "yellow", Verdict.Fail => "red", Verdict.Error => "purple", _ => "grey" };
            var why = r.Error is null ? "" : $" [grey]{Markup.Escape(r.Error)}[/]";
            return $"[bold {color}]{VerdictText.Word(v)}[/]{why}";
        }
        if (r.CurrentId is null) return "[grey]waiting[/]";
        return $"{Markup.Escape(r.CurrentId)} [grey]{VerdictText.Duration(r.CurrentElapsed ?? TimeSpan.Zero)}[/]";
    }
}
