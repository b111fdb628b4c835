using Air780Bridge.Client;
using Air780Bridge.Rigs.RigFiles;
using Air780Bridge.Rigs.Run;
using Air780Bridge.Tests;
using Air780Bridge.Twin;

namespace Air780Bridge.Rigs.Tests;

public class TwinLauncherTests
{
    [Fact]
    public async Task A_twin_whose_agent_vanished_fails_with_why_instead_of_throwing_something_else()
    {
        using var temp = new TempDirectory("rigs-agent-");
        AgentScripts.Embedded.Export(temp.Path);
        var agent = AgentScripts.FromDirectory(temp.Path);
        File.Delete(Path.Combine(temp.Path, AgentScripts.Main));

        // RigRunner turns a LinkUnavailableException into this module's error; the other modules run on.
        var e = await Assert.ThrowsAsync<LinkUnavailableException>(() => new TwinLauncher(agent).StartAsync(new RigModule { Name = "m1" }, _ => { }, CancellationToken.None));
        Assert.Contains($"twin m1 cannot start: no main.lua in {temp.Path}", e.Message);
    }

    [Fact]
    public async Task A_started_twin_tells_the_rig_how_late_its_timers_ran()
    {
        // RigRunner records lateness past HostStalls.Threshold as a stall of that module's host.
        var ran = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        var (connection, lease) = await new TwinLauncher().StartAsync(new RigModule { Name = "late-1" }, late => ran.TrySetResult(late), CancellationToken.None);
        await using (lease)
        {
            await using var client = await Air780Client.ConnectAsync(connection);
            // A dial nobody answers, then the 1 s reconnect timer: a timer the twin must run.
            var mqtt = (await client.Mqtt.CreateAsync("127.0.0.1", Harness.Broker.EmbeddedBroker.FreeLoopbackPort()))!;
            await mqtt.AutoreconnAsync(true, 1000);
            await mqtt.ConnectAsync();
            Assert.True(await ran.Task.WaitAsync(TimeSpan.FromSeconds(30)) >= TimeSpan.Zero);
        }
    }

    [Fact]
    public void The_embedded_agent_is_the_repositorys_firmware_scripts()
    {
        var files = AgentScripts.Embedded.Files;
        var onDisk = Directory.GetFiles(Repository.File("firmware-scripts"), "*.lua");
        Assert.Equal(onDisk.Select(Path.GetFileName).Order(), files.Keys.Order());
        Assert.All(onDisk, f => Assert.Equal(File.ReadAllBytes(f), files[Path.GetFileName(f)]));
        Assert.True(File.Exists(Path.Combine(AgentScripts.Embedded.Directory, AgentScripts.Main)));
    }

    [Fact]
    public void A_folder_without_main_lua_is_refused_naming_the_fix()
    {
        using var temp = new TempDirectory("rigs-agent-");
        var e = Assert.Throws<ArgumentException>(() => AgentScripts.FromDirectory(temp.Path));
        Assert.Contains("has no main.lua", e.Message);
        Assert.Contains("air780 agent export", e.Message);
    }
}
