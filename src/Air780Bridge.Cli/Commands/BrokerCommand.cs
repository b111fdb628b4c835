using System.CommandLine;
using System.Net;
using Air780Bridge.Harness;
using Air780Bridge.Harness.Broker;
using Air780Bridge.Harness.Tap;
using Air780Bridge.Harness.Timeline;

namespace Air780Bridge.Cli.Commands;

/// <summary>`air780 broker`: the harness broker and wire tap standalone, printing the live wire timeline until Ctrl+C.</summary>
public static class BrokerCommand
{
    public static Command Create()
    {
        var port = new Option<int>("--port") { Description = "plain MQTT port the module dials (the tap)", DefaultValueFactory = _ => 1883 };
        var tlsPort = new Option<int?>("--tls-port") { Description = "MQTT over TLS port (TLS ends at the tap; a throwaway CA is generated unless --cert/--key)" };
        var mutual = new Option<bool>("--mutual-tls") { Description = "require a client certificate signed by the harness CA" };
        var cert = new Option<string?>("--cert") { Description = "server certificate PEM file for the TLS port" };
        var key = new Option<string?>("--key") { Description = "server private key PEM file for the TLS port" };
        var ca = new Option<string?>("--ca") { Description = "CA PEM file that signs client certificates (mutual TLS with --cert)" };
        var bind = new Option<string>("--bind") { Description = "address to listen on; loopback unless given (0.0.0.0 or :: opens it to the network, as a module over cellular needs)", DefaultValueFactory = _ => "127.0.0.1" };
        var publicHost = new Option<string?>("--public-host") { Description = "host name or address the module should dial (behind NAT or on a public host)" };
        var upstream = new Option<string?>("--upstream") { Description = "forward to this external broker host:port instead of the embedded one" };
        var timeline = new Option<string?>("--timeline") { Description = "write the timeline as JSON lines to this file as it grows (default: a temporary file)" };
        var users = new Option<string[]>("--user") { Description = "accepted login user:password (repeatable); none = anonymous", AllowMultipleArgumentsPerToken = false };
        var refuse = new Option<int?>("--refuse") { Description = "answer every CONNECT with this CONNACK return code (1-5)" };
        var control = new Option<string?>("--control-user") { Description = "user:password of the remote rig allowed on $harness/ topics (over the TLS port only; one is opened if --tls-port is not given)" };
        var writeCa = new Option<string?>("--write-ca") { Description = "write the harness CA PEM to this file (for a remote rig's broker.remoteCa or `air780 fault --ca`)" };
        var defaults = new TapLimits();
        var maxPacket = new Option<int>("--max-packet-size") { Description = "largest MQTT packet in bytes either way; a peer declaring more is closed", DefaultValueFactory = _ => defaults.MaxPacketSize };
        var connectTimeout = new Option<double>("--connect-timeout") { Description = "seconds from TCP accept to a complete CONNECT (TLS included)", DefaultValueFactory = _ => defaults.ConnectTimeout.TotalSeconds };
        var maxConnections = new Option<int>("--max-connections") { Description = "open connections in all", DefaultValueFactory = _ => defaults.MaxConnections };
        var perAddress = new Option<int>("--max-connections-per-address") { Description = "open connections from one IP address", DefaultValueFactory = _ => defaults.MaxConnectionsPerAddress };
        var command = new Command("broker", "Run the harness broker behind the wire tap and print the live MQTT timeline")
        {
            port, tlsPort, mutual, cert, key, ca, bind, publicHost, upstream, timeline, users, refuse, control,
            maxPacket, connectTimeout, maxConnections, perAddress, writeCa,
        };
        command.SetAction((result, ct) => ExitCodes.Guard(async () =>
        {
            // This process only forwards, records and prints: nothing here blocks on a socket continuation.
            InlineSocketCompletions.Enable();
            var bindText = result.GetValue(bind)!;
            if (!IPAddress.TryParse(bindText, out var address))
                throw new FormatException($"--bind \"{bindText}\" is not an IP address; use e.g. 0.0.0.0, :: or 127.0.0.1");
            if (result.GetValue(refuse) is { } code && code is < 1 or > 5)
                throw new FormatException($"--refuse {code}: a CONNACK refusal code is 1-5");
            var settings = new HarnessSettings
            {
                BindAddress = address,
                Port = result.GetValue(port),
                TlsPort = result.GetValue(tlsPort),
                MutualTls = result.GetValue(mutual),
                TlsCertPem = result.GetValue(cert),
                TlsKeyPem = result.GetValue(key),
                TlsCaPem = result.GetValue(ca),
                PublicHost = result.GetValue(publicHost),
                Upstream = result.GetValue(upstream),
                Credentials = (result.GetValue(users) ?? []).Select(u => Login(u, "--user")).ToArray(),
                RefuseCode = result.GetValue(refuse),
                TimelinePath = result.GetValue(timeline),
                ControlUser = result.GetValue(control) is { } c ? Login(c, "--control-user") : null,
                Limits = new TapLimits
                {
                    MaxPacketSize = result.GetValue(maxPacket), ConnectTimeout = TimeSpan.FromSeconds(result.GetValue(connectTimeout)),
                    MaxConnections = result.GetValue(maxConnections), MaxConnectionsPerAddress = result.GetValue(perAddress),
                }.Validated(),
            };
            if (address.Equals(IPAddress.Loopback) && settings.PublicHost is not null)
                Console.Error.WriteLine($"air780 broker: listening on loopback only, yet --public-host {settings.PublicHost} is given; modules on the network cannot reach it without --bind 0.0.0.0 (or a tunnel)");
            await using var harness = await HarnessBroker.StartAsync(settings);
            // Batched by a background writer: a console slower than the wire skips lines (and says so), never slows the tap.
            await using var printer = new TimelinePrinter(harness.Timeline, Console.Out, TimelineClock.NowUs);
            Console.Error.WriteLine($"air780 broker: module dials {harness.Plain.Host}:{harness.Plain.Port}" +
                                    (harness.Tls is { } tls ? $", TLS {tls.Host}:{tls.Port}" : "") +
                                    (settings.Upstream is { } up ? $", forwarding to {up}" : "") + "; Ctrl+C stops");
            if (harness.Certificates is { } certificates && settings.TlsCertPem is null)
                Console.Error.WriteLine($"CA for the module:\n{System.Text.Encoding.ASCII.GetString(certificates.CaPem)}");
            if (result.GetValue(writeCa) is { } caPath)
            {
                await File.WriteAllBytesAsync(caPath, (harness.Certificates ?? throw new ArgumentException("--write-ca needs a TLS endpoint: add --tls-port (or --control-user)")).CaPem, ct);
                Console.Error.WriteLine($"harness CA written to {caPath}");
            }
            if (settings.ControlUser is not null && harness.Tls is { } controlEndpoint)
                Console.Error.WriteLine($"control channel: mqtts://{controlEndpoint.Host}:{controlEndpoint.Port} (TLS only, with the harness CA)");
            try { await Task.Delay(Timeout.Infinite, ct); }
            catch (OperationCanceledException) { }
            if (settings.TimelinePath is { } path)
                Console.Error.WriteLine($"timeline in {path} ({harness.Timeline.Count} entries)");
            // Losses and refused peers are on the timeline as they happen; the totals once more at the end.
            if (harness.Violations.Count > 0)
                Console.Error.WriteLine($"connections closed for breaking a limit: {string.Join(", ", harness.Violations.Select(v => $"{v.Key} {v.Value}"))}");
            if (harness.Dropped.Count > 0)
                Console.Error.WriteLine($"messages the broker dropped to slow subscribers: {string.Join(", ", harness.Dropped.Select(d => $"{d.Key} {d.Value}"))}");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static (string, string) Login(string text, string option)
    {
        var colon = text.IndexOf(':');
        return colon > 0 ? (text[..colon], text[(colon + 1)..])
            : throw new FormatException($"{option} \"{text}\" must be user:password");
    }
}
