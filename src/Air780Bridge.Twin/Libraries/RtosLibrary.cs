using Air780Bridge.Twin.Runtime;

namespace Air780Bridge.Twin.Libraries;

/// <summary>rtos: the build's identity, reboot, and rtos.receive, the message loop sys.run turns.</summary>
internal sealed class RtosLibrary(ILuaHost host) : ILuatLibrary
{
    public string Name => "rtos";

    public void Register(LuaBindings bindings)
    {
        bindings.Function("rtos.version", Version);
        bindings.Function("rtos.bsp", _ => [host.Profile.Bsp]);
        bindings.Function("rtos.reboot", _ =>
        {
            host.Reboot();
            throw new LuaRaise("rtos.reboot");
        });
        bindings.Function("rtos.receive", _ => host.Receive());
    }

    private object?[] Version(LuaArgs a)
    {
        // rtos.version(true) also returns the firmware type number (0 unless the build defines one) and VM bits.
        if (host.Profile.RtosVersionDetails && a.Boolean(1) == true)
            return [host.Profile.RtosVersion, 0L, 64L];
        return [host.Profile.RtosVersion];
    }
}
