using System.Runtime.Versioning;
using Air780Bridge.Twin.Link;

namespace Air780Bridge.Twin;

/// <summary>
/// A station slot with virtual modules: one stable serial path, a new module (new IMEI, new boot) behind it
/// each time one is plugged, as a USB port re-enumerates when the operator swaps the module on a fixture.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class TwinSlot(string name, string? directory, Func<string, VirtualModule> createModule) : IDisposable
{
    private VirtualModule? _module;
    private PtyLink? _link;

    public string Name => name;
    public string SerialPath => Path.Combine(directory ?? PtyLink.DefaultDirectory, name);
    public string ConnectionString => $"serial://{SerialPath}";

    /// <summary>The IMEI of the module now plugged in; null while the slot is empty.</summary>
    public string? Imei { get; private set; }

    /// <summary>Unplugs whatever is in the slot, then boots a module reporting <paramref name="imei"/> on the slot's path.</summary>
    public void Plug(string imei)
    {
        Unplug();
        var module = createModule(imei);
        module.Start();
        try
        {
            _link = new PtyLink(module.Serial, name, directory);
        }
        catch
        {
            module.Dispose();
            throw;
        }
        _module = module;
        Imei = imei;
    }

    /// <summary>Removes the module: the path disappears until the next <see cref="Plug"/>.</summary>
    public void Unplug()
    {
        _link?.Dispose();
        _module?.Dispose();
        _link = null;
        _module = null;
        Imei = null;
    }

    public void Dispose() => Unplug();
}
