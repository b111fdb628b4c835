using System.IO.Ports;
using System.Net.Sockets;
using Air780Bridge.Rigs.RigFiles;

namespace Air780Bridge.Station;

/// <summary>Whether a module is on a slot's port right now: the serial device exists (it vanishes on unplug), or the TCP endpoint accepts.</summary>
public static class PortPresence
{
    public static async Task<bool> IsPresentAsync(ModuleConnection connection, CancellationToken ct)
    {
        switch (connection.Kind)
        {
            case ConnectionKind.Serial:
                var port = connection.SerialPort!;
                return OperatingSystem.IsWindows()
                    ? SerialPort.GetPortNames().Contains(port, StringComparer.OrdinalIgnoreCase)
                    : File.Exists(port);
            case ConnectionKind.Tcp:
                using (var probe = new TcpClient())
                {
                    try
                    {
                        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                        timeout.CancelAfter(TimeSpan.FromSeconds(1));
                        await probe.ConnectAsync(connection.Tcp!.Host, connection.Tcp.Port, timeout.Token);
                        return true;
                    }
                    catch (Exception e) when (e is SocketException or OperationCanceledException && !ct.IsCancellationRequested)
                    {
                        return false;
                    }
                }
            default:
                throw new InvalidOperationException($"a station slot needs a serial:// or tcp:// port, not {connection}");
        }
    }
}
