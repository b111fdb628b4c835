using System.Collections.Concurrent;
using System.Text;
using Air780Bridge.Twin;

namespace Air780Bridge.Twin.Tests.Runtime;

/// <summary>
/// A virtual module running a test's Lua source as main.lua (with <c>sys.run()</c> appended). The test reads the
/// module's output lines (print / log.*), reboots and USB writes as they happen; every wait is on an event.
/// </summary>
public sealed class ScriptedModule : IDisposable
{
    static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    readonly BlockingCollection<string> _lines = new();
    readonly BlockingCollection<string> _reboots = new();
    readonly BlockingCollection<byte[]> _toHost = new();

    public ScriptedModule(string script, FirmwareProfile? profile = null, Func<VirtualModuleOptions, VirtualModuleOptions>? configure = null, Action<VirtualModule>? beforeStart = null)
    {
        var options = new VirtualModuleOptions
        {
            Name = "rt-" + Guid.NewGuid().ToString("N")[..6],
            Profile = profile ?? FirmwareProfile.Default,
            Script = script + "\nsys.run()\n",
        };
        Module = new VirtualModule(configure is null ? options : configure(options));
        Module.LogLine += _lines.Add;
        Module.Rebooted += _reboots.Add;
        Module.ToHost += data =>
        {
            _toHost.Add(data.ToArray());
            Module.TransmitCompleted(data.Length); // a host that reads everything at once
        };
        beforeStart?.Invoke(Module);
        Module.Start();
    }

    public VirtualModule Module { get; }

    /// <summary>The next output line.</summary>
    public string Next() => _lines.TryTake(out var line, Wait) ? line : throw new TimeoutException("The module printed nothing more.");

    /// <summary>The next output line starting with <paramref name="prefix"/>; earlier other lines are skipped.</summary>
    public string Next(string prefix)
    {
        while (true)
        {
            var line = Next();
            if (line.StartsWith(prefix, StringComparison.Ordinal))
                return line;
        }
    }

    /// <summary>The reason of the next reboot.</summary>
    public string NextReboot() => _reboots.TryTake(out var reason, Wait) ? reason : throw new TimeoutException("The module did not reboot.");

    public int RebootCount => _reboots.Count;

    /// <summary>The next USB transfer the module wrote toward the host.</summary>
    public byte[] NextToHost() => _toHost.TryTake(out var data, Wait) ? data : throw new TimeoutException("The module wrote nothing more.");

    public void FromHost(string text) => Module.DeliverFromHost(Encoding.Latin1.GetBytes(text));

    public void Dispose() => Module.Dispose();
}
