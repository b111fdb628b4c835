using System.Net;
using System.Net.Sockets;

namespace Air780Bridge.Harness.Tap;

/// <summary>
/// Runs socket continuations on the runtime's epoll/kqueue thread instead of handing each one to the thread pool
/// (Linux and macOS; Windows completes on its I/O threads already). Each packet the tap forwards is a read
/// continuation: by default the epoll thread wakes a pool worker for it, two wake-ups per crossing; inline, one
/// (bench/README.md, tap: about 26 against 9-15 us per crossing on the 2-core VM).
/// <para>It is for a process that only forwards, records and prints: <c>air780 broker</c> and the benchmarks. Inline,
/// whatever an awaiting method does after a socket completed its task runs on that thread too, and a long stretch of
/// CPU there (judging a timeline, writing a report, a synchronous query) holds up every socket on it: the tap would
/// then read packets late and stamp them late, which a timing check could judge as the module's fault. So rig and
/// station processes, which judge while modules talk, keep the default.</para>
/// The runtime reads the setting when the first socket is used, so it is turned on before any socket exists.
/// </summary>
public static class InlineSocketCompletions
{
    /// <summary>The runtime's switch; there is no API or runtimeconfig knob for it.</summary>
    public const string Variable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>Turns it on for this process unless the user set the variable (to 0, say, to compare).</summary>
    public static void Enable()
    {
        if (Environment.GetEnvironmentVariable(Variable) is null) Environment.SetEnvironmentVariable(Variable, "1");
    }

    /// <summary>Whether this process's socket continuations do run inline: a receive that pends on a loopback pair, and
    /// the thread that completes it (a continuation attached before the byte is sent runs right there).</summary>
    public static async Task<bool> ActiveAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.LocalEndPoint!).ConfigureAwait(false);
        using var server = await listener.AcceptAsync().ConfigureAwait(false);
        var onPool = server.ReceiveAsync(new byte[1], SocketFlags.None)
            .ContinueWith(_ => Thread.CurrentThread.IsThreadPoolThread, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        await client.SendAsync(new byte[] { 1 }, SocketFlags.None).ConfigureAwait(false);
        return !await onPool.ConfigureAwait(false);
    }
}
