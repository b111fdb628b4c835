using System.Text;
using Air780Bridge.Harness.Timeline;
using HarnessTimeline = Air780Bridge.Harness.Timeline.Timeline;

namespace Air780Bridge.Harness.Tests;

public class PrinterTests
{
    /// <summary>A console that blocks its first write until released, as a terminal that cannot keep up.</summary>
    private sealed class StuckConsole : StringWriter
    {
        public readonly TaskCompletionSource Release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public readonly TaskCompletionSource Entered = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async Task WriteAsync(StringBuilder? value, CancellationToken ct = default)
        {
            Entered.TrySetResult();
            await Release.Task;
            await base.WriteAsync(value, ct);
        }
    }

    [Fact]
    public async Task A_console_slower_than_the_wire_skips_lines_says_how_many_and_never_blocks_the_appender()
    {
        var timeline = new HarnessTimeline();
        var console = new StuckConsole();
        var printer = new TimelinePrinter(timeline, console, 0, capacity: 4);
        timeline.Append(new TimelineEntry { T = 1000, Kind = "packet", Conn = "c1", Dir = "up", Type = "PINGREQ" });
        await console.Entered.Task.WaitAsync(H.Timeout);
        // The writer is stuck: these appends return at once; four wait in the queue, the rest are skipped.
        for (var i = 0; i < 100; i++) timeline.Append(new TimelineEntry { T = 2000 + i, Kind = "packet", Conn = "c1", Dir = "down", Type = "PINGRESP" });
        Assert.Equal(96, printer.Skipped);
        console.Release.SetResult();
        await printer.DisposeAsync();
        var lines = console.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(1 + 4 + 1, lines.Length);
        Assert.Contains("PINGREQ", lines[0]);
        Assert.Equal("... 96 timeline lines not printed: the console is slower than the wire (the timeline file has every entry)", lines[^1]);
        Assert.Equal(101, timeline.Count);
    }
}
