using Air780Bridge.Twin.Runtime;

namespace Air780Bridge.Twin.Libraries;

/// <summary>LuatOS's string extensions (string.toHex, ...); the bootstrap adds them to Lua's own string table.</summary>
internal sealed class StringLibrary : ILuatLibrary
{
    public string Name => "string";

    public void Register(LuaBindings bindings)
    {
        bindings.StringFunction("toHex", a =>
        {
            var (hex, count) = LuatString.ToHex(a.CheckBytes(1), a.OptBytes(2) ?? []);
            return [hex, count];
        });
        bindings.StringFunction("fromHex", a => [LuatString.FromHex(a.CheckBytes(1))]);
        bindings.StringFunction("toBase64", a => [LuatString.ToBase64(a.CheckBytes(1))]);
        bindings.StringFunction("fromBase64", a => [LuatString.FromBase64(a.CheckBytes(1))]);
    }
}
