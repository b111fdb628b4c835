using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using Air780Bridge.Client;
using Air780Bridge.Protocol.Framing;
using Air780Bridge.Protocol.Messages;
using Spectre.Console;

namespace Air780Bridge.Cli.Commands;

internal static class ProbeCommand
{
    public static Command Create()
    {
        var connection = ConnectionArgument.Create();
        var json = new Option<bool>("--json") { Description = "print the HELLO as JSON" };
        var command = new Command("probe", "Show what a module says about itself (its HELLO) and the link's health") { connection, json };
        command.SetAction((result, ct) => ExitCodes.Guard(async () =>
        {
            await using var module = await Air780Client.ConnectAsync(result.GetValue(connection)!, Settings.Link(Program.Config), ct: ct);
            var rtt = await module.PingAsync(ct);
            var hello = module.Hello;
            if (result.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new ProbeOutput(hello, rtt.TotalMilliseconds, module.Stats.Reader), ProbeJson.Default.ProbeOutput));
                return ExitCodes.Ok;
            }
            var table = new Table().AddColumn("field").AddColumn("value").Border(TableBorder.Rounded);
            void Row(string name, object? value) => table.AddRow(Markup.Escape(name), Markup.Escape(value?.ToString() ?? "-"));
            Row("firmware", $"{hello.FirmwareVersion} ({hello.Bsp})");
            Row("agent", $"{hello.AgentVersion}, protocol {hello.Proto}");
            Row("lua", $"{hello.LuaVersion}, {hello.IntBits}-bit integers");
            Row("boot id", hello.BootId);
            Row("uptime", TimeSpan.FromMilliseconds(hello.UptimeMs).ToString(@"d\.hh\:mm\:ss"));
            Row("imei", hello.Imei);
            Row("iccid", hello.Iccid);
            Row("csq", hello.Csq);
            Row("uart", hello.Uart == 32 ? "32 (uart.VUART_0, USB)" : hello.Uart.ToString());
            Row("limits", $"frame {hello.MaxFrame} B, message {hello.MaxMessage} B, window {hello.RxWindow} B, event queue {hello.EventQueue} B");
            Row("mqtt constants", string.Join(", ", hello.MqttConstants.OrderBy(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}")));
            Row("ping", $"{rtt.TotalMilliseconds:0.0} ms");
            var r = module.Stats.Reader;
            Row("link", $"{r.Frames} frames received, {r.GarbageBytes} garbage bytes, {r.HeaderRejects} bad headers, {r.CrcErrors} CRC errors");
            AnsiConsole.Write(table);
            return ExitCodes.Ok;
        }));
        return command;
    }
}

/// <summary>`probe --json`: the HELLO, the ping and the link's reader counters.</summary>
internal sealed record ProbeOutput(HelloInfo Hello, double PingMs, FrameReaderStats Link);

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ProbeOutput))]
internal sealed partial class ProbeJson : JsonSerializerContext;
