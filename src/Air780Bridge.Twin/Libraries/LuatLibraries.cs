namespace Air780Bridge.Twin.Libraries;

/// <summary>The one list of the libraries a twin's VM gets.</summary>
internal static class LuatLibraries
{
    public static IReadOnlyList<ILuatLibrary> Create(ILuaHost host) =>
    [
        new UartLibrary(host),
        new CryptoLibrary(),
        new JsonLibrary(host.Profile),
        new RtosLibrary(host),
        new MobileLibrary(host.Options),
        new McuLibrary(host),
        new MqttLibrary(host),
        new StringLibrary(),
        new SysLibrary(host),
        new LogLibrary(host),
    ];
}
