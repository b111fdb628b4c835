using System.Diagnostics;
using System.Runtime.Versioning;
using Air780Bridge.Harness.Timeline;

namespace Air780Bridge.Harness.Tests;

[CollectionDefinition(nameof(HostStallsTests), DisableParallelization = true)]
public sealed class HostStallsCollection;

/// <summary>The probe on a real stall: the whole process stopped (SIGSTOP, as a paused VM or a throttled container),
/// alone in its collection so no other test in this process is paused with it.</summary>
[Collection(nameof(HostStallsTests))]
[SupportedOSPlatform("linux")]
public sealed class HostStallsTests
{
    private static async Task StopThisProcessAsync(double seconds)
    {
        var pid = Environment.ProcessId;
        using var stopper = Process.Start("sh", ["-c", $"kill -STOP {pid}; sleep {seconds}; kill -CONT {pid}"])!;
        await stopper.WaitForExitAsync();
    }

    private static Task<TimelineEntry> StallOn(Timeline.Timeline timeline) =>
        timeline.WaitForAsync(e => e is { Kind: "host", Type: "stall" }, TimeSpan.FromSeconds(10));

    [Fact]
    public async Task A_process_stopped_for_300_ms_is_a_stall_on_every_watched_timeline_and_on_no_other()
    {
        using var watched = new Timeline.Timeline();
        using var released = new Timeline.Timeline();
        using (HostStalls.Watch(watched))
        {
            using (HostStalls.Watch(released)) { }
            await StopThisProcessAsync(0.3);
            var stall = await StallOn(watched);
            Assert.InRange(stall.DurationUs!.Value, 250_000, 10_000_000);
            Assert.Contains("ms late", stall.Detail);
        }
        Assert.Equal(0, released.Count);
    }
}
