using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using Air780Bridge.Twin.Mqtt;
using Air780Bridge.Twin.Runtime;
using KeraLua;
using Serilog;

namespace Air780Bridge.Twin;

public sealed record VirtualModuleOptions
{
    public string Name { get; init; } = "twin-1";
    public FirmwareProfile Profile { get; init; } = FirmwareProfile.Default;

    /// <summary>The agent scripts; default: firmware-scripts of the repository this binary was built from.</summary>
    public string? ScriptsDirectory { get; init; }

    /// <summary>Lua source run instead of main.lua (tests, experiments); the scripts directory stays on package.path.</summary>
    public string? Script { get; init; }

    /// <summary>mobile.imei(); default: a stable IMEI derived from <see cref="Name"/>.</summary>
    public string? Imei { get; init; }
    /// <summary>mobile.iccid(); default: derived from the IMEI.</summary>
    public string? Iccid { get; init; }
    /// <summary>false: no SIM, mobile.iccid() returns nil.</summary>
    public bool SimInserted { get; init; } = true;
    /// <summary>mobile.csq(): 0..31, 0 = no signal.</summary>
    public int Csq { get; init; } = 24;

    /// <summary>Time from an uncaught error to the next boot (hardware: 15 s; shorter here so tests and runs move on).</summary>
    public TimeSpan RebootDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    public ILogger? Log { get; init; }
}

/// <summary>
/// One virtual Air780: a Lua state on its own thread with a LuatOS-like message bus, the libraries the agent
/// uses, the emulated mqtt library and the USB virtual UART. An uncaught Lua error reboots it.
/// </summary>
public sealed class VirtualModule : IModuleBus, IModuleSerial, IDisposable
{
    private const int Vuart = 0x20;
    private readonly VirtualModuleOptions _options;
    private readonly ILogger _log;
    private readonly BlockingCollection<Action> _bus = new(1024);
    private readonly Queue<(LuaRef Fn, bool Release, object?[] Args)> _luaCalls = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Stopwatch _uptime = new();
    private readonly Thread _thread;
    private readonly List<LuaFunction> _keepAlive = [];
    private readonly Dictionary<long, (LuatMqttClient Engine, LuaRef Table, LuaRef? Callback)> _clients = [];
    private readonly Dictionary<long, (TimerQueue.Handle Timer, LuaRef Fn, bool Loop)> _timers = [];
    private readonly TimerQueue _timerQueue = new();
    private Lua? _lua;
    private LuaRef? _publish;
    private long _nextId;
    private bool _uartReady;
    private bool _rebooting;
    private LuaRef? _onReceive, _onSent;
    private readonly MemoryStream _rx = new();

    public VirtualModule(VirtualModuleOptions options)
    {
        _options = options;
        _log = (options.Log ?? Serilog.Log.Logger).ForContext("Module", options.Name);
        _thread = new Thread(Run) { IsBackground = true, Name = $"twin {options.Name}" };
    }

    public string Name => _options.Name;
    public FirmwareProfile Profile => _options.Profile;
    public IModuleSerial Serial => this;
    public int BootCount { get; private set; }

    /// <summary>The VUART rx buffer size the last uart.setup chose (clamped); null while the UART is not set up.</summary>
    public int? UartBufferSize { get; private set; }

    /// <summary>The reason of each reboot ("Lua VM exit: ...", "rtos.reboot").</summary>
    public event Action<string>? Rebooted;

    /// <summary>log.info/warn/error lines of the module.</summary>
    public event Action<string>? LogLine;

    public event Action<ReadOnlyMemory<byte>>? ToHost;

    public long NowMs => _uptime.ElapsedMilliseconds;

    public void Start() => _thread.Start();

    public bool Post(Action onLuaThread) => !_stop.IsCancellationRequested && _bus.TryAdd(onLuaThread);

    public IModuleTimer CreateTimer(Action onLuaThread) => new BusTimer(this, onLuaThread);

    public void DeliverFromHost(ReadOnlySpan<byte> transfer)
    {
        var copy = transfer.ToArray();
        Post(() =>
        {
            // "usb serial not init": data before uart.setup is dropped.
            if (!_uartReady)
                return;
            _rx.Seek(0, SeekOrigin.End);
            _rx.Write(copy);
            if (_onReceive is { } fn)
                _luaCalls.Enqueue((fn, false, [(long)Vuart, (long)copy.Length]));
        });
    }

    private void Run()
    {
        while (!_stop.IsCancellationRequested)
        {
            var reason = Boot();
            if (_stop.IsCancellationRequested)
                break;
            _log.Warning("{Module}: Lua VM exit!! reboot ({Reason})", Name, reason);
            Shutdown();
            Rebooted?.Invoke(reason);
            if (_stop.Token.WaitHandle.WaitOne(_options.RebootDelay))
                break;
        }
        Shutdown();
    }

    /// <summary>Runs main.lua until the VM exits; returns why.</summary>
    private string Boot()
    {
        BootCount++;
        _uptime.Restart();
        _lua = new Lua();
        _lua.OpenLibs();
        RegisterNatives(_lua);
        var scripts = (_options.ScriptsDirectory ?? FindScripts()).Replace('\\', '/');
        if (!Run(_lua, Bootstrap, "@bootstrap.lua") || _lua.DoString($"package.path = '{scripts}/?.lua;' .. package.path"))
            return "bootstrap failed: " + _lua.ToString(-1);
        _lua.GetGlobal("sys");
        _lua.GetField(-1, "publish");
        _publish = new LuaRef(_lua.Ref(LuaRegistry.Index));
        _lua.SetTop(0);
        bool failed;
        if (_options.Script is { } script)
            failed = !Run(_lua, script, "@main.lua");
        else
        {
            var main = Path.Combine(scripts, "main.lua");
            if (!File.Exists(main))
                return $"no main.lua in {scripts}";
            failed = _lua.DoFile(main);
        }
        if (_rebooting)
            return "rtos.reboot";
        return failed ? "Lua VM exit: " + _lua.ToString(-1) : "main.lua returned";
    }

    private static bool Run(Lua lua, string chunk, string name) =>
        lua.LoadString(chunk, name) == LuaStatus.OK && lua.PCall(0, 0, 0) == LuaStatus.OK;

    private void Shutdown()
    {
        foreach (var (engine, _, _) in _clients.Values)
            engine.Close();
        _clients.Clear();
        _timerQueue.Clear();
        _timers.Clear();
        while (_bus.TryTake(out _)) { }
        _luaCalls.Clear();
        _uartReady = _rebooting = false;
        UartBufferSize = null;
        _onReceive = _onSent = null;
        _rx.SetLength(0);
        _lua?.Dispose();
        _lua = null;
    }

    private static readonly string Bootstrap = LoadBootstrap();

    private static string LoadBootstrap()
    {
        using var stream = typeof(VirtualModule).Assembly.GetManifestResourceStream("Air780Bridge.Twin.Runtime.Lua.bootstrap.lua")
            ?? throw new InvalidOperationException("bootstrap.lua is not embedded");
        return new StreamReader(stream).ReadToEnd();
    }

    private static string FindScripts()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Air780Bridge.sln")))
                return Path.Combine(dir.FullName, "firmware-scripts");
        throw new InvalidOperationException("firmware-scripts not found above " + AppContext.BaseDirectory + "; set VirtualModuleOptions.ScriptsDirectory");
    }

    // Natives --------------------------------------------------------------------------------------

    private void RegisterNatives(Lua lua)
    {
        lua.NewTable();
        lua.NewTable();
        Native(lua, "uart.setup", UartSetup);
        Native(lua, "uart.on", UartOn);
        Native(lua, "uart.read", UartRead);
        Native(lua, "uart.write", UartWrite);
        Native(lua, "uart.close", a => { VuartId(a); _uartReady = false; UartBufferSize = null; _rx.SetLength(0); return []; });
        Native(lua, "uart.rxClear", a => { VuartId(a); _rx.SetLength(0); return []; });
        Native(lua, "uart.rxSize", a => { VuartId(a); return [_rx.Length]; });
        Native(lua, "crypto.crc16", Crc16);
        Native(lua, "crypto.crc16_modbus", a => [(long)LuatCrc.Crc16Modbus(a.CheckBytes(1))]);
        // A 64-bit VM returns the CRC unsigned; the 32-bit firmware returns values >= 2^31 negative.
        Native(lua, "crypto.crc32", a => [(long)LuatCrc.Crc32(a.CheckBytes(1), (uint)(a.OptInteger(2) ?? 0xFFFFFFFF), (uint)(a.OptInteger(3) ?? 0x04C11DB7), (uint)(a.OptInteger(4) ?? 0xFFFFFFFF))]);
        Native(lua, "crypto.base64_encode", a => [LuatString.ToBase64(a.CheckBytes(1))]);
        Native(lua, "crypto.base64_decode", a => [LuatString.FromBase64(a.CheckBytes(1))]);
        Native(lua, "crypto.trng", a => [RandomNumberGenerator.GetBytes((int)Math.Clamp(a.CheckInteger(1), 0, 128))]);
        Native(lua, "json.encode", JsonEncode);
        Native(lua, "json.decode", JsonDecode);
        Native(lua, "rtos.version", RtosVersion);
        Native(lua, "rtos.bsp", _ => [Profile.Bsp]);
        Native(lua, "rtos.reboot", _ =>
        {
            // Nothing may run on after a reboot, even under pcall: every later native call fails the same way.
            _rebooting = true;
            throw new LuaRaise("rtos.reboot");
        });
        Native(lua, "rtos.receive", Receive, returnsCall: true);
        Native(lua, "mobile.imei", a => { a.OptInteger(1); return [_options.Imei ?? Imei(Name)]; });
        Native(lua, "mobile.iccid", a => { a.OptInteger(1); return [_options.SimInserted ? _options.Iccid ?? "8986" + (_options.Imei ?? Imei(Name))[..15] : null]; });
        Native(lua, "mobile.csq", _ => [(long)_options.Csq]);
        Native(lua, "mcu.ticks", _ => [NowMs]);
        Native(lua, "mcu.hz", _ => [1000L]);
        Native(lua, "mqtt.create", MqttCreate);
        foreach (var name in new[] { "auth", "keepalive", "will", "autoreconn", "on", "connect", "disconnect", "subscribe", "unsubscribe", "publish", "close", "ready", "state", "debug" })
            Native(lua, "mqttclient." + name, a => MqttCall(name, a));
        lua.SetField(-2, "functions");

        lua.NewTable();
        foreach (var (name, value) in new (string, long)[] { ("VUART_0", 0x20), ("VUART_1", 0x21), ("VUART_2", 0x22), ("None", 0), ("Odd", 1), ("Even", 2), ("LSB", 0), ("MSB", 1) })
            Constant(lua, "uart." + name, value);
        foreach (var (name, value) in LuatMqttClient.Constants(Profile))
            Constant(lua, "mqtt." + name, value);
        lua.PushLightUserData(IntPtr.Zero);
        lua.SetField(-2, "json.null");
        lua.SetField(-2, "constants");

        lua.NewTable();
        Native(lua, "toHex", a =>
        {
            var (hex, count) = LuatString.ToHex(a.CheckBytes(1), a.OptBytes(2) ?? []);
            return [hex, count];
        });
        Native(lua, "fromHex", a => [LuatString.FromHex(a.CheckBytes(1))]);
        Native(lua, "toBase64", a => [LuatString.ToBase64(a.CheckBytes(1))]);
        Native(lua, "fromBase64", a => [LuatString.FromBase64(a.CheckBytes(1))]);
        lua.SetField(-2, "string");

        lua.NewTable();
        Native(lua, "timer_start", RtTimer);
        Native(lua, "stop", a => { StopTimer(a.CheckInteger(1)); return []; });
        Native(lua, "print", a => { Print(System.Text.Encoding.UTF8.GetString(a.CheckBytes(1))); return []; });
        Native(lua, "profile", _ => [new Dictionary<string, object?> { ["sys_msg"] = Profile.SysWaitMsg }]);
        Native(lua, "bind_client", a =>
        {
            var id = a.CheckInteger(1);
            lua.PushCopy(2);
            _clients[id] = _clients[id] with { Table = new LuaRef(lua.Ref(LuaRegistry.Index)) };
            return [];
        });
        lua.SetField(-2, "rt");
        lua.SetGlobal("__twin");
    }

    private static void Constant(Lua lua, string name, long value)
    {
        lua.PushInteger(value);
        lua.SetField(-2, name);
    }

    // Natives return (true, results...) or (false, message); the bootstrap raises the message in Lua.
    private void Native(Lua lua, string name, Func<LuaArgs, object?[]> body, bool returnsCall = false)
    {
        var function = name[(name.IndexOf('.') + 1)..];
        LuaFunction fn = ptr =>
        {
            var state = Lua.FromIntPtr(ptr);
            try
            {
                if (_rebooting)
                    throw new LuaRaise("rtos.reboot");
                var results = body(new LuaArgs(state, function));
                state.PushBoolean(true);
                foreach (var r in results)
                    LuaPush.Value(state, r);
                return results.Length + 1;
            }
            catch (LuaRaise e)
            {
                state.PushBoolean(false);
                state.PushString(e.Message);
                return 2;
            }
        };
        _keepAlive.Add(fn);
        lua.PushCFunction(fn);
        lua.SetField(-2, name);
    }

    /// <summary>rtos.receive: blocks for the next bus message, runs its C part, returns the Lua callback to call.</summary>
    private object?[] Receive(LuaArgs _)
    {
        while (_luaCalls.Count == 0)
        {
            // Messages already queued happened before the timers now due: handle them first, then the timers.
            for (var queued = _bus.Count; queued > 0 && _bus.TryTake(out var earlier); queued--)
                earlier();
            foreach (var fire in _timerQueue.TakeDue())
                fire();
            if (_luaCalls.Count > 0)
                break;
            Action? item;
            try
            {
                if (!_bus.TryTake(out item, _timerQueue.WaitMs(), _stop.Token))
                    continue;
            }
            catch (OperationCanceledException)
            {
                throw new LuaRaise("module stopped");
            }
            item();
        }
        var (fn, release, args) = _luaCalls.Dequeue();
        var results = new object?[args.Length + 1];
        results[0] = fn;
        args.CopyTo(results, 1);
        if (release)
            Post(() => _lua?.Unref(LuaRegistry.Index, fn.Id));
        return results;
    }

    /// <summary>rt.timer_start(fn, ms, loop): a timer id, or nil when ms &lt; 1 (rtos.timer_start refuses those).</summary>
    private object?[] RtTimer(LuaArgs a)
    {
        var fn = a.Type(1) == LuaType.Function ? a.FunctionRef(1)!.Value : throw new LuaRaise("bad argument #1 to 'timer_start' (function expected)");
        var ms = a.CheckInteger(2);
        var loop = a.Truthy(3);
        if (ms < 1)
        {
            _lua?.Unref(LuaRegistry.Index, fn.Id);
            return [null];
        }
        var id = ++_nextId;
        var period = (int)Math.Min(ms, int.MaxValue);
        var timer = _timerQueue.Start(period, loop, () =>
        {
            if (!_timers.TryGetValue(id, out var t))
                return;
            if (!t.Loop)
                _timers.Remove(id);
            _luaCalls.Enqueue((t.Fn, !t.Loop, []));
        });
        _timers[id] = (timer, fn, loop);
        return [id];
    }

    private void StopTimer(long id)
    {
        if (_timers.Remove(id, out var t))
        {
            _timerQueue.Cancel(t.Timer);
            _lua?.Unref(LuaRegistry.Index, t.Fn.Id);
        }
    }

    /// <summary>The module's debug output (LuatOS print, which log.* go through): one line per call.</summary>
    private void Print(string line)
    {
        _log.Debug("{Module} {Line}", Name, line);
        LogLine?.Invoke(line);
    }

    private object?[] RtosVersion(LuaArgs a)
    {
        // rtos.version(true) also returns the firmware type number (0 unless the build defines one) and VM bits.
        if (Profile.RtosVersionDetails && a.Boolean(1) == true)
            return [Profile.RtosVersion, 0L, 64L];
        return [Profile.RtosVersion];
    }

    private object?[] Crc16(LuaArgs a)
    {
        var method = System.Text.Encoding.ASCII.GetString(a.CheckBytes(1));
        var data = a.Type(2) switch
        {
            LuaType.String or LuaType.Number => a.CheckBytes(2),
            LuaType.UserData => throw new LuaRaise("twin: zbuff is not emulated"),
            _ => [], // lua_tolstring gives NULL, length 0
        };
        ushort? U16(int i) => a.IsNil(i) ? null : (ushort)(long)a.CheckNumber(i);
        bool? Flag(int i) => a.IsNil(i) ? null : (byte)(long)a.CheckNumber(i) != 0;
        var p = LuatCrc.Crc16For(method, U16(3), U16(4), U16(5), Flag(6), Flag(7));
        return [(long)LuatCrc.Crc16(data, p)];
    }

    private object?[] JsonEncode(LuaArgs a)
    {
        if (a.Type(1) == LuaType.Nil)
            return [""];
        var format = LuatJson.FloatFormat(a.Type(2) is LuaType.String or LuaType.Number ? a.CheckBytes(2) : null);
        try
        {
            return [LuatJson.Encode(a.JsonValue(1, LuatJson.MaxDepth + 1), format, Profile.JsonEscapesSlash)];
        }
        catch (LuatJsonException e)
        {
            return [null, e.Message];
        }
        catch (NotSupportedException e)
        {
            throw new LuaRaise("twin: json.encode: " + e.Message);
        }
    }

    private static object?[] JsonDecode(LuaArgs a)
    {
        try
        {
            if (a.Count != 1)
                throw new LuatJsonException("bad argument #1 to '?' (expected 1 argument)");
            if (a.Type(1) is not (LuaType.String or LuaType.Number))
                throw new LuatJsonException($"bad argument #1 to '?' (string expected, got {a.TypeName(1)})");
            return [LuatJson.Decode(a.CheckBytes(1)), 1L];
        }
        catch (LuatJsonException e)
        {
            return [null, false, e.Message];
        }
    }

    // uart (USB virtual UART only: every id >= 0x20 is the same channel) ---------------------------

    /// <summary>Only the USB virtual UART exists here; a physical UART id is a loud error, not a silent no-op.</summary>
    private static long VuartId(LuaArgs a)
    {
        var id = a.CheckInteger(1);
        return id >= Vuart ? id : throw new LuaRaise($"twin: uart {id} is not emulated (only the USB virtual UART, uart.VUART_0)");
    }

    private object?[] UartSetup(LuaArgs a)
    {
        VuartId(a);
        // Baud and format mean nothing to the VUART; only the buffer size counts, clamped to [2048, max].
        UartBufferSize = (int)Math.Clamp(a.OptInteger(7) ?? 1024, 2048, Profile.VuartBufferMax);
        _uartReady = true;
        return [0L];
    }

    private object?[] UartOn(LuaArgs a)
    {
        VuartId(a);
        var ev = System.Text.Encoding.ASCII.GetString(a.CheckBytes(2));
        var fn = a.FunctionRef(3);
        if (ev is "receive" or "recv")
            _onReceive = fn;
        else if (ev == "sent")
            _onSent = fn;
        return [];
    }

    private object?[] UartRead(LuaArgs a)
    {
        VuartId(a);
        if (a.Type(3) == LuaType.UserData)
            throw new LuaRaise("twin: uart.read into a zbuff is not emulated");
        // The length is taken as uint32: < 1 reads nothing, a negative one wraps and is clamped like any > 65536.
        var requested = (uint)(a.OptInteger(2) ?? 1024);
        if (requested < 1)
            return [Array.Empty<byte>()];
        if (requested > 65536)
        {
            Print($"E/uart uart read length too much {requested}, change to 65536");
            requested = 65536;
        }
        var available = (int)_rx.Length;
        var n = Math.Min((int)requested, available);
        var data = new byte[n];
        var buffer = _rx.GetBuffer();
        Array.Copy(buffer, 0, data, 0, n);
        Array.Copy(buffer, n, buffer, 0, available - n);
        _rx.SetLength(available - n);
        return [data];
    }

    private object?[] UartWrite(LuaArgs a)
    {
        VuartId(a);
        if (a.Type(2) == LuaType.UserData)
            throw new LuaRaise("twin: uart.write of a zbuff is not emulated");
        var data = a.CheckBytes(2);
        // The optional max length counts only when it is an integer (lua_isinteger); it is a size_t, so a
        // negative one is huge and cuts nothing.
        if (a.Type(3) == LuaType.Number && a.IsInteger(3) && a.CheckInteger(3) is >= 0 and var max && max < data.Length)
            data = data[..(int)max];
        for (var offset = 0; offset < data.Length; offset += 512)
            ToHost?.Invoke(data.AsMemory(offset, Math.Min(512, data.Length - offset)));
        if (_onSent is { } fn)
            Post(() => _luaCalls.Enqueue((fn, false, [(long)Vuart])));
        return [(long)data.Length];
    }

    // mqtt -------------------------------------------------------------------------------------------

    private object?[] MqttCreate(LuaArgs a)
    {
        var adapter = a.OptInteger(1);
        var host = a.CheckBytes(2);
        var port = a.CheckInteger(3);
        MqttTlsOptions? tls = a.Type(4) switch
        {
            LuaType.Boolean when a.Truthy(4) => new MqttTlsOptions(null, null, null, null, 0),
            LuaType.Table => Tls(a.Table(4)),
            _ => null,
        };
        bool ipv6 = false;
        long? rxSize = null;
        double? connTimeout = null;
        if (a.Type(5) == LuaType.Boolean)
            ipv6 = a.Truthy(5);
        else if (a.Type(5) == LuaType.Table)
            foreach (var (key, value) in a.Table(5))
                switch (Text(key))
                {
                    case "ipv6" when value is bool b: ipv6 = b; break;
                    case "rxSize" when value is long or double: rxSize = Convert.ToInt64(value); break;
                    case "conn_timeout" when value is long or double: connTimeout = Convert.ToDouble(value); break;
                }
        var engine = LuatMqttClient.Create(this, Profile, new MqttCreateOptions(adapter, System.Text.Encoding.UTF8.GetString(host), (int)port, tls, ipv6, rxSize, connTimeout));
        if (engine is null)
            return [];
        var id = ++_nextId;
        _clients[id] = (engine, default, null);
        engine.EventSink = e => OnMqttEvent(id, e);
        return [id];
    }

    private static MqttTlsOptions Tls(List<KeyValuePair<object, object?>> table)
    {
        byte[]? Field(string name) => table.FirstOrDefault(kv => Text(kv.Key) == name).Value as byte[];
        var verify = table.FirstOrDefault(kv => Text(kv.Key) == "verify").Value is long v ? (int)v : 2;
        return new MqttTlsOptions(Field("server_cert"), Field("client_cert"), Field("client_key"), Field("client_password"), verify);
    }

    private static string? Text(object? key) => key is byte[] b ? System.Text.Encoding.UTF8.GetString(b) : key as string;

    private void OnMqttEvent(long id, MqttLuaEvent e)
    {
        if (!_clients.TryGetValue(id, out var client))
            return;
        if (e.Kind == "sys")
        {
            if (_publish is { } publish)
                _luaCalls.Enqueue((publish, false, [e.Name, client.Table, .. e.Args]));
        }
        else if (client.Callback is { } cb)
        {
            _luaCalls.Enqueue((cb, false, [client.Table, e.Name, .. e.Args]));
        }
    }

    private object?[] MqttCall(string name, LuaArgs a)
    {
        var id = a.ClientId(1);
        if (!_clients.TryGetValue(id, out var client))
            throw new LuaRaise($"twin: mqtt client {id} is gone");
        var engine = client.Engine;
        switch (name)
        {
            case "auth":
                return engine.Auth(a.OptBytes(2), a.OptBytes(3), a.OptBytes(4), a.Boolean(5) is not false);
            case "keepalive":
                return engine.Keepalive(a.OptInteger(2));
            case "will":
                return engine.Will(a.CheckBytes(2), a.OptBytes(3), a.OptInteger(4), a.OptInteger(5));
            case "autoreconn":
                return engine.Autoreconn(a.Boolean(2), a.OptInteger(3));
            case "on":
                if (client.Callback is { } old)
                    _lua?.Unref(LuaRegistry.Index, old.Id);
                var fn = a.FunctionRef(2);
                _clients[id] = client with { Callback = fn };
                engine.HasCallback = fn is not null;
                return [];
            case "connect": return engine.Connect();
            case "disconnect": return engine.Disconnect();
            case "close":
                var closed = engine.Close();
                _clients[id] = client with { Callback = null };
                return closed;
            case "ready": return engine.Ready();
            case "state": return engine.State();
            case "debug":
                try
                {
                    return engine.Debug(a.Truthy(2));
                }
                catch (InvalidOperationException e)
                {
                    throw new LuaRaise("twin: " + e.Message);
                }
            case "subscribe":
                object topics = a.Type(2) switch
                {
                    LuaType.String => a.CheckBytes(2),
                    LuaType.Table => a.Table(2).Where(kv => kv.Key is byte[]).Select(kv => new KeyValuePair<byte[], long>((byte[])kv.Key, kv.Value is long q ? q : 0)).ToList(),
                    _ => new object(),
                };
                return engine.Subscribe(topics, a.OptInteger(3));
            case "unsubscribe":
                object list = a.Type(2) == LuaType.Table
                    ? a.Table(2).Select(kv => kv.Value).OfType<byte[]>().ToList()
                    : a.CheckBytes(2);
                return engine.Unsubscribe(list);
            case "publish":
                var payload = a.Type(3) is LuaType.String or LuaType.Number ? a.CheckBytes(3) : [];
                return engine.Publish(a.CheckBytes(2), payload, a.OptInteger(4), a.OptInteger(5));
            default:
                throw new LuaRaise($"twin: mqttc:{name} is not emulated");
        }
    }

    /// <summary>A stable fake IMEI (valid Luhn digit) derived from the module name.</summary>
    public static string Imei(string name)
    {
        var seed = (uint)name.Aggregate(17, (h, c) => h * 31 + c) % 10_000_000;
        var body = $"8600000{seed:D7}";
        var sum = body.Select((c, i) => { var d = c - '0'; if (i % 2 == 1) { d *= 2; if (d > 9) d -= 9; } return d; }).Sum();
        return body + (10 - sum % 10) % 10;
    }

    public void Dispose()
    {
        _stop.Cancel();
        if (_thread.IsAlive)
            _thread.Join(TimeSpan.FromSeconds(5));
    }

    private sealed class BusTimer(VirtualModule module, Action onLuaThread) : IModuleTimer
    {
        private TimerQueue.Handle? _timer;

        public bool Active => _timer is not null;

        public void Start(int periodMs, bool repeat)
        {
            Stop();
            _timer = module._timerQueue.Start(periodMs, repeat, () =>
            {
                if (!repeat)
                    _timer = null;
                onLuaThread();
            });
            // Engines start timers from socket threads too: wake the module so it waits for the new deadline.
            module.Post(static () => { });
        }

        public void Stop()
        {
            if (_timer is { } timer)
                module._timerQueue.Cancel(timer);
            _timer = null;
        }

        public void Dispose() => Stop();
    }
}
