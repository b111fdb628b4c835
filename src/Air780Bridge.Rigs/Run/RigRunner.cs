using System.Net;
using Air780Bridge.Client;
using Air780Bridge.Harness.Broker;
using Air780Bridge.Harness.Timeline;
using Air780Bridge.Rigs.Conformance;
using Air780Bridge.Rigs.Progress;
using Air780Bridge.Rigs.Reports;
using Air780Bridge.Rigs.Results;
using Air780Bridge.Rigs.RigFiles;
using Serilog;

namespace Air780Bridge.Rigs.Run;

/// <summary>Starts the virtual module a rig's <c>twin:</c> connection stands for; the lease stops it.</summary>
public interface IVirtualModuleLauncher
{
    /// <param name="timerLate">Called on the twin's thread with how late it ran due timers (<see cref="Twin.VirtualModule.TimerLate"/>).</param>
    Task<(string Connection, IAsyncDisposable Lease)> StartAsync(RigModule module, Action<TimeSpan> timerLate, CancellationToken ct);
}

/// <summary>
/// `air780 run`: the harness, then every module of the rig in parallel through the selected scenarios,
/// then the reports (<see cref="ReportWriter.Formats"/>) in the output folder. Whatever finished is written even
/// when the run is cancelled.
/// </summary>
public sealed class RigRunner(RigFile rig, IVirtualModuleLauncher? twins, ILogger log)
{
    /// <summary>Adds what the caller knows about the run (station, operator, tool version) before the reports are written.</summary>
    public Func<RunResult, RunResult> Stamp { get; init; } = r => r;

    public async Task<(RunResult Result, string OutputDir)> RunAsync(string? outputDir, Func<RunPlan, Func<IRunProgress, Task<RunResult>>, Task<RunResult>> withProgress,
        CancellationToken ct)
    {
        var started = DateTimeOffset.UtcNow;
        ReserveThreads(rig.Modules.Count, rig.ScenarioParallelism);
        var output = Path.GetFullPath(outputDir ?? rig.ResolveOutput(started));
        Directory.CreateDirectory(output);
        var plan = new RunPlan(rig.Name ?? "rig", rig.Modules.Select(m => new ModulePlan(m.Name, m.Connection, Selected(m).Count)).ToList());
        await using var harness = await StartHarnessAsync(ct);
        using var runLimit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        runLimit.CancelAfter(rig.Timeouts.Run);
        var result = await withProgress(plan, async progress =>
        {
            using var parallel = new SemaphoreSlim(Math.Max(1, rig.Parallelism));
            var modules = await Task.WhenAll(rig.Modules.Select(async m =>
            {
                await parallel.WaitAsync(CancellationToken.None);
                try
                {
                    var done = await RunModuleAsync(m, harness, progress, output, runLimit.Token);
                    progress.ModuleFinished(done);
                    return done;
                }
                finally
                {
                    parallel.Release();
                }
            }));
            return new RunResult { Rig = plan.Rig, RigFile = rig.SourcePath, Started = started, Finished = DateTimeOffset.UtcNow, Modules = modules };
        });
        result = Stamp(result with { Wire = harness.Snapshot() });
        ReportWriter.WriteAll(result, output);
        return (result, output);
    }

    private IReadOnlyList<Scenario> Selected(RigModule module) =>
        ConformanceSuite.All.Where(s => rig.Selects(module, s.Suite, s.Id)).ToList();

    /// <summary>
    /// The least this rig's run can take, from the scenarios' declared fixed waits: each module's floor
    /// (<see cref="ConformanceSuite.FloorOf"/>), modules taken in rig order by the first of <c>parallelism</c> slots to
    /// come free, as the run takes them.
    /// </summary>
    public TimeSpan ProtocolFloor()
    {
        var slots = new TimeSpan[Math.Max(1, Math.Min(rig.Parallelism, rig.Modules.Count))];
        foreach (var module in rig.Modules)
        {
            var first = Array.IndexOf(slots, slots.Min());
            slots[first] += ConformanceSuite.FloorOf(Selected(module), module.Profile);
        }
        return slots.Max();
    }

    /// <summary>
    /// Timings are the point of a run: a thread pool that starts at one thread per core and grows by one every
    /// half second would add its own delays to reconnects and pings when many modules, twins and the harness
    /// share a small machine, so it starts with room for all of them.
    /// </summary>
    private static void ReserveThreads(int modules, int scenariosPerModule)
    {
        ThreadPool.GetMinThreads(out var workers, out var io);
        var wanted = 16 + modules * (4 + scenariosPerModule);
        if (workers < wanted) ThreadPool.SetMinThreads(wanted, Math.Max(io, wanted));
    }

    private async Task<IRigHarness> StartHarnessAsync(CancellationToken ct)
    {
        if (rig.Broker.RemoteEndpoint is not { } remote)
            return await HarnessAdapter.StartAsync(HarnessSettings());
        var ca = rig.Broker.RemoteCa is { } caFile ? await File.ReadAllBytesAsync(caFile, ct) : null;
        var adapter = await RemoteHarnessAdapter.ConnectAsync(remote.Host, remote.Port, rig.Broker.ControlUser!, rig.Broker.EffectiveControlPassword!, ca, ct);
        log.Information("remote harness {Remote}: clock offset {Offset} us +- {Uncertainty} us", rig.Broker.Remote, adapter.ClockOffsetUs, adapter.ClockUncertaintyUs);
        return adapter;
    }

    private HarnessSettings HarnessSettings()
    {
        var listen = HostPort.Parse(rig.Broker.Listen);
        var publicAddress = rig.Broker.Public is { } p ? HostPort.Parse(p) : null;
        return new HarnessSettings
        {
            BindAddress = IPAddress.Parse(listen.Host.Trim('[', ']')),
            Port = listen.Port,
            PublicHost = publicAddress?.Host,
            PublicPort = publicAddress?.Port,
            Upstream = rig.Broker.UpstreamEndpoint is { } u ? $"{u.Host}:{u.Port}" : null,
            TlsPort = rig.Broker.Tls ? rig.Broker.TlsPort : null,
        };
    }

    private async Task<ModuleResult> RunModuleAsync(RigModule module, IRigHarness harness, IRunProgress progress, string output, CancellationToken ct)
    {
        await using var moduleLog = new LoggerConfiguration().MinimumLevel.Debug()
            .WriteTo.File(Path.Combine(output, "logs", $"{module.Name}.log"))
            .WriteTo.Logger(log).CreateLogger();
        var scenarios = Selected(module);
        IAsyncDisposable? lease = null;
        Air780Client? client = null;
        try
        {
            var connection = module.Connection;
            if (module.Endpoint.IsTwin)
            {
                if (twins is null)
                    return Failed(module, "virtual modules are not available in this build; use serial:// or tcp:// modules");
                (connection, lease) = await twins.StartAsync(module, late => RecordTwinStall(harness, module.Name, late), ct);
            }
            client = await Air780Client.ConnectAsync(connection, log: moduleLog, ct: ct);
            var hello = client.Hello;
            moduleLog.Information("module {Module}: firmware {Version} ({Bsp}), IMEI {Imei}, boot {Boot}", module.Name, hello.FirmwareVersion, hello.Bsp, hello.Imei, hello.BootId);
            if (module.Imei is { } expected && hello.Imei != expected)
                return Failed(module, $"HELLO reports IMEI {hello.Imei ?? "(none)"}, the rig expects {expected}: wrong cable or port order?") with { Hello = Hello(hello) };

            var outages = new LinkOutages();
            client.EventReceived += e => Observe(e, module.Name, outages, harness);
            var driver = new ClientDriver(client, module);
            IScenarioHarness view = module.Overrides?.BrokerAddress is { } own && HostPort.Parse(own) is var dial
                ? new DialOverride(harness, dial.Host, dial.Port)
                : harness;
            var results = await ScenarioSchedule.RunAsync(scenarios, Firmware.FirmwareExpectations.For(module.Profile), rig.ScenarioParallelism, async scenario =>
            {
                for (var attempt = 1; ; attempt++)
                {
                    if (ct.IsCancellationRequested)
                        return new ScenarioResult { Id = scenario.Id, Title = scenario.Title, Suite = scenario.Suite, Verdict = Verdict.Error, Message = "not run: the run was stopped" };
                    if (!client.IsLinkUp)
                    {
                        // The port vanished (a reboot re-enumerates USB): wait for it within the link's reconnect time
                        // instead of failing every remaining scenario while it comes back.
                        moduleLog.Warning("{Module}: the port is gone; waiting for it before {Scenario}", module.Name, scenario.Id);
                        if (!await client.WaitUntilLinkUpAsync(ct).ContinueWith(t => t.IsCompletedSuccessfully && t.Result, TaskScheduler.Default))
                        {
                            return new ScenarioResult
                            {
                                Id = scenario.Id, Title = scenario.Title, Suite = scenario.Suite, Verdict = Verdict.Error,
                                Message = ct.IsCancellationRequested ? "not run: the run was stopped" : $"not run: {client.LinkFailure ?? "the link to the module is closed"}",
                            };
                        }
                    }
                    var outagesBefore = outages.Count;
                    progress.ScenarioStarted(module.Name, scenario.Id, scenario.Title);
                    var result = await ScenarioRunner.RunAsync(scenario, driver, view, client.MqttEvents, rig.ScenarioTimeout(module), ct, rig.Strict, attempt);
                    // The link went while the scenario ran (a vanished port, not the module's doing): what it judged is
                    // about the link, so it runs once more when the port is back. Scenarios beside it lost it too.
                    if (attempt == 1 && !scenario.Exclusive && result.Verdict is Verdict.Fail or Verdict.Error && outages.Count != outagesBefore && !ct.IsCancellationRequested)
                    {
                        moduleLog.Warning("{Module} {Scenario}: {Verdict} while the link was down ({Message}); running it again", module.Name, scenario.Id, result.Verdict, result.Message);
                        continue;
                    }
                    if (attempt > 1)
                        result = result with { Message = $"run again: the link to the module went during the first run{(result.Message is { } m ? "; " + m : "")}" };
                    moduleLog.Information("{Module} {Scenario}: {Verdict} {Message}", module.Name, scenario.Id, result.Verdict, result.Message);
                    progress.ScenarioFinished(module.Name, result);
                    return result;
                }
            });
            return new ModuleResult { Name = module.Name, Connection = module.Connection, Profile = module.Profile, Hello = Hello(hello), Scenarios = results };
        }
        catch (Exception e) when (e is LinkUnavailableException or LinkTimeoutException or LinkLostException or ModuleRebootedException or IOException)
        {
            moduleLog.Error(e, "module {Module} could not be run", module.Name);
            return Failed(module, e.Message);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return Failed(module, "the run was stopped before this module was reached");
        }
        finally
        {
            if (client is not null)
                await client.DisposeAsync();
            if (lease is not null)
                await lease.DisposeAsync();
        }
    }

    /// <summary>A twin's timer that ran late was this machine's doing, not the firmware's: a stall of the host for that
    /// module's scenarios (on hardware the module's own clock runs them).</summary>
    private static void RecordTwinStall(IRigHarness harness, string module, TimeSpan late)
    {
        if (late >= HostStalls.Threshold)
            harness.Record(HostStalls.Stall(TimelineClock.NowUs, (long)late.TotalMicroseconds, $"twin {module}'s timer thread", module));
    }

    private static void Observe(ModuleEvent e, string module, LinkOutages outages, IRigHarness harness)
    {
        if (e is LinkStateEvent { Up: false })
            outages.Add();
        if (e is not MqttEvent m)
            return;
        harness.Record(new TimelineEntry
        {
            T = m.T, Kind = "module", Conn = module, Handle = m.Handle, Type = m.Name, PacketId = m.Name == "sent" ? (int?)m.MessageId : null,
            Code = (int?)m.Code, Topic = m.Topic, PayloadSize = m.Payload?.Length, Detail = m.Name is "recv" or "sent" ? null : m.ToString(),
        });
    }

    private static ModuleHello Hello(Protocol.Messages.HelloInfo h) =>
        new() { FirmwareVersion = h.FirmwareVersion, Bsp = h.Bsp, Imei = h.Imei, Iccid = h.Iccid, BootId = h.BootId, AgentVersion = h.AgentVersion };

    private static ModuleResult Failed(RigModule module, string error) =>
        new() { Name = module.Name, Connection = module.Connection, Profile = module.Profile, Error = error };

    /// <summary>How often the module's link went down so far: a scenario whose run spans a change lost the link.</summary>
    private sealed class LinkOutages
    {
        private int _count;
        public int Count => Volatile.Read(ref _count);
        public void Add() => Interlocked.Increment(ref _count);
    }

    private sealed class ClientDriver(Air780Client client, RigModule module) : IModuleDriver
    {
        public string Name => module.Name;
        public string Profile => module.Profile;

        public Task<object?[]> CallAsync(string method, object?[] args, CancellationToken ct) => client.CallAsync(method, args, ct);
    }
}
