using KeraLua;

namespace Air780Bridge.Twin.Runtime;

/// <summary>Raised by a native to make the calling Lua code fail with this message (as luaL_error would).</summary>
internal sealed class LuaRaise(string message) : Exception(message);

/// <summary>A value held in the Lua registry (a callback, a client object).</summary>
internal readonly record struct LuaRef(int Id);

/// <summary>The arguments of a native call, read with the checks LuatOS's C code applies (luaL_check*/opt*).</summary>
internal sealed class LuaArgs(Lua lua, string function)
{
    public int Count => lua.GetTop();

    public LuaType Type(int i) => i <= Count ? lua.Type(i) : LuaType.None;

    public bool IsNil(int i) => Type(i) is LuaType.Nil or LuaType.None;

    public byte[] CheckBytes(int i) => Type(i) is LuaType.String or LuaType.Number ? lua.ToBuffer(i) ?? [] : throw Bad(i, "string");

    public byte[]? OptBytes(int i) => IsNil(i) ? null : CheckBytes(i);

    public long CheckInteger(int i)
    {
        if (Type(i) == LuaType.Number)
        {
            if (lua.IsInteger(i))
                return lua.ToInteger(i);
            var d = lua.ToNumber(i);
            if (d == Math.Floor(d))
                return (long)d;
            throw new LuaRaise($"bad argument #{i} to '{function}' (number has no integer representation)");
        }
        throw Bad(i, "number");
    }

    public long? OptInteger(int i) => IsNil(i) ? null : CheckInteger(i);

    public double CheckNumber(int i) => Type(i) == LuaType.Number ? lua.ToNumber(i) : throw Bad(i, "number");

    public bool IsInteger(int i) => lua.IsInteger(i);

    public string TypeName(int i) => Type(i) == LuaType.None ? "no value" : lua.TypeName(Type(i));

    public bool? Boolean(int i) => Type(i) == LuaType.Boolean ? lua.ToBoolean(i) : null;

    public bool Truthy(int i) => lua.ToBoolean(i);

    /// <summary>A table's entries in iteration order (keys and values converted).</summary>
    public List<KeyValuePair<object, object?>> Table(int i)
    {
        var entries = new List<KeyValuePair<object, object?>>();
        lua.PushNil();
        while (lua.Next(i))
        {
            var key = Read(-2);
            if (key is not null)
                entries.Add(new(key, Read(-1)));
            lua.Pop(1);
        }
        return entries;
    }

    public LuaRef? FunctionRef(int i) => Type(i) == LuaType.Function ? Ref(i) : null;

    /// <summary>Keeps argument <paramref name="i"/> (any value) in the registry, for later calls or pushes.</summary>
    public LuaRef Ref(int i)
    {
        lua.PushCopy(i);
        return new LuaRef(lua.Ref(LuaRegistry.Index));
    }

    /// <summary>Any Lua value for json.encode: tables read recursively (no deeper than <paramref name="maxDepth"/>
    /// levels, so cycles end), json.null as <see cref="JsonNull"/>, unrepresentable values as <see cref="LuaOpaque"/>.</summary>
    public object? JsonValue(int i, int maxDepth) => ReadDeep(lua.AbsIndex(i), maxDepth);

    private object? ReadDeep(int index, int depthLeft)
    {
        switch (lua.Type(index))
        {
            case LuaType.Table:
                var entries = new List<KeyValuePair<object, object?>>();
                if (depthLeft <= 0)
                    return new LuaTableValue(entries);
                if (!lua.CheckStack(3))
                    throw new LuaRaise("stack overflow");
                lua.PushNil();
                while (lua.Next(index))
                {
                    var top = lua.GetTop();
                    var key = lua.Type(top - 1) switch
                    {
                        LuaType.Table => new LuaOpaque("table"),
                        _ => ReadDeep(top - 1, 0)!,
                    };
                    entries.Add(new(key, ReadDeep(top, depthLeft - 1)));
                    lua.Pop(1);
                }
                return new LuaTableValue(entries);
            case LuaType.LightUserData when lua.ToUserData(index) == IntPtr.Zero:
                return JsonNull.Value;
            case LuaType.Nil or LuaType.None:
                return null;
            case LuaType.String or LuaType.Number or LuaType.Boolean:
                return Read(index);
            case var other:
                return new LuaOpaque(lua.TypeName(other));
        }
    }

    public long ClientId(int i)
    {
        if (Type(i) != LuaType.Table)
            throw Bad(i, "MQTTCTRL*");
        lua.GetField(i, "__id");
        var id = lua.ToInteger(-1);
        lua.Pop(1);
        return id;
    }

    private object? Read(int index) => lua.Type(index) switch
    {
        LuaType.String => lua.ToBuffer(index),
        // Boxed separately: a bare ?: would promote the integer to double.
        LuaType.Number => lua.IsInteger(index) ? (object)lua.ToInteger(index) : lua.ToNumber(index),
        LuaType.Boolean => lua.ToBoolean(index),
        _ => null,
    };

    private LuaRaise Bad(int i, string expected) =>
        new($"bad argument #{i} to '{function}' ({expected} expected, got {TypeName(i)})");
}

internal static class LuaPush
{
    /// <summary>Pushes a C# value as Lua: byte[] and string as strings, dictionaries as tables, LuaRef from the registry.</summary>
    public static void Value(Lua lua, object? value)
    {
        switch (value)
        {
            case null: lua.PushNil(); break;
            case bool b: lua.PushBoolean(b); break;
            case long l: lua.PushInteger(l); break;
            case int n: lua.PushInteger(n); break;
            case double d: lua.PushNumber(d); break;
            case byte[] bytes: lua.PushBuffer(bytes); break;
            case string s: lua.PushString(s); break;
            case LuaRef r: lua.RawGetInteger(LuaRegistry.Index, r.Id); break;
            case JsonNull: lua.PushLightUserData(IntPtr.Zero); break;
            case LuaTableValue table:
                lua.CheckStack(3);
                lua.NewTable();
                foreach (var (k, v) in table.Entries)
                {
                    Value(lua, k);
                    Value(lua, v);
                    lua.RawSet(-3);
                }
                break;
            case IReadOnlyDictionary<string, object?> map:
                lua.NewTable();
                foreach (var (k, v) in map)
                {
                    Value(lua, v);
                    lua.SetField(-2, k);
                }
                break;
            case IReadOnlyDictionary<string, long> map:
                lua.NewTable();
                foreach (var (k, v) in map)
                {
                    lua.PushInteger(v);
                    lua.SetField(-2, k);
                }
                break;
            default:
                throw new InvalidOperationException($"twin: no Lua form for {value.GetType().Name}");
        }
    }
}
