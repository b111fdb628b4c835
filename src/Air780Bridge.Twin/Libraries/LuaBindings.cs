using Air780Bridge.Twin.Runtime;

namespace Air780Bridge.Twin.Libraries;

/// <summary>
/// What the libraries register, by the table of <c>__twin</c> the bootstrap builds the Lua libraries from:
/// "functions" and "constants" keyed "lib.name", "string" (string extensions) and "rt" (the natives the
/// bootstrap's own sys, print and mqtt client objects are built on). A name registered twice is an error.
/// </summary>
internal sealed class LuaBindings
{
    public const string Functions = "functions", Constants = "constants", StringTable = "string", RuntimeTable = "rt";

    readonly Dictionary<string, Dictionary<string, object>> _tables = new()
    {
        [Functions] = [], [Constants] = [], [StringTable] = [], [RuntimeTable] = [],
    };
    readonly Dictionary<string, string> _owners = [];
    string _library = "";

    /// <summary>Each library's registrations, checked for clashes.</summary>
    public static LuaBindings Of(IEnumerable<ILuatLibrary> libraries)
    {
        var bindings = new LuaBindings();
        foreach (var library in libraries)
        {
            bindings._library = library.Name;
            library.Register(bindings);
        }
        return bindings;
    }

    /// <summary>Table name -> entry name -> a native (<see cref="Func{LuaArgs, T}"/>) or a constant value.</summary>
    public IReadOnlyDictionary<string, Dictionary<string, object>> Tables => _tables;

    /// <summary>A library function, e.g. "uart.setup"; natives return their Lua results, or throw <see cref="LuaRaise"/>.</summary>
    public void Function(string qualified, Func<LuaArgs, object?[]> body) => Add(Functions, qualified, body);

    /// <summary>A library constant, e.g. "uart.VUART_0": a long, or <see cref="JsonNull"/> for light userdata NULL.</summary>
    public void Constant(string qualified, object value) => Add(Constants, qualified, value);

    /// <summary>A LuatOS string extension, e.g. "toHex" (string.toHex).</summary>
    public void StringFunction(string name, Func<LuaArgs, object?[]> body) => Add(StringTable, name, body);

    /// <summary>A native for the bootstrap itself (rt.name), not seen by scripts.</summary>
    public void Runtime(string name, Func<LuaArgs, object?[]> body) => Add(RuntimeTable, name, body);

    void Add(string table, string name, object value)
    {
        if (_owners.TryGetValue($"{table}:{name}", out var owner))
            throw new InvalidOperationException($"twin: {table} entry '{name}' is registered by both the {owner} and the {_library} library");
        _owners[$"{table}:{name}"] = _library;
        _tables[table][name] = value;
    }
}
