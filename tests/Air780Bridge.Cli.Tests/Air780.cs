using Air780Bridge.Tests;
using System.Diagnostics;

namespace Air780Bridge.Cli.Tests;

/// <summary>The built `air780` run as a child process: arguments in, exit code and both streams out.</summary>
internal sealed class Air780 : IAsyncDisposable
{
    private static readonly string Dll = Path.Combine(AppContext.BaseDirectory, "air780.dll");
    private readonly Process _process;
    private readonly Task<string> _stderr;

    private Air780(Process process)
    {
        _process = process;
        _stderr = process.StandardError.ReadToEndAsync();
    }

    public static Air780 Start(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Repository.Root };
        start.ArgumentList.Add(Dll);
        foreach (var a in args) start.ArgumentList.Add(a);
        // Interactive progress views and colours would make the output depend on the terminal.
        start.Environment["NO_COLOR"] = "1";
        return new Air780(Process.Start(start)!);
    }

    /// <summary>Runs to completion; fails the test if it takes longer than <paramref name="limit"/>.</summary>
    public static async Task<(int Code, string Out, string Err)> RunAsync(TimeSpan limit, params string[] args)
    {
        await using var run = Start(args);
        run._process.StandardInput.Close();
        var stdout = run._process.StandardOutput.ReadToEndAsync();
        using var cts = new CancellationTokenSource(limit);
        await run._process.WaitForExitAsync(cts.Token);
        return (run._process.ExitCode, await stdout, await run._stderr);
    }

    public StreamWriter In => _process.StandardInput;

    /// <summary>The next stdout line; fails with what stderr said when the process ends first.</summary>
    public async Task<string> NextLineAsync(TimeSpan limit)
    {
        using var cts = new CancellationTokenSource(limit);
        var line = await _process.StandardOutput.ReadLineAsync(cts.Token);
        return line ?? throw new InvalidOperationException($"air780 ended (exit {(_process.HasExited ? _process.ExitCode : -1)}): {await _stderr}");
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
