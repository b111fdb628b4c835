namespace Air780Bridge.Twin.Libraries;

/// <summary>
/// One emulated LuatOS library (uart, crypto, mqtt, ...): the natives and constants it gives the Lua VM. Each is
/// one file in Libraries/ plus one line in <see cref="LuatLibraries"/>; the module only runs the VM.
/// </summary>
internal interface ILuatLibrary
{
    /// <summary>The Lua table it fills, e.g. "uart"; names it in registration errors.</summary>
    string Name { get; }

    /// <summary>Adds its natives and constants; called once per module, before the first boot.</summary>
    void Register(LuaBindings bindings);

    /// <summary>Forgets what belonged to the VM that just ended (callbacks, buffers, clients): a reboot starts clean.</summary>
    void Reset() { }
}
