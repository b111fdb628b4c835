using System.CommandLine;
using Air780Bridge.Twin;

namespace Air780Bridge.Cli.Commands;

/// <summary>`air780 agent export DIR`: writes the built-in agent's scripts, ready to flash with LuaTools (firmware-scripts/README.md).</summary>
internal static class AgentCommand
{
    public static Command Create()
    {
        var dir = new Argument<string>("dir") { Description = "folder to write main.lua and the br_*.lua modules into (created if missing)" };
        var export = new Command("export", "Write the agent scripts built into air780 to a folder, for flashing a module or editing (then --agent DIR)") { dir };
        export.SetAction(result => ExitCodes.Guard(() =>
        {
            foreach (var path in AgentScripts.Embedded.Export(result.GetValue(dir)!))
                Console.WriteLine(path);
            Console.Error.WriteLine("air780: flash these with LuaTools as a script-only download; br_config.example.lua shows the settings (copy it to br_config.lua)");
            return Task.FromResult(ExitCodes.Ok);
        }));
        return new Command("agent", "The LuatOS agent built into air780") { export };
    }
}
