using System.Runtime.Versioning;
using Air780Bridge.Tests;
using System.Text.Json;
using Air780Bridge.Harness;
using Air780Bridge.Harness.Broker;
using Air780Bridge.Twin;
using Air780Bridge.Twin.Link;

namespace Air780Bridge.Cli.Tests;

/// <summary>`air780` as a shell script sees it: a twin on a pty, the harness broker, exit codes and JSON lines.</summary>
// The twin's serial side is a Linux pty (PtyLink).
[SupportedOSPlatform("linux")]
public sealed class CliTests : IAsyncLifetime
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);
    private TwinOnPty _twin = null!;

    public async Task InitializeAsync() => _twin = await TwinOnPty.StartAsync("cli-");

    public async Task DisposeAsync() => await _twin.DisposeAsync();

    [Fact]
    public async Task Probe_json_is_the_modules_hello()
    {
        var (code, stdout, stderr) = await Air780.RunAsync(Limit, "probe", _twin.Link.ConnectionString, "--json");
        Assert.True(code == 0, stderr);
        var hello = JsonDocument.Parse(stdout).RootElement.GetProperty("hello");
        Assert.Equal("V1120", hello.GetProperty("firmwareVersion").GetString());
    }

    [Fact]
    public async Task Mqtt_calls_print_results_and_a_lua_error_exits_4()
    {
        var (code, stdout, stderr) = await Air780.RunAsync(Limit, "mqtt", _twin.Link.ConnectionString, "create", "nil", _twin.Harness.Plain.Host, _twin.Harness.Plain.Port.ToString());
        Assert.True(code == 0, stderr);
        var handle = JsonDocument.Parse(stdout).RootElement[0].GetInt64();

        (code, _, stderr) = await Air780.RunAsync(Limit, "mqtt", _twin.Link.ConnectionString, "publish", handle.ToString(), "t", "p", "true");
        Assert.Equal(4, code);
        Assert.Contains("bad argument", stderr);
    }

    [Fact]
    public async Task Session_takes_json_null_as_nil_and_drives_a_publish_to_sent()
    {
        await using var session = Air780.Start("session", _twin.Link.ConnectionString);
        Assert.Contains("hello", await session.NextLineAsync(Limit));
        async Task<JsonElement> Call(int id, string line)
        {
            await session.In.WriteLineAsync(line);
            await session.In.FlushAsync();
            while (true)
            {
                var reply = JsonDocument.Parse(await session.NextLineAsync(Limit)).RootElement;
                if (reply.TryGetProperty("id", out var got) && got.GetInt32() == id) return reply;
            }
        }

        var created = await Call(1, $$"""{"id":1,"call":"mqtt.create","args":[null,"{{_twin.Harness.Plain.Host}}",{{_twin.Harness.Plain.Port}}]}""");
        var handle = created.GetProperty("result")[0].GetInt64();
        await Call(2, $$"""{"id":2,"call":"mqtt.auth","args":[{{handle}},"cli-session"]}""");
        await Call(3, $$"""{"id":3,"call":"mqtt.on","args":[{{handle}},true]}""");
        await Call(4, $$"""{"id":4,"call":"mqtt.connect","args":[{{handle}}]}""");
        await Call(5, $$"""{"id":5,"wait":"conack","handle":{{handle}},"timeout":20}""");
        var published = await Call(6, $$"""{"id":6,"call":"mqtt.publish","args":[{{handle}},"cli/t","hex:00FF",1]}""");
        var messageId = published.GetProperty("result")[0].GetInt64();
        var sent = await Call(7, $$"""{"id":7,"wait":"sent","handle":{{handle}},"message_id":{{messageId}},"timeout":20}""");
        Assert.False(sent.TryGetProperty("error", out var error), error.ToString());
        Assert.Contains(_twin.Harness.Timeline.Snapshot(), e => e.Type == "PUBLISH" && e.Topic == "cli/t" && e.PayloadSize == 2);
    }

    [Fact]
    public async Task The_session_example_script_in_rigs_runs_to_the_end()
    {
        // The script calls `air780` from PATH: put a shim for the built one first.
        using var temp = new TempDirectory("cli-path-");
        var bin = temp.Path;
        var shim = Path.Combine(bin, "air780");
        await File.WriteAllTextAsync(shim, $"#!/bin/sh\nexec dotnet \"{Path.Combine(AppContext.BaseDirectory, "air780.dll")}\" \"$@\"\n");
        File.SetUnixFileMode(shim, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var start = new System.Diagnostics.ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Repository.Root };
        foreach (var a in new[] { "rigs/session-example.sh", _twin.Link.ConnectionString, _twin.Harness.Plain.Host, _twin.Harness.Plain.Port.ToString() }) start.ArgumentList.Add(a);
        start.Environment["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH");
        using var script = System.Diagnostics.Process.Start(start)!;
        var stdout = script.StandardOutput.ReadToEndAsync();
        var stderr = script.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(Limit);
        await script.WaitForExitAsync(cts.Token);
        Assert.True(script.ExitCode == 0, await stderr);
        var replies = (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(Enumerable.Range(1, 8), replies.Select(r => r.GetProperty("id").GetInt32()));
        Assert.All(replies, r => Assert.False(r.TryGetProperty("error", out var e), e.ToString()));
        Assert.Contains(_twin.Harness.Timeline.Snapshot(), e => e.Type == "PUBLISH" && e.Topic == "demo/hello");
    }

    [Fact]
    public async Task Run_exits_1_when_a_module_fails_and_still_writes_the_reports()
    {
        using var temp = new TempDirectory("cli-run-");
        var dir = temp.Path;
        var rig = Path.Combine(dir, "defect.json");
        await File.WriteAllTextAsync(rig, """
            { "name": "defect", "modules": [ { "name": "early", "connection": "twin:", "defects": ["sent-before-puback"] } ],
              "broker": { "listen": "127.0.0.1:0", "tls": false }, "suites": [ { "name": "publish", "include": ["publish.qos1"] } ] }
            """);
        var (code, stdout, stderr) = await Air780.RunAsync(Limit, "run", rig, "--output", Path.Combine(dir, "out"));
        Assert.True(code == 1, $"exit {code}\n{stdout}\n{stderr}");
        Assert.Contains("FAIL publish.qos1", stdout);
        foreach (var file in new[] { "junit.xml", "results.json", "report.html", "timeline.jsonl" })
            Assert.True(File.Exists(Path.Combine(dir, "out", file)), file);
    }

    [Fact]
    public async Task Run_against_a_remote_harness_nobody_listens_on_says_so_and_exits_3()
    {
        using var temp = new TempDirectory("cli-remote-");
        var rig = Path.Combine(temp.Path, "remote.json");
        await File.WriteAllTextAsync(rig, """
            { "modules": [ { "name": "t1", "connection": "twin:" } ],
              "broker": { "remote": "mqtts://127.0.0.1:1", "controlUser": "rig", "controlPassword": "x" } }
            """);
        var (code, _, stderr) = await Air780.RunAsync(Limit, "run", rig, "--output", Path.Combine(temp.Path, "out"));
        Assert.Equal(3, code);
        Assert.Contains("cannot reach the harness at 127.0.0.1:1", stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    [Fact]
    public async Task Run_names_the_line_of_a_bad_rig_file_and_exits_2()
    {
        using var temp = new TempDirectory("cli-rig-");
        var dir = temp.Path;
        var rig = Path.Combine(dir, "bad.json");
        await File.WriteAllTextAsync(rig, "{\n  \"modules\": [\n    { \"name\": \"m1\", \"connection\": \"twin:\", \"profile\": \"air780e-v1121\" }\n  ]\n}\n");
        var (code, _, stderr) = await Air780.RunAsync(Limit, "run", rig);
        Assert.Equal(2, code);
        Assert.Contains("bad.json:3:", stderr);
        Assert.Contains("did you mean \"air780e-v1120\"", stderr);
    }

    [Fact]
    public async Task Fault_sends_a_server_fault_down_the_named_clients_connection()
    {
        await using var harness = await HarnessBroker.StartAsync(new HarnessSettings
            { BindAddress = System.Net.IPAddress.Loopback, Port = 0, ControlUser = ("rig", "secret") });
        using var module = new System.Net.Sockets.TcpClient();
        await module.ConnectAsync(harness.Plain.Host, harness.Plain.Port);
        var stream = module.GetStream();
        await stream.WriteAsync((byte[])[0x10, 14, 0, 4, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 4, 2, 0, 60, 0, 2, (byte)'m', (byte)'1']);
        var buffer = new byte[4];
        await stream.ReadExactlyAsync(buffer); // CONNACK
        // The control channel runs over TLS only, pinned to the harness CA.
        using var temp = new TempDirectory("cli-fault-");
        var ca = Path.Combine(temp.Path, "ca.pem");
        File.WriteAllBytes(ca, harness.Certificates!.CaPem);
        var target = $"{harness.Tls!.Host}:{harness.Tls.Port}";
        var (code, stdout, stderr) = await Air780.RunAsync(Limit, "fault", target, "stray-puback", "--control-user", "rig:secret", "--ca", ca, "--client-id", "m1", "--packet-id", "258");
        Assert.True(code == 0, stderr);
        Assert.Contains("sent stray-puback", stdout);
        using var cts = new CancellationTokenSource(Limit);
        await stream.ReadExactlyAsync(buffer, cts.Token);
        Assert.Equal("40020102", Convert.ToHexString(buffer));
        (code, _, stderr) = await Air780.RunAsync(Limit, "fault", target, "publish-qos4", "--control-user", "rig:secret", "--ca", ca);
        Assert.NotEqual(0, code);
        Assert.Contains("publish-qos3", stderr);
    }

    [Fact]
    public async Task Agent_export_writes_the_built_in_agent_and_twin_runs_on_a_working_copy_only_if_it_has_main_lua()
    {
        using var temp = new TempDirectory("cli-agent-");
        var (code, stdout, stderr) = await Air780.RunAsync(Limit, "agent", "export", temp.Path);
        Assert.True(code == 0, stderr);
        Assert.Contains(Path.Combine(temp.Path, "main.lua"), stdout);
        Assert.Equal(File.ReadAllText(Repository.File("firmware-scripts", "br_agent.lua")), File.ReadAllText(Path.Combine(temp.Path, "br_agent.lua")));

        var empty = Directory.CreateDirectory(Path.Combine(temp.Path, "empty")).FullName;
        (code, _, stderr) = await Air780.RunAsync(Limit, "twin", "--agent", empty);
        Assert.Equal(2, code);
        Assert.Contains("has no main.lua", stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    [Fact]
    public async Task Ports_without_any_port_says_so_and_exits_1()
    {
        if (System.IO.Ports.SerialPort.GetPortNames().Length > 0)
            return; // a machine with ports lists them; CI has none
        var (code, stdout, stderr) = await Air780.RunAsync(Limit, "ports");
        Assert.Equal((1, ""), (code, stdout));
        Assert.Contains("no serial ports found", stderr);
    }

    [Fact]
    public async Task Help_of_a_connection_argument_shows_this_platforms_forms()
    {
        var (code, stdout, _) = await Air780.RunAsync(Limit, "probe", "--help");
        Assert.Equal(0, code);
        Assert.Contains(OperatingSystem.IsWindows() ? "COM3" : OperatingSystem.IsMacOS() ? "/dev/cu.usbmodem" : "serial:///dev/ttyACM0", stdout);
        Assert.Contains("serial://auto", stdout);
    }

    [Fact]
    public async Task Mqtt_events_are_stamped_with_wall_clock_time()
    {
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
        var (code, stdout, stderr) = await Air780.RunAsync(Limit, "mqtt", _twin.Link.ConnectionString, "create", "nil", _twin.Harness.Plain.Host, _twin.Harness.Plain.Port.ToString());
        Assert.True(code == 0, stderr);
        var handle = JsonDocument.Parse(stdout).RootElement[0].GetInt64().ToString();
        await Air780.RunAsync(Limit, "mqtt", _twin.Link.ConnectionString, "auth", handle, "cli-clock");
        await Air780.RunAsync(Limit, "mqtt", _twin.Link.ConnectionString, "on", handle, "true");
        (code, stdout, stderr) = await Air780.RunAsync(Limit, "mqtt", _twin.Link.ConnectionString, "connect", handle, "--events", "10", "--until", "conack");
        Assert.True(code == 0, stderr);
        var conack = stdout.Split('\n').Skip(1).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement).First(e => e.GetProperty("event").GetString() == "conack");
        var t = conack.GetProperty("t_us").GetInt64();
        Assert.InRange(t, before, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000 + 1000);
    }
}
