using System.Net;
using System.Net.Sockets;
using KeraLua;

namespace Air780Bridge.Client.Tests;

/// <summary>
/// The real agent (firmware-scripts) on KeraLua with the agent tests' LuatOS fakes
/// (tests/Air780Bridge.Agent.Tests/lua/agent_harness.lua), served on a loopback TCP port the way ser2net serves
/// a module's UART. Every socket read is one USB transfer; after each write the uart "sent" event fires.
/// </summary>
internal sealed class LuaAgent : IAsyncDisposable
{
    private static readonly LuaFunction Crc32Function = Crc32;
    private readonly Lock _lua = new();
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _serve;
    private Lua _state;
    private NetworkStream? _client;

    public LuaAgent(string setup = "")
    {
        _state = Boot(setup);
        _listener.Start();
        _serve = ServeAsync();
    }

    public string ConnectionString => $"tcp://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>Bytes to corrupt on their way to the host, for resync tests.</summary>
    public Func<byte[], byte[]>? ToHostFilter { get; set; }

    public static string Root => Air780Bridge.Tests.Repository.Root;

    private static Lua Boot(string setup)
    {
        var lua = new Lua();
        lua.OpenLibs();
        lua.NewTable();
        lua.PushCFunction(Crc32Function);
        lua.SetField(-2, "crc32");
        lua.SetGlobal("crypto");
        var firmware = Path.Combine(Root, "firmware-scripts").Replace("\\", "/");
        var harness = Path.Combine(Root, "tests", "Air780Bridge.Agent.Tests", "lua", "agent_harness.lua").Replace("\\", "/");
        Check(lua, lua.DoString($"package.path = '{firmware}/?.lua;' .. package.path; H = dofile('{harness}'); {TrueRandom}; {setup}; H.start()"));
        return lua;
    }

    // LuatOS's crypto.trng, seeded from the host's RNG: Lua 5.4 seeds a state from the time in seconds and an
    // address, and a reboot within the same second reused both, so the "new" boot had the old boot id (no reboot seen).
    private static string TrueRandom => $"math.randomseed({Random.Shared.NextInt64()}); " +
        "crypto.trng = function(n) local t = {} for i = 1, n do t[i] = string.char(math.random(0, 255)) end return table.concat(t) end";

    private static int Crc32(IntPtr state)
    {
        var lua = Lua.FromIntPtr(state);
        lua.PushInteger(System.IO.Hashing.Crc32.HashToUInt32(lua.ToBuffer(1)));
        return 1;
    }

    private static void Check(Lua lua, bool failed)
    {
        if (failed)
            throw new InvalidOperationException("Lua: " + lua.ToString(-1));
        lua.SetTop(0);
    }

    /// <summary>Runs Lua on the agent's state (e.g. H.fire(1, "sent", 3)) and forwards what the agent wrote.</summary>
    public void Run(string code)
    {
        byte[] output;
        lock (_lua)
        {
            Check(_state, _state.DoString(code));
            output = TakeOutput();
        }
        Send(output);
    }

    public string Eval(string expression)
    {
        lock (_lua)
        {
            Check(_state, _state.DoString("__r = tostring(" + expression + ")"));
            _state.GetGlobal("__r");
            var text = _state.ToString(-1);
            _state.SetTop(0);
            return text;
        }
    }

    /// <summary>Cuts the TCP connection, as a USB port vanishes when the module re-enumerates; the next connection is served.</summary>
    public void Unplug() => _client?.Socket.Shutdown(SocketShutdown.Both);

    /// <summary>A reboot: a fresh Lua state, so a new boot id and an unsolicited HELLO.</summary>
    public void Reboot()
    {
        lock (_lua)
        {
            _state.Dispose();
            _state = Boot("");
            Send(TakeOutput());
        }
    }

    private async Task ServeAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                using var socket = await _listener.AcceptTcpClientAsync(_stop.Token);
                socket.NoDelay = true;
                _client = socket.GetStream();
                var buffer = new byte[4096];
                int n;
                try
                {
                    while ((n = await _client.ReadAsync(buffer, _stop.Token)) > 0)
                    {
                        byte[] output;
                        lock (_lua)
                        {
                            _state.GetGlobal("H");
                            _state.GetField(-1, "transfer");
                            _state.PushBuffer(buffer.AsSpan(0, n).ToArray());
                            Check(_state, _state.PCall(1, 0, 0) != LuaStatus.OK);
                            output = TakeOutput();
                        }
                        Send(output);
                    }
                }
                catch (IOException) when (!_stop.IsCancellationRequested)
                {
                    // The connection was cut (Unplug) while reading or answering: the next one is served all the same.
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
        {
        }
    }

    // Collects H.out, then raises "sent" so the agent refills its transmit budget and writes the rest.
    private byte[] TakeOutput()
    {
        using var all = new MemoryStream();
        for (var round = 0; round < 1000; round++)
        {
            Check(_state, _state.DoString("__out = table.concat(H.out); H.out = {}"));
            _state.GetGlobal("__out");
            var chunk = _state.ToBuffer(-1) ?? [];
            _state.SetTop(0);
            if (chunk.Length == 0)
                break;
            all.Write(chunk);
            Check(_state, _state.DoString("H.sent()"));
        }
        return all.ToArray();
    }

    private void Send(byte[] bytes)
    {
        if (bytes.Length == 0 || _client is not { } stream)
            return;
        var filtered = ToHostFilter?.Invoke(bytes) ?? bytes;
        lock (_listener)
            stream.Write(filtered);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        _client?.Dispose();
        await _serve.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _state.Dispose();
    }
}
