using Serilog;

namespace Air780Bridge.Client.Transport;

/// <summary>
/// One way to reach a module's agent: the connection-string scheme it owns, the options it takes and how it opens
/// the byte stream. A new transport is one class implementing this plus one line in <see cref="Transports.All"/>;
/// parsing, validation, help text and rig checks all read it from there.
/// </summary>
public interface ITransport
{
    /// <summary>The scheme before "://" (or ":" for <c>twin:</c>), lower case.</summary>
    string Scheme { get; }

    /// <summary>How its connection strings begin: "serial://", or "twin:" for a scheme with no address.</summary>
    string Prefix => Scheme + "://";

    /// <summary>Example connection strings for this platform, shown by --help and in error messages.</summary>
    IReadOnlyList<string> Examples { get; }

    /// <summary>Options accepted after "?", as written in help ("baud=N"); any other option is rejected naming these.</summary>
    IReadOnlyList<string> Options { get; }

    /// <summary>True when a connection string without a scheme (COM3, /dev/ttyACM0) belongs to this transport.</summary>
    bool ClaimsBare(string text) => false;

    /// <summary>Builds the address from what follows the scheme; throws <see cref="FormatException"/> saying what to write.</summary>
    LinkAddress Parse(string text, string target, IReadOnlyDictionary<string, string> options);

    /// <summary>Opens the byte stream; failures are <see cref="LinkUnavailableException"/>s that say what to do.</summary>
    Task<Stream> OpenAsync(LinkAddress address, ILogger log, CancellationToken ct);
}
