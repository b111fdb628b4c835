using Air780Bridge.Rigs.Progress;
using Air780Bridge.Rigs.Results;
using Spectre.Console;

namespace Air780Bridge.Rigs.Tests;

public class ProgressTests
{
    private static readonly RunPlan Plan = new("lab", [new ModulePlan("twin-1", "twin:", 3), new ModulePlan("bench", "serial:///dev/ttyACM0", 2)]);

    /// <summary>A clock the test moves by hand.</summary>
    private sealed class ManualTime : TimeProvider
    {
        private long _ticks;
        public override DateTimeOffset GetUtcNow() => new DateTimeOffset(2026, 11, 25, 4, 0, 0, TimeSpan.Zero).AddTicks(Interlocked.Read(ref _ticks));
        public override long GetTimestamp() => Interlocked.Read(ref _ticks);
        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
    }

    private static ScenarioResult Scenario(string id, Verdict verdict, string? message = null) =>
        new() { Id = id, Title = id, Suite = "s", Verdict = verdict, Duration = TimeSpan.FromSeconds(2.5), Message = message };

    private static void Drive(IRunProgress progress, ManualTime time)
    {
        progress.ScenarioStarted("twin-1", "connect.basic", "CONNECT and CONNACK");
        time.Advance(TimeSpan.FromSeconds(2.5));
        progress.ScenarioFinished("twin-1", Scenario("connect.basic", Verdict.Pass));
        progress.ScenarioStarted("twin-1", "publish.qos1", "QoS 1");
        progress.ScenarioFinished("twin-1", Scenario("publish.qos1", Verdict.Fail, "DUP=0 on re-delivery"));
        progress.ScenarioStarted("twin-1", "msgid.wrap", "wrap");
        progress.ScenarioFinished("twin-1", Scenario("msgid.wrap", Verdict.KnownDeviation));
        progress.ModuleFinished(new ModuleResult
        {
            Name = "twin-1", Connection = "twin:",
            Scenarios = [Scenario("connect.basic", Verdict.Pass), Scenario("publish.qos1", Verdict.Fail), Scenario("msgid.wrap", Verdict.KnownDeviation)],
        });
        progress.ModuleFinished(new ModuleResult { Name = "bench", Connection = "serial:///dev/ttyACM0", Error = "no HELLO within 10 s" });
    }

    [Fact]
    public void Plain_progress_writes_one_line_per_event()
    {
        var output = new StringWriter();
        var time = new ManualTime();
        var progress = new PlainRunProgress(Plan, output, time);
        Drive(progress, time);

        var lines = output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(8, lines.Length);
        Assert.Equal("04:00:00 [twin-1] 1/3 .... connect.basic  CONNECT and CONNACK", lines[0]);
        Assert.Equal("04:00:02 [twin-1] 1/3 PASS connect.basic (2.5 s)", lines[1]);
        Assert.Equal("04:00:02 [twin-1] 2/3 FAIL publish.qos1 (2.5 s): DUP=0 on re-delivery", lines[3]);
        Assert.Equal("04:00:02 [twin-1] done  FAIL  1 pass, 1 known deviation, 1 fail, 0 error, 0 skipped", lines[6]);
        Assert.Equal("04:00:02 [bench] done  ERR  0 pass, 0 known deviation, 0 fail, 0 error, 0 skipped: no HELLO within 10 s", lines[7]);
    }

    [Fact]
    public async Task Plain_progress_is_safe_from_parallel_modules()
    {
        var modules = Enumerable.Range(1, 8).Select(i => new ModulePlan($"m{i}", "twin:", 50)).ToList();
        var output = new StringWriter();
        var progress = new PlainRunProgress(new RunPlan("p", modules), output);
        await Task.WhenAll(modules.Select(m => Task.Run(() =>
        {
            for (var i = 0; i < 50; i++)
            {
                progress.ScenarioStarted(m.Name, $"s{i}", "t");
                progress.ScenarioFinished(m.Name, Scenario($"s{i}", Verdict.Pass));
            }
        })));
        Assert.All(progress.Board.Snapshot(), p => Assert.Equal(50, p.Counts.Pass));
        Assert.Equal(8 * 100, output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public async Task Spectre_progress_renders_the_final_table()
    {
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 140;
        var time = new ManualTime();
        var result = await SpectreRunProgress.RunAsync(console, Plan, progress =>
        {
            Drive(progress, time);
            return Task.FromResult(42);
        }, time);

        Assert.Equal(42, result);
        var text = output.ToString();
        Assert.Contains("lab", text);
        Assert.Contains("3/5 scenarios", text);
        Assert.Contains("twin-1", text);
        Assert.Contains("3/3", text);
        Assert.Contains("FAIL", text);
        Assert.Contains("no HELLO within 10 s", text);
    }

    [Fact]
    public void Board_tracks_the_running_scenario_and_its_elapsed_time()
    {
        var time = new ManualTime();
        var board = new ProgressBoard(Plan, time);
        board.ScenarioStarted("twin-1", "keepalive.interval", "PINGREQ");
        time.Advance(TimeSpan.FromSeconds(61));
        var row = board.Snapshot()[0];
        Assert.Equal("keepalive.interval", row.CurrentId);
        Assert.Equal(TimeSpan.FromSeconds(61), row.CurrentElapsed);
        Assert.False(row.IsDone);

        board.ScenarioStarted("extra", "x", "not in the plan");
        Assert.Equal(["twin-1", "bench", "extra"], board.Snapshot().Select(r => r.Plan.Name));
    }

    [Fact]
    public async Task Redirected_or_non_interactive_output_gets_plain_lines()
    {
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(new StringWriter()), Interactive = InteractionSupport.No });
        IRunProgress? used = null;
        await RunProgress.RunAsync(Plan, p => { used = p; p.ScenarioStarted("twin-1", "a", "b"); return Task.FromResult(0); }, console, output);
        Assert.IsType<PlainRunProgress>(used);
        Assert.Contains("[twin-1] 1/3 .... a  b", output.ToString());
    }
}
