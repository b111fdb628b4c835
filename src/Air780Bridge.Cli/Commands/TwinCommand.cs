using System.CommandLine;
using Air780Bridge.Rigs.Load;
using Air780Bridge.Rigs.RigFiles;
using Air780Bridge.Twin;

namespace Air780Bridge.Cli.Commands;

/// <summary>
/// `air780 twin`: runs virtual modules until Ctrl+C. Generic over the module type so this file does not
/// fix how a module is built; Program.cs passes the VirtualModule constructor, its Serial and its reboot hook.
/// </summary>
internal static class TwinCommand
{
    public static Command Create<TModule>(
        Func<string, string, AgentScripts, TModule> createModule,
        Func<TModule, IModuleSerial> serialOf,
        Action<TModule, Action<string>>? onReboot = null) where TModule : IDisposable
    {
        var count = new Option<int>("--count") { Description = "how many twins to start (twin-1..N)", DefaultValueFactory = _ => 1 };
        var profile = new Option<string>("--profile") { Description = "module profile the twins emulate", DefaultValueFactory = _ => FirmwareProfile.Default.Name };
        var baud = new Option<int>("--baud") { Description = "pace each link at baud/10 bytes per second; 0 = unpaced", DefaultValueFactory = _ => 0 };
        var available = LinkKind.All.Where(k => k.Available).ToList();
        var link = new Option<string>("--link")
        {
            Description = "how clients reach a twin: " + string.Join("; ", available.Select(k => $"{k.Name} = {k.Description}")),
            DefaultValueFactory = _ => LinkKind.Default.Name,
        };
        link.AcceptOnlyFromAmong(available.Select(k => k.Name).ToArray());
        var agent = AgentOption.Create();
        var broker = new Option<string?>("--broker")
        {
            Description = "load generator: each twin connects one mqtt client to this broker (mqtt://host:port or host:port) and keeps it alive; the twins are driven from this process over in-memory links",
        };
        var keepalive = new Option<int>("--keepalive") { Description = "with --broker: each client's keep alive in seconds", DefaultValueFactory = _ => 60 };
        var clientIdPrefix = new Option<string>("--client-id-prefix") { Description = "with --broker: client ids are PREFIX-1..N", DefaultValueFactory = _ => "air780-twin" };
        var username = new Option<string?>("--username") { Description = "with --broker: the clients' user name" };
        var password = new Option<string?>("--password") { Description = "with --broker: the clients' password" };
        count.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 1) r.AddError("--count must be at least 1."); });
        baud.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 0) r.AddError("--baud must be 0 (unpaced) or a positive line rate such as 115200."); });

        broker.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is { } text && BrokerAddress(text) is null)
                r.AddError($"--broker \"{text}\" is not mqtt://host:port or host:port, e.g. mqtt://192.168.1.10:1883");
        });
        keepalive.Validators.Add(r => { if (r.GetValueOrDefault<int>() is < 0 or > 65535) r.AddError("--keepalive must be 0..65535 seconds."); });

        var command = new Command("twin", "Run virtual modules behind pty or TCP links until Ctrl+C; with --broker, a load generator of N twins on your broker")
        {
            count, profile, baud, link, agent, broker, keepalive, clientIdPrefix, username, password,
        };
        command.Validators.Add(r =>
        {
            var linkName = r.GetResult(link) is { Implicit: false } ? r.GetValue(link) : null;
            if (r.GetValue(broker) is not null && linkName is not null && linkName != LinkKind.Memory.Name)
                r.AddError("with --broker the twins are driven from this process over in-memory links; leave out --link");
            if (r.GetValue(broker) is null && linkName == LinkKind.Memory.Name)
                r.AddError("the memory link serves only this process: use it with --broker, or --link pty/tcp to reach the twins from other programs");
        });
        command.SetAction((result, ct) => ExitCodes.Guard(async () =>
        {
            var scripts = AgentOption.Resolve(result, agent);
            if (result.GetValue(broker) is { } url)
            {
                var (brokerHost, brokerPort) = BrokerAddress(url)!;
                return await RunFleetAsync(new FleetOptions
                {
                    Count = result.GetValue(count), BrokerHost = brokerHost, BrokerPort = brokerPort, KeepaliveSeconds = result.GetValue(keepalive),
                    ClientIdPrefix = result.GetValue(clientIdPrefix)!, Username = result.GetValue(username), Password = result.GetValue(password),
                    Profile = result.GetValue(profile)!, Agent = scripts,
                }, ct);
            }
            var options = new TwinHostOptions
            {
                Count = result.GetValue(count),
                Profile = result.GetValue(profile)!,
                Baud = result.GetValue(baud),
                Link = LinkKind.Get(result.GetValue(link)!),
            };
            using var host = new TwinHost<TModule>(options, (name, p) => createModule(name, p, scripts), serialOf);
            foreach (var twin in host.Twins)
            {
                var name = twin.Name;
                onReboot?.Invoke(twin.Module, reason => Console.Error.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {name} rebooted: {reason}"));
                Console.WriteLine($"{name}  {twin.ConnectionString}   (try: air780 probe {twin.ConnectionString})");
            }
            Console.WriteLine($"Twins running the {scripts.Source}; press Ctrl+C to stop.");
            // System.CommandLine cancels ct on Ctrl+C; the host is disposed on the way out.
            try { await Task.Delay(Timeout.Infinite, ct); }
            catch (OperationCanceledException) { }
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static HostPort? BrokerAddress(string text) =>
        HostPort.TryParseMqttUrl(text, out var url) ? url : HostPort.TryParse(text, out var plain, out _) && plain.Port > 0 ? plain : null;

    /// <summary>Starts the fleet, then prints its counts every 10 s until Ctrl+C. Exit 0 while every twin holds its
    /// connection; 1 when one failed to connect or lost it, at once when none connected.</summary>
    private static async Task<int> RunFleetAsync(FleetOptions options, CancellationToken ct)
    {
        Console.WriteLine($"starting {options.Count} twins ({options.Profile}) on {options.BrokerHost}:{options.BrokerPort}, keep alive {options.KeepaliveSeconds} s, {options.Parallel} at a time");
        var lastReport = 0L;
        var progress = new Progress<int>(done =>
        {
            // A line every 2 s at most, and the last one: 5,000 lines would bury the counts.
            if (Environment.TickCount64 - Interlocked.Read(ref lastReport) < 2000 && done != options.Count) return;
            Interlocked.Exchange(ref lastReport, Environment.TickCount64);
            Console.WriteLine($"  {done}/{options.Count} started");
        });
        await using var fleet = await TwinFleet.StartAsync(options, progress, ct);
        if (fleet.Status() is { Connected: 0 } none)
        {
            // Nothing to keep alive: say why rather than run on.
            Console.Error.WriteLine($"air780: no twin connected to {options.BrokerHost}:{options.BrokerPort} (first: {none.FirstFailure}); is the broker running there and reachable?");
            return ExitCodes.Failed;
        }
        Console.WriteLine($"{fleet.Status()}; press Ctrl+C to stop.");
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(10));
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
                Console.WriteLine($"{DateTime.UtcNow:HH:mm:ss} {fleet.Status()}");
        }
        catch (OperationCanceledException) { }
        var status = fleet.Status();
        Console.WriteLine($"stopping: {status}");
        return status.Failed == 0 && status.Disconnects == 0 && status.Reboots == 0 ? ExitCodes.Ok : ExitCodes.Failed;
    }
}
