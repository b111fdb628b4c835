using System.Net;
using System.Net.Sockets;
using Air780Bridge.Harness.Tap;

namespace Air780Bridge.Harness.Tests;

/// <summary>The tests run the way the air780 CLI runs: socket continuations inline (tests/inline.runsettings).</summary>
public class InlineCompletionTests
{
    [Fact]
    public async Task A_pending_receive_completes_on_the_socket_thread_not_the_pool()
    {
        Assert.Equal("1", Environment.GetEnvironmentVariable(InlineSocketCompletions.Variable));
        if (OperatingSystem.IsWindows()) return; // IOCP completes on I/O threads either way; the switch is Unix-only
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.LocalEndPoint!);
        using var server = await listener.AcceptAsync();
        var buffer = new byte[1];
        // Started before any byte is there, so it pends and completes from the event loop.
        var receive = server.ReceiveAsync(buffer, SocketFlags.None);
        Assert.False(receive.IsCompleted);
        await client.SendAsync(new byte[] { 1 }, SocketFlags.None);
        await receive.ConfigureAwait(false);
        Assert.False(Thread.CurrentThread.IsThreadPoolThread, $"the continuation ran on pool thread '{Thread.CurrentThread.Name}'");
    }

    [Fact]
    public void Enable_keeps_a_value_the_user_set()
    {
        // The variable is process-wide and already read by the runtime here; only the rule is checked.
        var before = Environment.GetEnvironmentVariable(InlineSocketCompletions.Variable);
        try
        {
            Environment.SetEnvironmentVariable(InlineSocketCompletions.Variable, "0");
            InlineSocketCompletions.Enable();
            Assert.Equal("0", Environment.GetEnvironmentVariable(InlineSocketCompletions.Variable));
            Environment.SetEnvironmentVariable(InlineSocketCompletions.Variable, null);
            InlineSocketCompletions.Enable();
            Assert.Equal("1", Environment.GetEnvironmentVariable(InlineSocketCompletions.Variable));
        }
        finally { Environment.SetEnvironmentVariable(InlineSocketCompletions.Variable, before); }
    }
}
