using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using Air780Bridge.Client;
using Air780Bridge.Protocol.Framing;
using Air780Bridge.Protocol.Messages;

namespace Air780Bridge.Cli.Commands;

/// <summary>
/// `air780 session CONN`: one JSON command per stdin line, results and events as JSON lines on stdout, so a
/// bash or Python rig drives a module step by step over one link. See rigs/session-example.sh.
/// </summary>
/// <remarks>
/// In:  {"id": 1, "call": "mqtt.publish", "args": [1, "t", "hi", 1]}   (JSON values: null is nil, "hex:0A0B" is binary)
///      {"id": 2, "wait": "sent", "handle": 1, "message_id": 3, "timeout": 5}
/// Out: {"id": 1, "result": [3]} | {"id": 1, "error": "...", "kind": "lua"} | {"event": "sent", "handle": 1, ...}
/// </remarks>
internal static class SessionCommand
{
    public static Command Create()
    {
        var connection = ConnectionArgument.Create();
        var command = new Command("session", "Drive a module with JSON commands on stdin; results and events as JSON lines on stdout") { connection };
        command.SetAction((result, ct) => ExitCodes.Guard(async () =>
        {
            await using var module = await Air780Client.ConnectAsync(result.GetValue(connection)!, Settings.Link(Program.Config), ct: ct);
            var output = new Lock();
            void Write(string line)
            {
                lock (output) Console.Out.WriteLine(line);
            }
            module.EventReceived += e => Write(JsonLines.Event(e));
            Write(JsonSerializer.Serialize(new SessionHello(module.Hello), SessionJson.Default.SessionHello));
            var number = 0;
            while (await Console.In.ReadLineAsync(ct) is { } line)
            {
                number++;
                if (string.IsNullOrWhiteSpace(line))
                    continue;
                Write(await Handle(module, line, number, ct));
            }
            // Every reply after the link died was an error line; the exit code must say so too.
            if (module.LinkFailure is { } failure)
                throw new LinkLostException(failure);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static async Task<string> Handle(Air780Client module, string line, int number, CancellationToken ct)
    {
        JsonElement id = default;
        try
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            id = root.TryGetProperty("id", out var given) ? given.Clone() : default;
            if (root.TryGetProperty("call", out var call))
            {
                var args = root.TryGetProperty("args", out var a) ? a.EnumerateArray().Select(LuaArguments.FromJsonArgument).ToArray() : [];
                var results = await module.CallAsync(call.GetString()!, args, ct);
                return Reply(id, "result", w => JsonLines.WriteValue(w, results));
            }
            if (root.TryGetProperty("wait", out var wait))
            {
                var proxy = module.Mqtt.Attach(root.GetProperty("handle").GetInt64());
                var timeout = TimeSpan.FromSeconds(root.TryGetProperty("timeout", out var t) ? t.GetDouble() : 10);
                var name = wait.GetString();
                long? messageId = root.TryGetProperty("message_id", out var m) ? m.GetInt64() : null;
                var e = await proxy.WaitForAsync(x => x.Name == name && (messageId is null || x.MessageId == messageId), timeout, ct);
                return Reply(id, "result", w => JsonLines.WriteEvent(w, e));
            }
            throw new FormatException("a command needs \"call\" (with \"args\") or \"wait\" (with \"handle\")");
        }
        catch (JsonException e)
        {
            return Error(id, $"line {number} is not JSON: {e.Message}", "usage");
        }
        catch (Exception e) when (e is FormatException or KeyNotFoundException or InvalidOperationException)
        {
            return Error(id, $"line {number}: {e.Message}", "usage");
        }
        catch (ModuleErrorException e)
        {
            return Error(id, e.Text, e.Kind);
        }
        catch (Exception e) when (e is LinkTimeoutException or LinkLostException or ModuleRebootedException)
        {
            return Error(id, e.Message, e is ModuleRebootedException ? "rebooted" : "link");
        }
    }

    private static string Error(JsonElement id, string error, string kind) => Reply(id, "error", w =>
    {
        w.WriteStringValue(error);
        w.WriteString("kind", kind);
    });

    /// <summary>{"<paramref name="key"/>": ..., "id": ...}: <paramref name="value"/> writes the key's value and any properties after it.</summary>
    private static string Reply(JsonElement id, string key, Action<Utf8JsonWriter> value) => JsonLines.Line(w =>
    {
        w.WriteStartObject();
        w.WritePropertyName(key);
        value(w);
        if (id.ValueKind != JsonValueKind.Undefined)
        {
            w.WritePropertyName("id");
            id.WriteTo(w);
        }
        w.WriteEndObject();
    });
}

/// <summary>The session's first line: {"hello":{...}} in snake_case, like the replies.</summary>
internal sealed record SessionHello(HelloInfo Hello);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(SessionHello))]
internal sealed partial class SessionJson : JsonSerializerContext;
