namespace Air780Bridge.Harness.Tap;

/// <summary>
/// Runs socket continuations on the runtime's epoll/kqueue thread instead of handing each one to the thread pool
/// (Linux and macOS; Windows completes on its I/O threads already). Every packet the tap forwards is a read
/// continuation: by default it wakes the epoll thread, which then wakes a pool worker; inline it wakes only one thread.
/// The runtime reads the setting once, when the first socket is used, so a program turns it on at the top of Main
/// (the <c>air780</c> CLI and the benchmarks do; the test runs set it in tests/inline.runsettings so they exercise it).
/// What that asks of code on a socket continuation: never block (no sync-over-async, no waiting on another socket).
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
}
