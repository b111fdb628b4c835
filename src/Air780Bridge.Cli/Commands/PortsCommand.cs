using System.CommandLine;
using Air780Bridge.Client.Transport;
using Spectre.Console;

namespace Air780Bridge.Cli.Commands;

/// <summary>Lists serial ports and marks LuatOS USB devices (VID 19D1) and the agent's interface (6); discovery per platform is <see cref="SerialPorts"/>.</summary>
internal static class PortsCommand
{
    public static Command Create()
    {
        var command = new Command("ports", "List serial ports; LuatOS modules (USB VID 19D1) are marked, the agent's port is interface 6 " +
                                           "(Windows: MI_06); exit 1 when there is no port at all");
        command.SetAction(_ =>
        {
            var ports = SerialPorts.List();
            if (ports.Count == 0)
            {
                Console.Error.WriteLine("air780: no serial ports found; is the module plugged in and powered (PWRKEY)? " +
                    (OperatingSystem.IsWindows() ? "Device Manager should show it under Ports (COM & LPT)." : "Check `dmesg` (Linux) for a ttyACM device."));
                return ExitCodes.Failed;
            }
            var table = new Table().AddColumns("port", "usb", "interface", "note").Border(TableBorder.Rounded);
            foreach (var port in ports)
            {
                var note = port.IsLuatosAgent ? $"[green]LuatOS: agent port (VUART)[/], use {Markup.Escape(Connection(port.Name))}" : port.IsLuatos ? "LuatOS: other interface" : "";
                table.AddRow(Markup.Escape(port.Name), port.Vid is null ? "-" : $"{port.Vid}:{port.Pid}", port.Interface ?? "-", note);
            }
            AnsiConsole.Write(table);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static string Connection(string port) => port.StartsWith('/') ? $"serial://{port}" : port;
}
