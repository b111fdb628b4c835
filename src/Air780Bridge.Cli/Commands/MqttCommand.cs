using System.CommandLine;
using Air780Bridge.Client;

namespace Air780Bridge.Cli.Commands;

/// <summary>
/// `air780 mqtt CONN FUNCTION [ARGS...]`: one call of the module's mqtt library per invocation (the agent keeps
/// clients between invocations), results as a JSON array on stdout, then optionally the events as JSON lines.
/// </summary>
internal static class MqttCommand
{
    private static IReadOnlyList<string> Functions => MqttApi.FunctionNames;

    public static Command Create()
    {
        var connection = ConnectionArgument.Create();
        var function = new Argument<string>("function") { Description = $"{string.Join(", ", Functions)}, or events" };
        var args = new Argument<string[]>("args")
        {
            Description = "Lua arguments: the client handle first (except for create), then e.g. 42, true, nil, 1.5, hex:00FF, " +
                          "{\"a/b\":1} (a table), [\"a\",\"b\"] (a list), - (stdin), anything else is a string",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var events = new Option<double?>("--events") { Description = "after the call, print the client's events as JSON lines for this many seconds" };
        var until = new Option<string?>("--until") { Description = "stop printing events at the first event of this name, e.g. conack, sent:3 (exit 0), or fail at disconnect" };
        var command = new Command("mqtt", "Call one function of the module's mqtt library (create returns the handle the other calls take)")
        {
            connection, function, args, events, until,
        };
        command.SetAction((result, ct) => ExitCodes.Guard(async () =>
        {
            var name = result.GetValue(function)!;
            if (name != "events" && !Functions.Contains(name))
                throw new FormatException($"unknown mqtt function \"{name}\"; one of {string.Join(", ", Functions)}, events");
            var values = (result.GetValue(args) ?? []).Select(LuaArguments.Parse).ToArray();
            await using var module = await Air780Client.ConnectAsync(result.GetValue(connection)!, Settings.Link(Program.Config), ct: ct);
            var stream = module.Events(ct).GetAsyncEnumerator(ct);
            var pending = stream.MoveNextAsync(); // subscribe before the call so its events are not missed
            var code = ExitCodes.Ok;
            if (name != "events")
            {
                if (name != "create" && values.FirstOrDefault() is not long)
                    throw new FormatException($"{name} needs the client handle first (the number `air780 mqtt ... create` printed)");
                var results = await module.CallAsync("mqtt." + name, values, ct);
                Console.WriteLine(JsonLines.Value(results));
                if (results.Length == 0 && name == "create" || results.FirstOrDefault() is null or false && results.Length > 0 && name != "state")
                    code = ExitCodes.Failed;
            }
            if (result.GetValue(events) is not { } seconds && name != "events")
                return code;
            var handle = name == "events" ? values.FirstOrDefault() as long? : null;
            return await Follow(stream, pending, TimeSpan.FromSeconds(result.GetValue(events) ?? 10), result.GetValue(until), handle, code, ct);
        }));
        return command;
    }

    /// <summary>Prints events (of <paramref name="handle"/>'s client only, when given) until the time is up or <paramref name="until"/> arrives.</summary>
    private static async Task<int> Follow(IAsyncEnumerator<ModuleEvent> stream, ValueTask<bool> pending, TimeSpan duration, string? until, long? handle, int code, CancellationToken ct)
    {
        var printed = 0;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(duration);
        try
        {
            while (await pending.AsTask().WaitAsync(timeout.Token))
            {
                var e = stream.Current;
                pending = stream.MoveNextAsync();
                if (handle is { } h && e is MqttEvent { Handle: var other } && other != h)
                    continue;
                Console.WriteLine(JsonLines.Event(e));
                printed++;
                if (until is not null && Matches(e, until))
                    return ExitCodes.Ok;
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            if (until is not null)
            {
                Console.Error.WriteLine($"air780: no \"{until}\" event within {duration.TotalSeconds:0.#} s");
                return ExitCodes.Failed;
            }
            if (printed == 0)
                // The usual surprise: events of an earlier call went out while that call's air780 ran, not this one's.
                Console.Error.WriteLine($"air780: no events within {duration.TotalSeconds:0.#} s; each air780 call sees only what happens while it runs: " +
                                        "add --events to the call whose events you want, or keep one connection with `air780 session`");
        }
        return code;
    }

    private static bool Matches(ModuleEvent e, string until)
    {
        var parts = until.Split(':', 2);
        return e is MqttEvent m && m.Name == parts[0] && (parts.Length == 1 || m.MessageId?.ToString() == parts[1]);
    }
}
