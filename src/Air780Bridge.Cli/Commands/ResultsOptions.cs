using System.CommandLine;
using Air780Bridge.Results;
using Air780Bridge.Rigs.RigFiles;
using Microsoft.Extensions.Configuration;

namespace Air780Bridge.Cli.Commands;

/// <summary>The options every command that reads or writes the results store shares, and how they resolve.</summary>
internal static class ResultsOptions
{
    public static Option<string?> Store() => new("--results")
    {
        Description = $"results store: a SQLite file, or a PostgreSQL connection string (postgresql://user:pass@host/db or Host=...;Database=...) " +
                      $"shared by a line's stations (default: setting {StoreLocation.SettingKey}, else {StoreLocation.DefaultFile} next to the run folders)",
    };

    public static Option<string?> Station() => new("--station") { Description = "station name stored with each run (default: setting Results:Station, else this PC's name)" };

    public static Option<string?> Operator() => new("--operator") { Description = "operator stored with each run (default: the login name)" };

    public static Option<bool> Json() => new("--json") { Description = "print JSON instead of a table" };

    /// <summary>--results, else the setting, else results.db in <paramref name="defaultFolder"/> (default: the parent of the rigs' default run folder).</summary>
    public static StoreLocation Resolve(string? option, string? defaultFolder = null) =>
        StoreLocation.Resolve(option, Program.Config[StoreLocation.SettingKey], defaultFolder ?? StoreLocation.DefaultFolderOf(RigFile.DefaultOutput));

    public static string? StationName(string? option) =>
        !string.IsNullOrWhiteSpace(option) ? option : Program.Config["Results:Station"] is { Length: > 0 } s && !string.IsNullOrWhiteSpace(s) ? s : null;
}
