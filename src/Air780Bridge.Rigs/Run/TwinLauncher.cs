using Air780Bridge.Rigs.RigFiles;
using Air780Bridge.Twin;
using Air780Bridge.Twin.Link;

namespace Air780Bridge.Rigs.Run;

/// <summary>Starts a rig's <c>twin:</c> modules: a virtual module behind a pty (the USB code path), or TCP off Linux.</summary>
public sealed class TwinLauncher : IVirtualModuleLauncher
{
    public Task<(string Connection, IAsyncDisposable Lease)> StartAsync(RigModule module, CancellationToken ct)
    {
        var twin = CreateModule(module);
        twin.Start();
        ModuleLink link = OperatingSystem.IsLinux() ? new PtyLink(twin.Serial, module.Name) : new TcpLink(twin.Serial, module.Name);
        return Task.FromResult<(string, IAsyncDisposable)>((link.ConnectionString, new Lease(twin, link)));
    }

    /// <summary>The (not yet started) virtual module a rig module stands for: its profile, planted defects and IMEI.</summary>
    public static VirtualModule CreateModule(RigModule module)
    {
        var profile = FirmwareProfile.Get(module.Profile) with
        {
            Defects = (module.Defects ?? []).Select(d => TwinDefects.ByName[d]).ToHashSet(),
        };
        return new VirtualModule(new VirtualModuleOptions { Name = module.Name, Profile = profile, Imei = module.Imei });
    }

    private sealed class Lease(VirtualModule twin, ModuleLink link) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            link.Dispose();
            twin.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
