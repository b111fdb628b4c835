using System.Diagnostics;

namespace Air780Bridge.Corpus.Tests.Support;

/// <summary>A third-party program the corpus runs, found by absolute path so a pyenv or venv shim on PATH cannot stand in for it.</summary>
public sealed record Tool(string Path, string Package, string? Marker = null)
{
    public static readonly Tool MosquittoPub = new("/usr/bin/mosquitto_pub", "mosquitto-clients");
    public static readonly Tool MosquittoSub = new("/usr/bin/mosquitto_sub", "mosquitto-clients");
    /// <summary>Debian's python, which sees the python3-paho-mqtt package (a pyenv python on PATH does not).</summary>
    public static readonly Tool Python = new("/usr/bin/python3", "python3-paho-mqtt", "/usr/lib/python3/dist-packages/paho/mqtt/client.py");

    public static bool UnderCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>The program exists, and so does <see cref="Marker"/>, a file the package installs (paho is a library, not a program).</summary>
    public bool Installed => File.Exists(Path) && (Marker is null || File.Exists(Marker));

    /// <summary>Throws, naming the package to install, when the tool is missing (reached under CI, where the test is not skipped).</summary>
    public void Require()
    {
        if (!Installed) throw new InvalidOperationException($"{Marker ?? Path} is not installed; apt-get install -y {Package} (.ci/run does this)");
    }

    /// <summary>Starts the tool with its output captured; the caller waits on <see cref="ToolRun.ExitAsync"/>.</summary>
    public ToolRun Start(params string[] args)
    {
        Require();
        var start = new ProcessStartInfo(Path) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        return new ToolRun(Process.Start(start) ?? throw new InvalidOperationException($"{Path} did not start"), $"{System.IO.Path.GetFileName(Path)} {string.Join(' ', args)}");
    }

    /// <summary>Runs to exit and asserts exit code 0, showing the tool's output when it is not.</summary>
    public async Task<string> RunAsync(params string[] args)
    {
        await using var run = Start(args);
        return await run.SucceededAsync();
    }
}

/// <summary>One running tool process; disposing kills it if it is still running.</summary>
public sealed class ToolRun : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Task<string> _stdout;
    private readonly Task<string> _stderr;

    public ToolRun(Process process, string commandLine)
    {
        _process = process;
        CommandLine = commandLine;
        _process.StandardInput.Close();
        _stdout = process.StandardOutput.ReadToEndAsync();
        _stderr = process.StandardError.ReadToEndAsync();
    }

    public string CommandLine { get; }

    /// <summary>Waits for the process to end by itself (every corpus command ends on an event: a message, a count, a
    /// disconnect); past the limit it is killed and its output shown.</summary>
    public async Task<(int Code, string Out, string Err)> ExitAsync(TimeSpan? limit = null)
    {
        // Longer than the clients' own waits, so a client that gives up says why before this kills it.
        var wait = limit ?? CorpusSession.Timeout * 1.5;
        using var cts = new CancellationTokenSource(wait);
        try { await _process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"`{CommandLine}` still running after {wait.TotalSeconds:0} s, killed\nstdout: {await _stdout}\nstderr: {await _stderr}");
        }
        return (_process.ExitCode, await _stdout, await _stderr);
    }

    public async Task<string> SucceededAsync(TimeSpan? limit = null)
    {
        var (code, stdout, stderr) = await ExitAsync(limit);
        Assert.True(code == 0, $"`{CommandLine}` exited {code}\nstdout: {stdout}\nstderr: {stderr}");
        return stdout;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}

/// <summary>
/// A fact that needs third-party tools: skipped, saying what to install, on a developer machine without them; run
/// (and so failing in <see cref="Tool.Require"/>) under CI, where a missing tool is a broken pipeline, not a skip.
/// </summary>
public sealed class ToolFactAttribute : FactAttribute
{
    public ToolFactAttribute(params string[] tools) => Skip = SkipReason(tools.Select(Find), Tool.UnderCi);

    /// <summary>Why to skip: null when every tool is installed, and always null under CI, where the test must run and fail.</summary>
    public static string? SkipReason(IEnumerable<Tool> tools, bool underCi)
    {
        var missing = tools.Where(t => !t.Installed).ToList();
        return missing.Count == 0 || underCi ? null
            : $"{string.Join(", ", missing.Select(t => t.Marker ?? t.Path))} not installed (apt-get install -y {string.Join(' ', missing.Select(t => t.Package).Distinct())}); CI=true fails instead of skipping";
    }

    private static Tool Find(string name) => name switch
    {
        "mosquitto" => Tool.MosquittoPub,
        "paho" => Tool.Python,
        _ => throw new ArgumentException($"unknown corpus tool '{name}'; use mosquitto or paho"),
    };
}
