using System.CommandLine;
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
        count.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 1) r.AddError("--count must be at least 1."); });
        baud.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 0) r.AddError("--baud must be 0 (unpaced) or a positive line rate such as 115200."); });

        var command = new Command("twin", "Run virtual modules behind pty or TCP links until Ctrl+C") { count, profile, baud, link, agent };
        command.SetAction((result, ct) => ExitCodes.Guard(async () =>
        {
            var scripts = AgentOption.Resolve(result, agent);
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
}
