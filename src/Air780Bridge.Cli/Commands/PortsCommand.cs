using System.CommandLine;
using System.IO.Ports;
using Spectre.Console;

namespace Air780Bridge.Cli.Commands;

/// <summary>Lists serial ports; on Linux reads sysfs to mark LuatOS USB devices (VID 19D1) and their interface number.</summary>
internal static class PortsCommand
{
    private const string LuatosVendor = "19d1";

    public static Command Create()
    {
        var command = new Command("ports", "List serial ports; LuatOS modules (USB VID 19D1) are marked, the agent's port is interface 6");
        command.SetAction(_ =>
        {
            var ports = SerialPort.GetPortNames().Order().ToList();
            if (ports.Count == 0)
            {
                Console.Error.WriteLine("air780: no serial ports found; is the module plugged in and powered (PWRKEY)?");
                return ExitCodes.Ok;
            }
            var table = new Table().AddColumns("port", "usb", "interface", "note").Border(TableBorder.Rounded);
            foreach (var port in ports)
            {
                var (vid, pid, iface) = Usb(port);
                var note = vid == LuatosVendor ? iface == "06" ? "[green]LuatOS: agent port (VUART)[/]" : "LuatOS: other interface" : "";
                table.AddRow(Markup.Escape(port), vid is null ? "-" : $"{vid}:{pid}", iface ?? "-", note);
            }
            AnsiConsole.Write(table);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static (string? Vid, string? Pid, string? Interface) Usb(string port)
    {
        var device = $"/sys/class/tty/{Path.GetFileName(port)}/device";
        if (!Directory.Exists(device))
            return (null, null, null);
        string? Read(string dir, string file) => File.Exists(Path.Combine(dir, file)) ? File.ReadAllText(Path.Combine(dir, file)).Trim() : null;
        var iface = new DirectoryInfo(device).ResolveLinkTarget(true)?.FullName ?? Path.GetFullPath(device);
        var usbDevice = Path.GetDirectoryName(iface)!;
        return (Read(usbDevice, "idVendor"), Read(usbDevice, "idProduct"), Read(iface, "bInterfaceNumber"));
    }
}
