using System.Runtime.Versioning;
using Air780Bridge.Rigs.Conformance;
using Air780Bridge.Rigs.Progress;
using Air780Bridge.Rigs.Results;
using Air780Bridge.Rigs.RigFiles;
using Air780Bridge.Rigs.Run;
using Air780Bridge.Tests;
using Air780Bridge.Twin;
using Air780Bridge.Twin.Link;
using Serilog;

namespace Air780Bridge.Rigs.Tests;

/// <summary>
/// A module's port vanishes mid-run and comes back (USB re-enumeration): the run waits for it before the next
/// scenario (issue 10: the remaining scenarios went to ERR in 1-2 ms each while the link reconnected).
/// </summary>
[Collection(RigRuns.Collection)]
// The twin's serial side is a Linux pty (PtyLink).
[SupportedOSPlatform("linux")]
public sealed class VanishedPortTests
{
    /// <summary>A twin behind a pty whose port vanishes once, <paramref name="after"/> the start, for <paramref name="gone"/>.</summary>
    private sealed class VanishingLauncher(TimeSpan after, TimeSpan gone) : IVirtualModuleLauncher
    {
        public Task<(string Connection, IAsyncDisposable Lease)> StartAsync(RigModule module, Action<TimeSpan> timerLate, CancellationToken ct)
        {
            var twin = new VirtualModule(new VirtualModuleOptions { Name = module.Name });
            twin.TimerLate += timerLate;
            twin.Start();
            var link = new PtyLink(twin.Serial, module.Name + "-" + Guid.NewGuid().ToString("N")[..6]);
            var blink = Task.Run(async () =>
            {
                await Task.Delay(after);
                link.Unplug();
                await Task.Delay(gone);
                link.Replug();
            });
            return Task.FromResult<(string, IAsyncDisposable)>((link.ConnectionString, new Lease(twin, link, blink)));
        }

        private sealed class Lease(VirtualModule twin, PtyLink link, Task blink) : IAsyncDisposable
        {
            public async ValueTask DisposeAsync()
            {
                await blink;
                link.Dispose();
                twin.Dispose();
            }
        }
    }

    [Fact]
    public async Task The_scenarios_after_a_vanished_port_wait_for_it_and_run()
    {
        var rig = RigFile.Parse("""
            {
              "modules": [ { "name": "blinker", "connection": "twin:" } ],
              "broker": { "listen": "127.0.0.1:0", "tls": false },
              "suites": [ { "name": "publish", "include": ["publish.qos0", "publish.qos1", "publish.qos2", "publish.retain", "publish.message-ids"] } ]
            }
            """, "blink.json", new RigLoadOptions { KnownSuites = ConformanceSuite.Suites });
        using var temp = new TempDirectory("rigs-blink-");
        var runner = new RigRunner(rig, new VanishingLauncher(TimeSpan.FromMilliseconds(800), TimeSpan.FromSeconds(2)), new LoggerConfiguration().CreateLogger());
        var (result, _) = await runner.RunAsync(temp.Path, (plan, body) => RunProgress.RunAsync(plan, body, plainOutput: TextWriter.Null), CancellationToken.None);

        var scenarios = Assert.Single(result.Modules).Scenarios;
        Assert.Equal(5, scenarios.Count);
        // At most the scenario in flight when the port went is lost; every later one waited and ran.
        var broken = scenarios.Where(s => s.Verdict is Verdict.Error or Verdict.Fail).ToList();
        Assert.True(broken.Count <= 1, string.Join("\n", broken.Select(s => $"{s.Id}: {s.Verdict} after {s.Duration.TotalMilliseconds:0} ms: {s.Message}")));
        Assert.Equal(Verdict.Pass, scenarios[^1].Verdict);
    }
}
