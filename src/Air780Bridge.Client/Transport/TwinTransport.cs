using Serilog;

namespace Air780Bridge.Client.Transport;

/// <summary>
/// <c>twin:</c>: a virtual module the rig starts itself (Air780Bridge.Twin). Only a rig can open it, since only the
/// rig knows the twin's profile and defects; the rig replaces it with the link the started twin serves.
/// </summary>
public sealed class TwinTransport : ITransport
{
    public const string Name = "twin";

    public string Scheme => Name;
    public string Prefix => "twin:";
    public IReadOnlyList<string> Examples { get; } = ["twin: (in rig files)"];
    public IReadOnlyList<string> Options { get; } = [];

    public LinkAddress Parse(string text, string target, IReadOnlyDictionary<string, string> options) =>
        target.Length == 0 && !text.Contains('?')
            ? new LinkAddress(Name, "", 0, 0, false)
            : throw new FormatException($"connection string \"{text}\" has text after \"twin:\"; write just \"twin:\" (the twin takes its firmware from \"profile\")");

    public Task<Stream> OpenAsync(LinkAddress address, ILogger log, CancellationToken ct) => Task.FromException<Stream>(new LinkUnavailableException("twin: names a virtual module a rig starts; run it with `air780 run RIG`, or start one with `air780 twin` and connect to the string it prints"));
}
