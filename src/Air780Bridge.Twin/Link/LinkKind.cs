using Air780Bridge.Twin.Link;

namespace Air780Bridge.Twin;

/// <summary>
/// How clients reach a twin's serial side: as a pty (the same code path as a module's USB port; Linux only), a
/// local TCP socket (every platform) or, from this process only, a stream in memory. A new kind is one <see cref="TwinSerialLink"/> class plus one entry in <see cref="All"/>.
/// </summary>
public sealed record LinkKind(string Name, string Description, bool Available, Func<IModuleSerial, string, string?, LinkConditioner?, TwinSerialLink> Create)
{
    public static readonly LinkKind Pty = new("pty", "a pty per twin, reached as serial:///tmp/air780-twin/twin-N (Linux)", OperatingSystem.IsLinux(),
        (serial, name, directory, conditioner) => OperatingSystem.IsLinux()
            ? new PtyLink(serial, name, directory, conditioner)
            : throw new PlatformNotSupportedException("The pty link needs Linux; start the twins with the tcp link instead."));

    public static readonly LinkKind Tcp = new("tcp", "a TCP port per twin on 127.0.0.1, reached as tcp://127.0.0.1:PORT", true,
        (serial, name, _, conditioner) => new TcpLink(serial, name, 0, conditioner));

    public static readonly LinkKind Memory = new("memory", "a stream inside this process only (air780 twin --broker, benchmarks)", true,
        (serial, name, _, conditioner) => new MemoryLink(serial, name, conditioner));

    public static readonly IReadOnlyList<LinkKind> All = [Pty, Tcp, Memory];

    /// <summary>The pty where the platform has one (it exercises the serial transport), else TCP.</summary>
    public static LinkKind Default => All.First(k => k.Available);

    public static LinkKind Get(string name) => All.FirstOrDefault(k => k.Name == name)
        ?? throw new ArgumentException($"unknown twin link \"{name}\"; use one of {string.Join(", ", All.Select(k => k.Name))}");

    public override string ToString() => Name;
}
