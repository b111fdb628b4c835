namespace Air780Bridge.Twin.Libraries;

/// <summary>mcu: the tick counter, in milliseconds since boot.</summary>
internal sealed class McuLibrary(ILuaHost host) : ILuatLibrary
{
    public string Name => "mcu";

    public void Register(LuaBindings bindings)
    {
        bindings.Function("mcu.ticks", _ => [host.NowMs]);
        bindings.Function("mcu.hz", _ => [1000L]);
    }
}
