using Air780Bridge.Twin.Link;

namespace Air780Bridge.Twin;

/// <summary>How a <see cref="TwinHost{TModule}"/> starts its modules.</summary>
public sealed record TwinHostOptions
{
    public int Count { get; init; } = 1;
    public string Profile { get; init; } = FirmwareProfile.Default.Name;
    /// <summary>Line rate for pacing; 0 = unpaced.</summary>
    public int Baud { get; init; }
    public LinkKind Link { get; init; } = LinkKind.Default;
    /// <summary>Where pty symlinks go; null = <see cref="PtyLink.DefaultDirectory"/>.</summary>
    public string? PtyDirectory { get; init; }
    /// <summary>Seed of each link's fault RNG (module i gets Seed + i) so fault runs are reproducible.</summary>
    public int Seed { get; init; } = 780;
}

/// <summary>One running twin: the module, its link (for faults) and what a client connects to.</summary>
public sealed record TwinInstance<TModule>(string Name, TModule Module, TwinSerialLink Link)
{
    public string ConnectionString => Link.ConnectionString;
}

/// <summary>
/// Starts N twins named twin-1..N, each behind its own link, and disposes them (links first, then modules).
/// Generic over the module type so the host does not depend on how a module is built: the caller passes
/// <c>createModule(name, profile)</c> (e.g. a VirtualModule) and <c>serialOf</c> (e.g. <c>m =&gt; m.Serial</c>).
/// </summary>
public sealed class TwinHost<TModule> : IDisposable where TModule : IDisposable
{
    private readonly List<TwinInstance<TModule>> _twins = [];

    public TwinHost(TwinHostOptions options, Func<string, string, TModule> createModule, Func<TModule, IModuleSerial> serialOf)
    {
        ArgumentNullException.ThrowIfNull(serialOf);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(createModule);
        if (options.Count < 1) throw new ArgumentOutOfRangeException(nameof(options), options.Count, "Twin count must be at least 1.");
        if (options.Baud < 0) throw new ArgumentOutOfRangeException(nameof(options), options.Baud, "Baud must be 0 (unpaced) or positive.");
        if (!options.Link.Available)
            throw new PlatformNotSupportedException($"The {options.Link} link is not available on this platform; start the twins with the {LinkKind.Default} link instead.");
        try
        {
            for (var i = 1; i <= options.Count; i++)
            {
                var name = $"twin-{i}";
                var module = createModule(name, options.Profile);
                var conditioner = new LinkConditioner(options.Seed + i) { Baud = options.Baud };
                try
                {
                    var link = options.Link.Create(serialOf(module), name, options.PtyDirectory, conditioner);
                    _twins.Add(new TwinInstance<TModule>(name, module, link));
                }
                catch
                {
                    module.Dispose();
                    throw;
                }
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public IReadOnlyList<TwinInstance<TModule>> Twins => _twins;

    public void Dispose()
    {
        foreach (var twin in _twins) twin.Link.Dispose();
        foreach (var twin in _twins) twin.Module.Dispose();
        _twins.Clear();
    }
}
