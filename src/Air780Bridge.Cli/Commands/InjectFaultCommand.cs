using System.CommandLine;
using Air780Bridge.Harness.Control;
using Air780Bridge.Harness.Faults;
using Air780Bridge.Harness.Faults.Server;

namespace Air780Bridge.Cli.Commands;

/// <summary>
/// `air780 fault HOST:PORT KIND`: injects one fault into a running harness (`air780 broker --control-user u:p`)
/// over its control channel, from any shell on the network.
/// </summary>
internal static class InjectFaultCommand
{
    public static Command Create()
    {
        var harness = new Argument<string>("harness") { Description = "host:port of `air780 broker` (its TLS port: the control channel is TLS only)" };
        var ca = new Option<FileInfo?>("--ca") { Description = "the harness CA PEM file (`air780 broker --write-ca FILE`); default: the system's trusted roots" };
        var kind = new Argument<string>("fault") { Description = string.Join(", ", FaultCommand.Names) };
        kind.AcceptOnlyFromAmong([.. FaultCommand.Names]);
        var login = new Option<string>("--control-user") { Description = "user:password given to `air780 broker --control-user`", Required = true };
        var conn = new Option<string?>("--conn") { Description = "tap connection id (c1, c2, ... as the broker prints them); default all" };
        var ms = new Option<int?>("--ms") { Description = "duration (blackhole, refuse) or delay (delay, late-connack) in milliseconds" };
        var packet = new Option<string?>("--packet") { Description = "ack to withhold/release: PUBACK, PUBREC, PUBCOMP, SUBACK, UNSUBACK, PINGRESP" };
        var clientId = new Option<string?>("--client-id") { Description = "MQTT client id: refuse-client, accept-client, mute-client, late-connack; for server faults, the client whose connections get the bytes" };
        var code = new Option<int?>("--code") { Description = "CONNACK return code 1-5 for refuse-client" };
        var packetId = new Option<int?>("--packet-id") { Description = $"server faults: the packet id the injected packet carries (default {ServerFaultArgs.StrayPacketId}, one not in flight)" };
        var topic = new Option<string?>("--topic") { Description = $"server faults: topic of an injected PUBLISH (default {ServerFaultArgs.DefaultTopic})" };
        var size = new Option<int?>("--size") { Description = "oversize: payload bytes" };
        var segment = new Option<int?>("--segment") { Description = "split: bytes per TCP segment (default 1)" };
        var command = new Command("fault", "Inject a fault into a running harness broker over its control channel. Server faults (what a broken or hostile server sends): "
            + string.Join("; ", ServerFaults.All.Select(f => $"{f.Name}: {f.Summary}")))
            { harness, kind, login, ca, conn, ms, packet, clientId, code, packetId, topic, size, segment };
        command.SetAction((result, ct) => ExitCodes.Guard(async () =>
        {
            var target = result.GetValue(harness)!;
            var colon = target.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(target[(colon + 1)..], out var port))
                throw new FormatException($"harness \"{target}\" is not host:port, e.g. 127.0.0.1:1883");
            var credentials = result.GetValue(login)!.Split(':', 2);
            if (credentials.Length != 2)
                throw new FormatException("--control-user must be user:password");
            var fault = new FaultCommand(result.GetValue(kind)!, result.GetValue(conn), result.GetValue(ms), result.GetValue(packet)?.ToUpperInvariant(),
                result.GetValue(clientId), result.GetValue(code), PacketId: result.GetValue(packetId), Topic: result.GetValue(topic),
                Size: result.GetValue(size), Segment: result.GetValue(segment));
            var caPem = result.GetValue(ca) is { } caFile
                ? caFile.Exists ? await File.ReadAllBytesAsync(caFile.FullName, ct) : throw new FileNotFoundException($"--ca {caFile}: no such file; write it with `air780 broker --write-ca FILE`")
                : null;
            await using var remote = await RemoteHarnessClient.ConnectAsync(target[..colon].Trim('[', ']'), port, credentials[0], credentials[1], caPem, ct);
            await fault.ApplyAsync(remote);
            Console.WriteLine($"sent {fault.Fault} to {target}");
            return ExitCodes.Ok;
        }));
        return command;
    }
}
