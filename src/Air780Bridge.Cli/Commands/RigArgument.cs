using System.Diagnostics.CodeAnalysis;
using Air780Bridge.Rigs.Conformance;
using Air780Bridge.Rigs.RigFiles;

namespace Air780Bridge.Cli.Commands;

/// <summary>Loading the rig file a command was given: every problem printed with its line, then exit code 2.</summary>
internal static class RigArgument
{
    public static bool TryLoad(string path, [NotNullWhen(true)] out RigFile? rig)
    {
        try
        {
            rig = RigFile.Load(path, new RigLoadOptions { KnownSuites = ConformanceSuite.Suites });
            return true;
        }
        catch (RigFileException e)
        {
            foreach (var error in e.Errors)
                Console.Error.WriteLine(error);
            rig = null;
            return false;
        }
    }
}
