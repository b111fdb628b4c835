using Serilog;

namespace Air780Bridge.Client.Transport;

/// <summary>
/// An agent in this process (a twin's memory link): the host end is a stream <paramref name="open"/> returns, opened
/// again after it ends as a port is reopened. It has no connection string, since no other process can reach it, so
/// it is not in <see cref="Transports.All"/>; <see cref="Air780Client.ConnectAsync(InProcessTransport, LinkOptions?, ILogger?, CancellationToken)"/> takes it.
/// </summary>
public sealed class InProcessTransport(string name, Func<Stream> open) : ITransport
{
    public const string Name = "memory";

    public string Scheme => Name;
    public IReadOnlyList<string> Examples { get; } = [];
    public IReadOnlyList<string> Options { get; } = [];

    /// <summary>How this module is named in messages: memory://NAME.</summary>
    public LinkAddress Address { get; } = new(Name, name, 0, 0, false);

    public LinkAddress Parse(string text, string target, IReadOnlyDictionary<string, string> options) =>
        throw new FormatException($"\"{text}\" names a module inside another process's memory; connect to a pty, serial or tcp link instead");

    public Task<Stream> OpenAsync(LinkAddress address, ILogger log, CancellationToken ct)
    {
        try
        {
            return Task.FromResult(open());
        }
        catch (IOException e)
        {
            throw new LinkUnavailableException($"{address}: {e.Message}");
        }
    }
}
