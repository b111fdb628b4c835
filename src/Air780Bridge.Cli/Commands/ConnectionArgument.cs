using System.CommandLine;
using Air780Bridge.Client.Transport;

namespace Air780Bridge.Cli.Commands;

/// <summary>The CONNECTION argument; its help lists this platform's forms from the transport registry.</summary>
internal static class ConnectionArgument
{
    public static Argument<string> Create() => new("connection")
    {
        Description = $"where the module is: {string.Join(", ", Transports.All.Where(t => t.Scheme != TwinTransport.Name).SelectMany(t => t.Examples))}; " +
                      $"serial options: {string.Join(", ", Transports.Find(SerialTransport.Name)!.Options)}",
    };
}
