using Air780Bridge.Client;

namespace Air780Bridge.Cli;

/// <summary>Exit codes a script can test; `air780 --help` lists them.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>The Lua call returned nil/false, or a check or scenario failed.</summary>
    public const int Failed = 1;
    public const int Usage = 2;
    public const int LinkFailure = 3;
    public const int ModuleError = 4;
    public const int ModuleRebooted = 5;

    public const string Help = "exit codes: 0 ok, 1 the Lua call returned nil/false (or a check failed), 2 bad usage or input, " +
                               "3 link failure or timeout, 4 the module raised a Lua error, 5 the module rebooted";

    /// <summary>Runs a command body, turning the failures every command shares into a message on stderr and an exit code.</summary>
    public static async Task<int> Guard(Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        // InvalidOperationException: a harness or rig that cannot do what was asked (refused login, no such connection), said in its message.
        catch (Exception e) when (e is FormatException or ArgumentException or FileNotFoundException or InvalidOperationException)
        {
            return Fail(Usage, e.Message);
        }
        catch (ModuleRebootedException e)
        {
            return Fail(ModuleRebooted, e.Message);
        }
        catch (ModuleErrorException e)
        {
            return Fail(ModuleError, e.Message);
        }
        catch (Exception e) when (e is LinkUnavailableException or LinkTimeoutException or LinkLostException or IOException)
        {
            return Fail(LinkFailure, e.Message);
        }
    }

    private static int Fail(int code, string message)
    {
        Console.Error.WriteLine($"air780: {message}");
        return code;
    }
}
