using Air780Bridge.Twin.Runtime;
using KeraLua;

namespace Air780Bridge.Twin.Libraries;

/// <summary>
/// The natives the bootstrap's sys is built on: rtos timers (rt.timer_start / rt.stop, whose expiry calls a Lua
/// function through the message loop) and which sys this build has (rt.profile).
/// </summary>
internal sealed class SysLibrary(ILuaHost host) : ILuatLibrary
{
    private readonly Dictionary<long, (TimerQueue.Handle Timer, LuaRef Fn, bool Loop)> _timers = [];

    public string Name => "sys";

    public void Register(LuaBindings bindings)
    {
        bindings.Runtime("timer_start", TimerStart);
        bindings.Runtime("stop", a => { Stop(a.CheckInteger(1)); return []; });
        bindings.Runtime("profile", _ => [new Dictionary<string, object?> { ["sys_msg"] = host.Profile.SysWaitMsg }]);
    }

    public void Reset() => _timers.Clear();

    /// <summary>rt.timer_start(fn, ms, loop): a timer id, or nil when ms &lt; 1 (rtos.timer_start refuses those).</summary>
    private object?[] TimerStart(LuaArgs a)
    {
        var fn = a.Type(1) == LuaType.Function ? a.FunctionRef(1)!.Value : throw new LuaRaise("bad argument #1 to 'timer_start' (function expected)");
        var ms = a.CheckInteger(2);
        var loop = a.Truthy(3);
        if (ms < 1)
        {
            host.Release(fn);
            return [null];
        }
        var id = host.NextId();
        var period = (int)Math.Min(ms, int.MaxValue);
        var timer = host.Timers.Start(period, loop, () =>
        {
            if (!_timers.TryGetValue(id, out var t))
                return;
            if (!t.Loop)
                _timers.Remove(id);
            host.Call(t.Fn, [], release: !t.Loop);
        });
        _timers[id] = (timer, fn, loop);
        return [id];
    }

    private void Stop(long id)
    {
        if (_timers.Remove(id, out var t))
        {
            host.Timers.Cancel(t.Timer);
            host.Release(t.Fn);
        }
    }
}
