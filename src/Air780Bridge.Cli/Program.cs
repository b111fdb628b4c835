using System.CommandLine;
using Air780Bridge.Cli;
using Air780Bridge.Cli.Commands;
using Air780Bridge.Rigs.Run;
using Air780Bridge.Twin;
using Microsoft.Extensions.Configuration;
using Serilog;
using Serilog.Events;

var config = new Option<string?>("--config") { Description = "settings file (default: appsettings.json next to air780)", Recursive = true };
var logLevel = new Option<LogEventLevel?>("--log-level") { Description = "Verbose, Debug, Information, Warning, Error (logs go to stderr)", Recursive = true };
var root = new RootCommand($"Air780Bridge: drive and judge Air780E/EP modules' MQTT from a PC.\n{ExitCodes.Help}")
{
    config, logLevel,
    PortsCommand.Create(), ProbeCommand.Create(), MqttCommand.Create(), SessionCommand.Create(),
    BrokerCommand.Create(), InjectFaultCommand.Create(), CheckCommand.Create(), RunCommand.Create(agent => new TwinLauncher(agent)),
    TwinCommand.Create(StartTwin, m => m.Serial, (m, log) => m.Rebooted += log), AgentCommand.Create(),
    StationCommand.Create(() => new TwinLauncher()), ResultsCommand.Create(), HistoryCommand.Create(), YieldCommand.Create(),
};
var parsed = root.Parse(args);
try
{
    Program.Config = Settings.Load(parsed.GetValue(config));
}
catch (FileNotFoundException e)
{
    Console.Error.WriteLine($"air780: {e.Message}");
    return ExitCodes.Usage;
}
Settings.ConfigureLogging(Program.Config, parsed.GetValue(logLevel));
try
{
    // Ctrl+C cancels the command's token; `run` then still writes the reports of what finished, which takes longer than the default 2 s grace.
    var code = await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(60) });
    return code == 1 && parsed.Errors.Count > 0 ? ExitCodes.Usage : code;
}
finally
{
    await Log.CloseAndFlushAsync();
}

internal static partial class Program
{
    private static VirtualModule StartTwin(string name, string profile, AgentScripts agent)
    {
        var module = new VirtualModule(new VirtualModuleOptions { Name = name, Profile = FirmwareProfile.Get(profile), ScriptsDirectory = agent.Directory });
        module.Start();
        return module;
    }

    public static IConfiguration Config { get; set; } = new ConfigurationBuilder().Build();
}
