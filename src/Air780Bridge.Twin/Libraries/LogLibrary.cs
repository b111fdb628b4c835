namespace Air780Bridge.Twin.Libraries;

/// <summary>The debug channel print and log.* write to (the bootstrap builds both on rt.print): one line per call.</summary>
internal sealed class LogLibrary(ILuaHost host) : ILuatLibrary
{
    public string Name => "log";

    public void Register(LuaBindings bindings) =>
        bindings.Runtime("print", a => { host.Print(System.Text.Encoding.UTF8.GetString(a.CheckBytes(1))); return []; });
}
