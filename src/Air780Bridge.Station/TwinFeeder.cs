using System.Collections.Concurrent;
using System.Runtime.Versioning;
using Air780Bridge.Rigs.RigFiles;
using Air780Bridge.Rigs.Run;
using Air780Bridge.Twin;

namespace Air780Bridge.Station;

/// <summary>
/// Plays the operator for a station of twins: each <c>twin:</c> slot becomes a <see cref="TwinSlot"/> (a pty
/// path), and after every result the module is taken out and a new twin with the next IMEI is plugged in.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class TwinFeeder : IDisposable
{
    private readonly Dictionary<string, (TwinSlot Slot, RigModule Module)> _slots = [];
    private readonly Func<string, int, string?> _nextImei;
    private readonly ConcurrentDictionary<string, int> _plugged = new();
    private readonly ConcurrentDictionary<string, bool> _awaitingEmpty = new();
    private int _finished;
    private readonly TaskCompletionSource _exhausted = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <param name="nextImei">The IMEI of the n-th module (1-based) of a slot, or null when that slot gets no more modules.</param>
    public TwinFeeder(RigFile rig, string directory, Func<string, int, string?>? nextImei = null)
    {
        // Default: IMEIs of this feeder alone, so a restarted station does not replay the modules of the last one.
        var session = Guid.NewGuid();
        _nextImei = nextImei ?? ((slot, n) => VirtualModule.Imei($"{session}/{slot}/{n}"));
        var modules = new List<RigModule>();
        foreach (var m in rig.Modules)
        {
            if (m.Endpoint.Kind != ConnectionKind.Twin)
            {
                modules.Add(m);
                continue;
            }
            var slot = new TwinSlot(m.Name, directory, imei => TwinLauncher.CreateModule(m with { Imei = imei }));
            _slots[m.Name] = (slot, m);
            modules.Add(m with { Connection = slot.ConnectionString });
        }
        Rig = rig with { Modules = modules };
    }

    /// <summary>The rig with every twin: slot turned into its serial path.</summary>
    public RigFile Rig { get; }

    /// <summary>Completes once every twin slot has had its last module taken out.</summary>
    public Task Exhausted => _exhausted.Task;

    /// <summary>Plugs the first module into every twin slot and keeps the slots fed as <paramref name="station"/> finishes them.</summary>
    public void Attach(StationRunner station)
    {
        station.SlotChanged += OnSlotChanged;
        foreach (var name in _slots.Keys)
            PlugNext(name);
    }

    private void OnSlotChanged(SlotView view)
    {
        if (!_slots.TryGetValue(view.Name, out var entry))
            return;
        if (view.State == SlotState.RemoveModule && entry.Slot.Imei is not null)
        {
            _awaitingEmpty[view.Name] = true;
            entry.Slot.Unplug();
        }
        // Plug the next only once the station has seen the port empty, as an operator waits for the green light.
        else if (view.State == SlotState.WaitingForModule && _awaitingEmpty.TryRemove(view.Name, out _))
            PlugNext(view.Name);
    }

    private void PlugNext(string name)
    {
        var n = _plugged.AddOrUpdate(name, 1, (_, v) => v + 1);
        if (_nextImei(name, n) is { } imei)
            _slots[name].Slot.Plug(imei);
        else if (Interlocked.Increment(ref _finished) == _slots.Count)
            _exhausted.TrySetResult();
    }

    public void Dispose()
    {
        foreach (var (slot, _) in _slots.Values)
            slot.Dispose();
    }
}
