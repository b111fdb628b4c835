using Air780Bridge.Results;
using Air780Bridge.Rigs.Progress;
using Air780Bridge.Rigs.Reports;
using Air780Bridge.Rigs.Results;
using Air780Bridge.Rigs.RigFiles;
using Air780Bridge.Rigs.Run;
using Serilog;

namespace Air780Bridge.Station;

public sealed record StationOptions
{
    /// <summary>Stored with every run; yield is grouped by it.</summary>
    public string Station { get; init; } = Environment.MachineName;
    public string? Operator { get; init; }
    /// <summary>One folder per tested module goes under it.</summary>
    public required string OutputRoot { get; init; }
    public required StoreLocation Store { get; init; }
    public string? LockDirectory { get; init; }
    /// <summary>How often an empty or busy port is looked at again.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(250);
    /// <summary>Whether slots test modules from the start, or wait for <see cref="StationRunner.Start"/>.</summary>
    public bool StartRunning { get; init; } = true;
}

/// <summary>
/// `air780 station RIG`: every module of the rig is a slot whose port modules are plugged into one after
/// another. A module that appears is identified by its HELLO and runs the rig's suites (through
/// <see cref="RigRunner"/>, so a station judges exactly as `air780 run` does); its result is shown, written
/// and stored, and the slot waits for it to be taken out and the next one plugged in.
/// </summary>
public sealed class StationRunner
{
    private readonly RigFile _rig;
    private readonly StationOptions _options;
    private readonly IVirtualModuleLauncher? _twins;
    private readonly ILogger _log;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, SlotView> _slots;
    private TaskCompletionSource _running = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationTokenSource _stop = new();

    public StationRunner(RigFile rig, StationOptions options, IVirtualModuleLauncher? twins, ILogger log)
    {
        foreach (var m in rig.Modules.Where(m => m.Endpoint.Kind == ConnectionKind.Twin))
            throw new ArgumentException($"slot {m.Name} is twin:, which has no port to plug modules into; give it a serial:// or tcp:// port (`air780 station` plugs twins in itself)");
        _rig = rig;
        _options = options;
        _twins = twins;
        _log = log;
        _slots = rig.Modules.ToDictionary(m => m.Name, m => new SlotView { Name = m.Name, Connection = m.Connection, State = SlotState.Stopped });
        if (options.StartRunning)
            _running.SetResult();
    }

    public string Rig => _rig.Name ?? "rig";
    public StationOptions Options => _options;

    /// <summary>Raised, on a slot's worker, after every change of that slot.</summary>
    public event Action<SlotView>? SlotChanged;

    public bool IsRunning => _running.Task.IsCompleted;

    public IReadOnlyList<SlotView> Slots
    {
        get
        {
            lock (_gate)
                return _rig.Modules.Select(m => _slots[m.Name]).ToList();
        }
    }

    /// <summary>Slots test the modules plugged in from now on.</summary>
    public void Start()
    {
        lock (_gate)
            _running.TrySetResult();
    }

    /// <summary>Stops the tests under way (their results say so) and tests no new module until <see cref="Start"/>.</summary>
    public void Stop()
    {
        lock (_gate)
        {
            if (!_running.Task.IsCompleted)
                return;
            _running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _stop.Cancel();
            _stop = new CancellationTokenSource();
        }
    }

    /// <summary>Works every slot until <paramref name="ct"/> is cancelled.</summary>
    public Task RunAsync(CancellationToken ct) => Task.WhenAll(_rig.Modules.Select(m => Task.Run(() => SlotLoopAsync(m, ct), CancellationToken.None)));

    private async Task SlotLoopAsync(RigModule slot, CancellationToken ct)
    {
        var connection = slot.Endpoint;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                Task running;
                lock (_gate)
                    running = _running.Task;
                if (!running.IsCompleted)
                {
                    Update(slot, v => v with { State = SlotState.Stopped, Message = "stopped: press Start to test modules" });
                    await running.WaitAsync(ct);
                }
                Update(slot, v => v with { State = SlotState.WaitingForModule, Message = "plug the next module in", CurrentScenario = null });
                if (!await PortPresence.IsPresentAsync(connection, ct))
                {
                    await Task.Delay(_options.PollInterval, ct);
                    continue;
                }
                using var portLock = PortLock.TryAcquire(slot.Connection, $"air780 station {Rig} slot {slot.Name}", out var holder, _options.LockDirectory);
                if (portLock is null)
                {
                    Update(slot, v => v with { State = SlotState.PortBusy, Message = $"port {slot.Connection} is held by {holder}" });
                    await Task.Delay(_options.PollInterval * 4, ct);
                    continue;
                }
                CancellationToken stop;
                lock (_gate)
                    stop = _stop.Token;
                try
                {
                    await TestModuleAsync(slot, stop, ct);
                }
                catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    // The harness could not start, the output folder is not writable...: the slot says so; the other slots go on.
                    _log.Error(e, "station slot {Slot}: the test could not be run", slot.Name);
                    Update(slot, v => v with { State = SlotState.RemoveModule, Message = $"not tested: {e.Message}; take the module out and plug it in again", CurrentScenario = null });
                }
                portLock.Dispose();
                // The same module stays on the port until it is taken out; only then is the slot free for the next.
                while (!ct.IsCancellationRequested && await PortPresence.IsPresentAsync(connection, ct))
                    await Task.Delay(_options.PollInterval, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private async Task TestModuleAsync(RigModule slot, CancellationToken stop, CancellationToken ct)
    {
        using var cycle = CancellationTokenSource.CreateLinkedTokenSource(stop, ct);
        // The slot takes whatever module is plugged in: the HELLO says which one it is.
        var single = _rig with { Name = Rig, Modules = [slot with { Imei = null }], Parallelism = 1 };
        var started = DateTimeOffset.UtcNow;
        var output = Path.Combine(_options.OutputRoot, $"{slot.Name}-{started.UtcDateTime:yyyyMMdd-HHmmss-fff}");
        Update(slot, v => v with { State = SlotState.Testing, Message = "testing", ScenariosDone = 0, ScenariosTotal = 0, CurrentScenario = "HELLO" });
        var progress = new SlotProgress(this, slot);
        var (run, dir) = await new RigRunner(single, _twins, _log).RunAsync(output, (plan, body) =>
        {
            Update(slot, v => v with { ScenariosTotal = plan.Modules[0].Scenarios });
            return body(progress);
        }, cycle.Token);
        run = ResultRecorder.Stamp(run, _options.Station, _options.Operator);
        var paths = ReportWriter.WriteAll(run, dir);
        string? storeError = null;
        SavedRun? saved = null;
        // A test cut short by Stop or the station's end says nothing about the module: kept on disk, left out of the yield.
        if (cycle.IsCancellationRequested)
            storeError = $"stopped before the end, so not stored; `air780 results import {dir}` stores it anyway";
        else
            saved = await ResultRecorder.TryStoreAsync(_options.Store, run, dir, e => storeError = e, CancellationToken.None);
        if (storeError is not null)
            _log.Error("station {Station} slot {Slot}: {Error}", _options.Station, slot.Name, storeError);
        var module = run.Modules[0];
        var result = new SlotResult(module.Verdict, module.Hello?.Imei, module.Hello?.Iccid, module.Hello?.FirmwareVersion, run.Finished, module.Counts,
            module.Error, Path.GetRelativePath(_options.OutputRoot, paths.Html).Replace('\\', '/'), saved?.Id, storeError);
        _log.Information("station slot {Slot}: IMEI {Imei} {Verdict}", slot.Name, result.Imei, result.Word);
        Update(slot, v => v with
        {
            State = SlotState.RemoveModule, Message = "Done: take the module out", CurrentScenario = null, Tested = v.Tested + 1, Last = result,
        });
    }

    private void Update(RigModule slot, Func<SlotView, SlotView> change)
    {
        SlotView view;
        lock (_gate)
            _slots[slot.Name] = view = change(_slots[slot.Name]);
        SlotChanged?.Invoke(view);
    }

    private sealed class SlotProgress(StationRunner station, RigModule slot) : IRunProgress
    {
        public void ScenarioStarted(string module, string scenarioId, string title) =>
            station.Update(slot, v => v with { CurrentScenario = scenarioId });

        public void ScenarioFinished(string module, ScenarioResult result) =>
            station.Update(slot, v => v with { ScenariosDone = v.ScenariosDone + 1 });

        public void ModuleFinished(ModuleResult result)
        {
        }
    }
}
