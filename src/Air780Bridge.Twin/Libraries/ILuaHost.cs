using Air780Bridge.Twin.Runtime;

namespace Air780Bridge.Twin.Libraries;

/// <summary>What a library may ask of the module running the VM: its settings, the bus, and calls into Lua.</summary>
internal interface ILuaHost : IModuleBus
{
    VirtualModuleOptions Options { get; }
    FirmwareProfile Profile { get; }

    /// <summary>The module's timers (rtos timers, engine timers): expiries run on the Lua thread.</summary>
    TimerQueue Timers { get; }

    /// <summary>A fresh id for a timer or an mqtt client (one counter, as handles come from one pool on the module).</summary>
    long NextId();

    /// <summary>Queues <paramref name="fn"/>(<paramref name="args"/>) for the Lua loop (rtos.receive returns it);
    /// <paramref name="release"/>: drop the reference after this call (one-shot timers).</summary>
    void Call(LuaRef fn, object?[] args, bool release = false);

    /// <summary>Drops a registry reference a library no longer needs.</summary>
    void Release(LuaRef value);

    /// <summary>sys.publish of the running VM (for the mqtt library's sys_pub events); null before the bootstrap ran.</summary>
    LuaRef? SysPublish { get; }

    /// <summary>One line of the module's debug output (print, log.*, driver messages).</summary>
    void Print(string line);

    /// <summary>rtos.reboot: from now on every native call fails, so nothing runs on after it, even under pcall.</summary>
    void Reboot();

    /// <summary>rtos.receive: waits for the next bus message, runs its C part, returns the Lua callback and its arguments.</summary>
    object?[] Receive();
}
