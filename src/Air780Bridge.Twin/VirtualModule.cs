using System.Collections.Concurrent;
using System.Diagnostics;
using Air780Bridge.Twin.Libraries;
using Air780Bridge.Twin.Runtime;
using KeraLua;
using Serilog;

namespace Air780Bridge.Twin;

public sealed record VirtualModuleOptions
{
    public string Name { get; init; } = "twin-1";
    public FirmwareProfile Profile { get; init; } = FirmwareProfile.Default;

    /// <summary>The agent scripts' folder; default: the agent embedded in this build (<see cref="AgentScripts.Embedded"/>).</summary>
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
/// One virtual Air780: a Lua state on its own thread with a LuatOS-like message bus, running the agent on the
/// emulated libraries (<see cref="LuatLibraries"/>; the uart one is the USB virtual UART). An uncaught Lua error reboots it.
/// </summary>
public sealed class VirtualModule : IModuleBus, IModuleSerial, ILuaHost, IDisposable
{
    private readonly VirtualModuleOptions _options;
    private readonly ILogger _log;
    private readonly BlockingCollection<Action> _bus = new(1024);
    private readonly Queue<(LuaRef Fn, bool Release, object?[] Args)> _luaCalls = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Stopwatch _uptime = new();
    private readonly Thread _thread;
    private readonly TimerQueue _timerQueue = new();
    private readonly IReadOnlyList<ILuatLibrary> _libraries;
    private readonly UartLibrary _uart;
    // The __twin tables the bootstrap reads, natives already wrapped (once: the delegates must outlive every VM).
    private readonly List<(string Table, List<(string Name, object Value)> Entries)> _natives;
    private Lua? _lua;
    private LuaRef? _publish;
    private long _nextId;
    private bool _rebooting;

    public VirtualModule(VirtualModuleOptions options)
    {
        _options = options;
        _log = (options.Log ?? Serilog.Log.Logger).ForContext("Module", options.Name);
        _thread = new Thread(Run) { IsBackground = true, Name = $"twin {options.Name}" };
        _timerQueue.Late = ms => TimerLate?.Invoke(TimeSpan.FromMilliseconds(ms));
        _libraries = LuatLibraries.Create(this);
        _uart = _libraries.OfType<UartLibrary>().Single();
        _natives = LuaBindings.Of(_libraries).Tables
            .Select(t => (t.Key, t.Value.Select(e => (e.Key, e.Value is Func<LuaArgs, object?[]> body ? Native(e.Key, body) : e.Value)).ToList()))
            .ToList();
    }

    public string Name => _options.Name;
    public FirmwareProfile Profile => _options.Profile;
    public IModuleSerial Serial => _uart;
    public int BootCount { get; private set; }

    /// <summary>The VUART rx buffer size the last uart.setup chose (clamped); null while the UART is not set up.</summary>
    public int? UartBufferSize => _uart.BufferSize;

    /// <summary>The reason of each reboot ("Lua VM exit: ...", "rtos.reboot").</summary>
    public event Action<string>? Rebooted;

    /// <summary>log.info/warn/error lines of the module.</summary>
    public event Action<string>? LogLine;

    /// <summary>On the module's thread, whenever it takes due timers: how late the latest ran. A twin's lateness is
    /// this machine's (its thread was busy or not run), not the firmware's, so a rig records it as a host stall.</summary>
    public event Action<TimeSpan>? TimerLate;

    public event Action<ReadOnlyMemory<byte>>? ToHost
    {
        add => _uart.ToHost += value;
        remove => _uart.ToHost -= value;
    }

    public long NowMs => _uptime.ElapsedMilliseconds;

    public void Start() => _thread.Start();

    public void TransmitCompleted(int bytes) => _uart.TransmitCompleted(bytes);

    public void DeliverFromHost(ReadOnlySpan<byte> transfer) => _uart.DeliverFromHost(transfer);

    public bool Post(Action onLuaThread) => !_stop.IsCancellationRequested && _bus.TryAdd(onLuaThread);

    public IModuleTimer CreateTimer(Action onLuaThread) => new BusTimer(this, onLuaThread);

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
        PushNatives(_lua);
        var scripts = (_options.ScriptsDirectory ?? AgentScripts.Embedded.Directory).Replace('\\', '/');
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
        // Libraries first: closing mqtt clients posts their last events, which the drain below drops.
        foreach (var library in _libraries)
            library.Reset();
        _timerQueue.Clear();
        while (_bus.TryTake(out _)) { }
        _luaCalls.Clear();
        _rebooting = false;
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

    // Natives --------------------------------------------------------------------------------------

    /// <summary>Sets the global __twin the bootstrap builds the libraries from (and then removes).</summary>
    private void PushNatives(Lua lua)
    {
        lua.NewTable();
        foreach (var (table, entries) in _natives)
        {
            lua.NewTable();
            foreach (var (name, value) in entries)
            {
                if (value is LuaFunction fn)
                    lua.PushCFunction(fn);
                else
                    LuaPush.Value(lua, value);
                lua.SetField(-2, name);
            }
            lua.SetField(-2, table);
        }
        lua.SetGlobal("__twin");
    }

    // Natives return (true, results...) or (false, message); the bootstrap raises the message in Lua.
    private LuaFunction Native(string name, Func<LuaArgs, object?[]> body)
    {
        var function = name[(name.IndexOf('.') + 1)..];
        return ptr =>
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
    }

    // What the libraries ask of the module (ILuaHost) -----------------------------------------------

    VirtualModuleOptions ILuaHost.Options => _options;

    TimerQueue ILuaHost.Timers => _timerQueue;

    LuaRef? ILuaHost.SysPublish => _publish;

    long ILuaHost.NextId() => ++_nextId;

    void ILuaHost.Call(LuaRef fn, object?[] args, bool release) => _luaCalls.Enqueue((fn, release, args));

    void ILuaHost.Release(LuaRef value) => _lua?.Unref(LuaRegistry.Index, value.Id);

    // Nothing may run on after a reboot, even under pcall: every later native call fails the same way.
    void ILuaHost.Reboot() => _rebooting = true;

    /// <summary>The module's debug output (LuatOS print, which log.* go through): one line per call.</summary>
    void ILuaHost.Print(string line)
    {
        _log.Debug("{Module} {Line}", Name, line);
        LogLine?.Invoke(line);
    }

    /// <summary>rtos.receive: blocks for the next bus message, runs its C part, returns the Lua callback to call.</summary>
    object?[] ILuaHost.Receive()
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
