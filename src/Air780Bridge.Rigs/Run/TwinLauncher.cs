using Air780Bridge.Client;
using Air780Bridge.Rigs.RigFiles;
using Air780Bridge.Twin;

namespace Air780Bridge.Rigs.Run;

/// <summary>
/// Starts a rig's <c>twin:</c> modules on <paramref name="agent"/> (default: the built-in agent), each behind the
/// platform's default twin link (a pty on Linux, TCP elsewhere). A twin that cannot start fails its module only.
/// </summary>
public sealed class TwinLauncher(AgentScripts? agent = null) : IVirtualModuleLauncher
{
    // The rig connects to its own twins, so their ptys need no well-known path; one folder per process keeps two
    // runs of the same rig (twin-1..4 each) from replacing each other's links.
    private static readonly string PtyDirectory = Path.Combine(Path.GetTempPath(), "air780-twin", $"run-{Environment.ProcessId}");

    public Task<(string Connection, IAsyncDisposable Lease)> StartAsync(RigModule module, Action<TimeSpan> timerLate, CancellationToken ct)
    {
        VirtualModule? twin = null;
        try
        {
            twin = CreateModule(module, agent);
            twin.TimerLate += timerLate;
            twin.Start();
            var link = LinkKind.Default.Create(twin.Serial, module.Name, PtyDirectory, null);
            return Task.FromResult<(string, IAsyncDisposable)>((link.ConnectionString, new Lease(twin, link)));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or ArgumentException or PlatformNotSupportedException)
        {
            twin?.Dispose();
            throw new LinkUnavailableException($"twin {module.Name} cannot start: {e.Message}", e);
        }
    }

    /// <summary>The (not yet started) virtual module a rig module stands for: its profile, planted defects, IMEI and
    /// agent scripts (default: the built-in agent).</summary>
    /// <exception cref="LinkUnavailableException">The agent scripts are unusable; the message says why.</exception>
    public static VirtualModule CreateModule(RigModule module, AgentScripts? agent = null)
    {
        var scripts = agent ?? AgentScripts.Embedded;
        if (scripts.Problem() is { } problem)
            throw new LinkUnavailableException($"twin {module.Name} cannot start: {problem}");
        var profile = FirmwareProfile.Get(module.Profile) with
        {
            Defects = (module.Defects ?? []).Select(d => TwinDefects.ByName[d]).ToHashSet(),
        };
        return new VirtualModule(new VirtualModuleOptions { Name = module.Name, Profile = profile, Imei = module.Imei, ScriptsDirectory = scripts.Directory });
    }

    private sealed class Lease(VirtualModule twin, Twin.Link.TwinSerialLink link) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            link.Dispose();
            twin.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
