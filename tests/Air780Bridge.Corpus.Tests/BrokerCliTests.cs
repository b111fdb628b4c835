using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Air780Bridge.Corpus.Tests.Support;
using Air780Bridge.Harness.Checks;
using Air780Bridge.Tests;

namespace Air780Bridge.Corpus.Tests;

/// <summary>
/// The whole CLI path a CI job scripts: `air780 broker --timeline` as a process, mosquitto clients against it, Ctrl+C
/// (SIGINT) to save the timeline, then `air780 check` on the saved file.
/// </summary>
public sealed partial class BrokerCliTests
{
    [ToolFact("mosquitto")]
    public async Task Mosquitto_against_air780_broker_then_air780_check_gets_no_fail()
    {
        using var dir = new TempDirectory("corpus-cli-");
        var timeline = Path.Combine(dir.Path, "broker.jsonl");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Repository.Root };
        foreach (var a in (string[])[Path.Combine(AppContext.BaseDirectory, "air780.dll"), "broker", "--bind", "127.0.0.1", "--port", "0", "--timeline", timeline])
            start.ArgumentList.Add(a);
        start.Environment["NO_COLOR"] = "1";
        using var broker = Process.Start(start)!;
        try
        {
            var live = new LiveLines(broker.StandardOutput);
            // stderr's first line names the port the tap picked.
            using var cts = new CancellationTokenSource(CorpusSession.Timeout);
            var banner = await broker.StandardError.ReadLineAsync(cts.Token) ?? throw new InvalidOperationException("air780 broker ended before printing where to dial");
            var port = DialsPattern().Match(banner) is { Success: true } m ? m.Groups[1].Value : throw new FormatException($"no port in \"{banner}\"");
            var stderrRest = broker.StandardError.ReadToEndAsync();

            string[] Dial(string id) => ["-h", "127.0.0.1", "-p", port, "-V", "mqttv311", "-i", id];
            await using var sub = Tool.MosquittoSub.Start([.. Dial("cli-sub"), "-t", "corpus/cli", "-q", "2", "-C", "1"]);
            await live.WaitAsync(l => l.Contains("SUBACK"));
            await Tool.MosquittoPub.RunAsync([.. Dial("cli-pub"), "-t", "corpus/cli", "-q", "2", "-m", "through the CLI broker"]);
            Assert.Equal("through the CLI broker\n", await sub.SucceededAsync());
            await live.WaitAsync(l => live.Count(x => x.Contains("connection:close")) >= 2);

            Assert.Equal(0, SendInterrupt(broker.Id));
            using (var exit = new CancellationTokenSource(CorpusSession.Timeout)) await broker.WaitForExitAsync(exit.Token);
            Assert.True(broker.ExitCode == 0, $"air780 broker exited {broker.ExitCode}: {await stderrRest}");
            Assert.Contains($"timeline in {timeline}", await stderrRest); // written as it grew (a spool), complete at exit

            foreach (var id in new[] { "cli-pub", "cli-sub" })
            {
                // --require makes the CLI itself demand the rules this session exercises.
                string[] require = id == "cli-sub" ? ["--require", CheckIds.PacketIdNonZero, CheckIds.InboundQos2PubrecPubcomp] : ["--require", CheckIds.ConnectProtocol];
                var verdicts = await Air780Check.RunAsync(timeline, ["--client-id", id, .. require]);
                verdicts.AssertNoFail();
                verdicts.AssertPassed(require[1..]);
            }
        }
        finally
        {
            if (!broker.HasExited) broker.Kill(entireProcessTree: true);
        }
    }

    /// <summary>Ctrl+C for a child process: SIGINT, which `air780 broker` answers by saving the timeline and exiting.</summary>
    private static int SendInterrupt(int pid) => Kill(pid, 2);

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    [GeneratedRegex(@"dials [^\s:]+:(\d+)")]
    private static partial Regex DialsPattern();

    /// <summary>A process's stdout read line by line as it comes, so a test waits for the line that shows an event.</summary>
    private sealed class LiveLines
    {
        private readonly List<string> _lines = [];
        private readonly object _gate = new();
        private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public LiveLines(StreamReader reader) => _ = Pump(reader);

        private async Task Pump(StreamReader reader)
        {
            while (await reader.ReadLineAsync() is { } line)
                lock (_gate) { _lines.Add(line); _changed.TrySetResult(); _changed = new(TaskCreationOptions.RunContinuationsAsynchronously); }
        }

        public int Count(Func<string, bool> match) { lock (_gate) return _lines.Count(match); }

        public async Task WaitAsync(Func<string, bool> match)
        {
            using var cts = new CancellationTokenSource(CorpusSession.Timeout);
            while (true)
            {
                Task changed;
                lock (_gate)
                {
                    if (_lines.Any(match)) return;
                    changed = _changed.Task;
                }
                try { await changed.WaitAsync(cts.Token); }
                catch (OperationCanceledException) { lock (_gate) throw new TimeoutException($"air780 broker printed no such line within {CorpusSession.Timeout.TotalSeconds:0} s:\n{string.Join("\n", _lines)}"); }
            }
        }
    }
}
