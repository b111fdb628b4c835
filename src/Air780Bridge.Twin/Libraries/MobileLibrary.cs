namespace Air780Bridge.Twin.Libraries;

/// <summary>mobile: the identity and signal of the (always registered) cellular side, from the module's options.</summary>
internal sealed class MobileLibrary(VirtualModuleOptions options) : ILuatLibrary
{
    public string Name => "mobile";

    private string Imei => options.Imei ?? VirtualModule.Imei(options.Name);

    public void Register(LuaBindings bindings)
    {
        bindings.Function("mobile.imei", a => { a.OptInteger(1); return [Imei]; });
        bindings.Function("mobile.iccid", a => { a.OptInteger(1); return [options.SimInserted ? options.Iccid ?? "8986" + Imei[..15] : null]; });
        bindings.Function("mobile.csq", _ => [(long)options.Csq]);
    }
}
