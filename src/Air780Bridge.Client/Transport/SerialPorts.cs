using System.Diagnostics;
using System.Globalization;
using System.IO.Ports;
using System.Runtime.Versioning;
using System.Text.RegularExpressions;

namespace Air780Bridge.Client.Transport;

/// <summary>A serial port and, for USB ports, its vendor, product and interface number (hex, upper case).</summary>
public sealed record SerialPortInfo(string Name, string? Vid = null, string? Pid = null, string? Interface = null)
{
    /// <summary>AirM2M's USB vendor id: every LuatOS module.</summary>
    public const string LuatosVendor = "19D1";
    /// <summary>The USB interface of the virtual UART the agent serves (MI_06 on Windows).</summary>
    public const string AgentInterface = "06";

    public bool IsLuatos => string.Equals(Vid, LuatosVendor, StringComparison.OrdinalIgnoreCase);
    public bool IsLuatosAgent => IsLuatos && Interface == AgentInterface;
}

/// <summary>
/// Lists serial ports with their USB identity, per platform: sysfs on Linux, the registry's USB enumeration on
/// Windows (the same VID_19D1&amp;PID_..&amp;MI_06 keys Device Manager shows), ioreg on macOS.
/// </summary>
public static partial class SerialPorts
{
    public static IReadOnlyList<SerialPortInfo> List()
    {
        var names = SerialPort.GetPortNames();
        Dictionary<string, SerialPortInfo> usb;
        try
        {
            usb = OperatingSystem.IsWindows() ? Windows()
                : OperatingSystem.IsMacOS() ? ParseIoreg(Ioreg())
                : names.Select(Sysfs).OfType<SerialPortInfo>().ToDictionary(p => p.Name);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception or System.Security.SecurityException)
        {
            usb = []; // the names alone still help
        }
        return names.Concat(usb.Keys).Distinct().Order(StringComparer.Ordinal)
            .Select(n => usb.TryGetValue(n, out var info) ? info : new SerialPortInfo(n)).ToList();
    }

    /// <summary>True for a path that is a terminal device (a serial port or a pty), as far as the platform tells without opening it.</summary>
    public static bool IsTerminal(string path)
    {
        var resolved = new FileInfo(path).ResolveLinkTarget(true)?.FullName ?? path;
        return resolved.StartsWith("/dev/pts/", StringComparison.Ordinal)
            || Directory.Exists($"/sys/class/tty/{Path.GetFileName(resolved)}")
            || Path.GetFileName(resolved).StartsWith("cu.", StringComparison.Ordinal) || Path.GetFileName(resolved).StartsWith("tty", StringComparison.Ordinal);
    }

    private static SerialPortInfo? Sysfs(string port)
    {
        var device = $"/sys/class/tty/{Path.GetFileName(port)}/device";
        if (!Directory.Exists(device))
            return null;
        string? Read(string dir, string file) => File.Exists(Path.Combine(dir, file)) ? File.ReadAllText(Path.Combine(dir, file)).Trim().ToUpperInvariant() : null;
        var iface = new DirectoryInfo(device).ResolveLinkTarget(true)?.FullName ?? Path.GetFullPath(device);
        var usbDevice = Path.GetDirectoryName(iface)!;
        return Read(usbDevice, "idVendor") is { } vid ? new SerialPortInfo(port, vid, Read(usbDevice, "idProduct"), Read(iface, "bInterfaceNumber")) : null;
    }

    [SupportedOSPlatform("windows")]
    private static Dictionary<string, SerialPortInfo> Windows()
    {
        var result = new Dictionary<string, SerialPortInfo>();
        using var usb = Microsoft.Win32.Registry.LocalMachine.OpenSubKey(@"SYSTEM\CurrentControlSet\Enum\USB");
        if (usb is null)
            return result;
        foreach (var id in usb.GetSubKeyNames())
        {
            using var device = usb.OpenSubKey(id);
            foreach (var instance in device?.GetSubKeyNames() ?? [])
            {
                using var parameters = device!.OpenSubKey($@"{instance}\Device Parameters");
                if (parameters?.GetValue("PortName") is string port && ParseWindowsDeviceId(port, id) is { } info)
                    result[port] = info;
            }
        }
        return result;
    }

    /// <summary>A USB device id as Windows names it, "VID_19D1&amp;PID_0001&amp;MI_06"; null when it is not one.</summary>
    public static SerialPortInfo? ParseWindowsDeviceId(string port, string deviceId)
    {
        var m = WindowsDeviceId().Match(deviceId);
        return m.Success ? new SerialPortInfo(port, m.Groups[1].Value.ToUpperInvariant(), m.Groups[2].Value.ToUpperInvariant(), m.Groups[3].Success ? m.Groups[3].Value : null) : null;
    }

    private static string Ioreg()
    {
        using var ioreg = Process.Start(new ProcessStartInfo("ioreg", "-r -c IOUSBHostDevice -l -w 0") { RedirectStandardOutput = true, UseShellExecute = false })!;
        var text = ioreg.StandardOutput.ReadToEnd();
        ioreg.WaitForExit();
        return text;
    }

    /// <summary>
    /// ioreg's tree of USB devices: a node ("+-o Name &lt;class ...&gt;") at some depth, its properties ("key" = value)
    /// below it. A port is a node with an IOCalloutDevice; its interface and device are its nearest ancestors
    /// carrying bInterfaceNumber and idVendor.
    /// </summary>
    public static Dictionary<string, SerialPortInfo> ParseIoreg(string text)
    {
        var result = new Dictionary<string, SerialPortInfo>();
        var path = new List<(int Depth, Dictionary<string, string> Props)>();
        foreach (var line in text.Split('\n'))
        {
            if (line.IndexOf("+-o ", StringComparison.Ordinal) is var at and >= 0)
            {
                while (path.Count > 0 && path[^1].Depth >= at) path.RemoveAt(path.Count - 1);
                path.Add((at, []));
                continue;
            }
            if (path.Count == 0 || IoregProperty().Match(line) is not { Success: true } p)
                continue;
            var props = path[^1].Props;
            props[p.Groups[1].Value] = p.Groups[2].Value.Trim().Trim('"');
            if (p.Groups[1].Value != "IOCalloutDevice")
                continue;
            string? Up(string key) => path.Select(n => n.Props.GetValueOrDefault(key)).LastOrDefault(v => v is not null);
            string? Hex(string? v, string format) => long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n.ToString(format, CultureInfo.InvariantCulture) : null;
            var port = props["IOCalloutDevice"];
            result[port] = new SerialPortInfo(port, Hex(Up("idVendor"), "X4"), Hex(Up("idProduct"), "X4"), Hex(Up("bInterfaceNumber"), "X2"));
        }
        return result;
    }

    [GeneratedRegex(@"VID_([0-9A-Fa-f]{4})&PID_([0-9A-Fa-f]{4})(?:&MI_([0-9A-Fa-f]{2}))?")]
    private static partial Regex WindowsDeviceId();

    [GeneratedRegex("^[\\s|]*\"([^\"]+)\" = (.+)$")]
    private static partial Regex IoregProperty();
}
