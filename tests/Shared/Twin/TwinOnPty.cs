using System.Runtime.Versioning;
using Air780Bridge.Harness;
using Air780Bridge.Harness.Broker;
using Air780Bridge.Twin;
using Air780Bridge.Twin.Link;

namespace Air780Bridge.Tests;

/// <summary>One virtual module behind a pty, as a USB module is reached, and a harness broker on loopback:
/// the set-up of every end-to-end test.</summary>
// The twin's serial side is a Linux pty (PtyLink).
[SupportedOSPlatform("linux")]
internal sealed class TwinOnPty : IAsyncDisposable
{
    private TwinOnPty(VirtualModule module, PtyLink link, HarnessBroker harness)
    {
        Module = module;
        Link = link;
        Harness = harness;
    }

    public VirtualModule Module { get; }
    public PtyLink Link { get; }
    public HarnessBroker Harness { get; }

    public static async Task<TwinOnPty> StartAsync(string namePrefix, HarnessSettings? harness = null)
    {
        var module = new VirtualModule(new VirtualModuleOptions { Name = namePrefix + Guid.NewGuid().ToString("N")[..6] });
        module.Start();
        var link = new PtyLink(module.Serial, module.Name);
        var broker = await HarnessBroker.StartAsync((harness ?? new HarnessSettings()) with { BindAddress = System.Net.IPAddress.Loopback, Port = 0 });
        return new TwinOnPty(module, link, broker);
    }

    public async ValueTask DisposeAsync()
    {
        Link.Dispose();
        Module.Dispose();
        await Harness.DisposeAsync();
    }
}
