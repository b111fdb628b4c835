using Air780Bridge.Twin.Runtime;
using KeraLua;

namespace Air780Bridge.Twin.Libraries;

/// <summary>json: encode and decode as LuatOS's cJSON binding does them (<see cref="LuatJson"/>), and json.null.</summary>
internal sealed class JsonLibrary(FirmwareProfile profile) : ILuatLibrary
{
    public string Name => "json";

    public void Register(LuaBindings bindings)
    {
        bindings.Function("json.encode", Encode);
        bindings.Function("json.decode", Decode);
        bindings.Constant("json.null", JsonNull.Value);
    }

    private object?[] Encode(LuaArgs a)
    {
        if (a.Type(1) == LuaType.Nil)
            return [""];
        var format = LuatJson.FloatFormat(a.Type(2) is LuaType.String or LuaType.Number ? a.CheckBytes(2) : null);
        try
        {
            return [LuatJson.Encode(a.JsonValue(1, LuatJson.MaxDepth + 1), format, profile.JsonEscapesSlash)];
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

    private static object?[] Decode(LuaArgs a)
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
}
