using System.Diagnostics;
using System.Text.Json;
using System.Xml.Linq;
using Air780Bridge.Tests;

namespace Air780Bridge.Cli.Tests;

/// <summary>
/// air780 as a user installs it, not as the repository builds it: the packed .NET tool installed into a temporary
/// tool path, and the self-contained linux-x64 build (Native AOT), each run from an empty folder outside the checkout on
/// the built-in twin rig. CI passes its build/publish.sh output in AIR780_TOOL_PACKAGES and AIR780_SINGLE_FILE;
/// without them the test packs or publishes itself.
/// </summary>
public sealed class PackagedAir780Tests
{
    private static readonly TimeSpan BuildLimit = TimeSpan.FromMinutes(8);
    private static readonly TimeSpan RunLimit = TimeSpan.FromMinutes(6);

    [Fact]
    public async Task The_packed_tool_installs_and_runs_the_twin_rig_from_an_empty_folder()
    {
        using var temp = new TempDirectory("air780-tool-");
        var packages = Environment.GetEnvironmentVariable("AIR780_TOOL_PACKAGES") is { Length: > 0 } given ? Path.GetFullPath(given) : Path.Combine(temp.Path, "nupkg");
        if (packages.StartsWith(temp.Path, StringComparison.Ordinal))
            await MustRunAsync(BuildLimit, Repository.Root, "dotnet", "pack", "src/Air780Bridge.Cli", "-c", "Release", "-o", packages, "-nologo", "-v", "q");
        // Only the local folder as a source: installing must not depend on (or ask) any registry for air780.
        var config = Path.Combine(temp.Path, "nuget.config");
        await File.WriteAllTextAsync(config, $"""
            <configuration><packageSources><clear /><add key="local" value="{packages}" /></packageSources></configuration>
            """);
        var tools = Path.Combine(temp.Path, "tools");
        await MustRunAsync(BuildLimit, temp.Path, "dotnet", "tool", "install", "air780", "--tool-path", tools, "--configfile", config);

        await RunsTheTwinRigFromAnEmptyFolderAsync(Path.Combine(tools, OperatingSystem.IsWindows() ? "air780.exe" : "air780"), temp.Path);
    }

    [Fact]
    public async Task The_linux_single_file_build_runs_the_twin_rig_from_an_empty_folder()
    {
        using var temp = new TempDirectory("air780-single-");
        var exe = Environment.GetEnvironmentVariable("AIR780_SINGLE_FILE") is { Length: > 0 } given ? Path.GetFullPath(given) : Path.Combine(temp.Path, "publish", "air780");
        if (exe.StartsWith(temp.Path, StringComparison.Ordinal))
            await MustRunAsync(BuildLimit, Repository.Root, "dotnet", "publish", "src/Air780Bridge.Cli", "-c", "Release", "-r", "linux-x64", "-o", Path.GetDirectoryName(exe)!, "-nologo", "-v", "q");
        Assert.True(File.Exists(exe), $"{exe} was not built");
        // Native AOT: Lua is linked in; SQLite and the serial-port shim cannot be (Air780Bridge.Cli.csproj) and are installed beside it.
        Assert.Equal([Path.GetFileName(exe), "libSystem.IO.Ports.Native.so", "libe_sqlite3.so"],
            Directory.GetFiles(Path.GetDirectoryName(exe)!).Select(Path.GetFileName).Where(f => !f!.EndsWith(".pdb") && !f.EndsWith(".dbg")).Order(StringComparer.Ordinal));

        await RunsTheTwinRigFromAnEmptyFolderAsync(exe, temp.Path);
    }

    /// <summary>`air780 run twin` in a fresh folder: passes, and junit, json and html land under that folder.</summary>
    private static async Task RunsTheTwinRigFromAnEmptyFolderAsync(string air780, string temp)
    {
        var empty = Directory.CreateDirectory(Path.Combine(temp, "empty")).FullName;
        Assert.False(empty.StartsWith(Repository.Root, StringComparison.Ordinal), "the folder must be outside the checkout");
        var (code, stdout, stderr) = await RunAsync(RunLimit, empty, air780, "run", "twin");
        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");

        // `air780 run` ends with one line per report: its file name, then its path.
        string Reported(string file) =>
            stdout.Split('\n').Select(l => l.Trim()).First(l => l.StartsWith(file + " ", StringComparison.Ordinal))[file.Length..].Trim();
        var junit = Reported("junit.xml");
        var json = Reported("results.json");
        var html = Reported("report.html");
        Assert.All([junit, json, html], p => Assert.StartsWith(empty, p));

        var suites = XDocument.Load(junit).Root!;
        Assert.NotEmpty(suites.Descendants("testcase"));
        Assert.Empty(suites.Descendants("failure"));
        Assert.Empty(suites.Descendants("error"));
        using var results = JsonDocument.Parse(await File.ReadAllTextAsync(json));
        Assert.Equal(4, results.RootElement.GetProperty("modules").GetArrayLength());
        Assert.Contains("<html", await File.ReadAllTextAsync(html));
    }

    private static async Task MustRunAsync(TimeSpan limit, string cwd, string file, params string[] args)
    {
        var (code, stdout, stderr) = await RunAsync(limit, cwd, file, args);
        Assert.True(code == 0, $"{file} {string.Join(' ', args)}: exit {code}\n{stdout}\n{stderr}");
    }

    private static async Task<(int Code, string Out, string Err)> RunAsync(TimeSpan limit, string cwd, string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, WorkingDirectory = cwd };
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["NO_COLOR"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} ran longer than {limit}: {await stdout}\n{await stderr}");
        }
        return (process.ExitCode, await stdout, await stderr);
    }
}
