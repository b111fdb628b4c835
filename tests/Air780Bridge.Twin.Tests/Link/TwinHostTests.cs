using System.Net.Sockets;
using Air780Bridge.Twin;

namespace Air780Bridge.Twin.Tests.Link;

public sealed class TwinHostTests
{
    private sealed class DisposableEcho : IDisposable
    {
        public EchoModule Serial { get; } = new();
        public bool Disposed { get; private set; }
        public void Dispose() => Disposed = true;
    }

    [Fact]
    public async Task Starts_named_twins_on_distinct_endpoints_and_disposes_them()
    {
        var host = new TwinHost<DisposableEcho>(new TwinHostOptions { Count = 2, Link = LinkKind.Tcp }, (_, _) => new DisposableEcho(), m => m.Serial);
        var twins = host.Twins.ToList();
        Assert.Equal(["twin-1", "twin-2"], twins.Select(t => t.Name));
        Assert.NotEqual(twins[0].ConnectionString, twins[1].ConnectionString);

        var uri = new Uri(twins[1].ConnectionString);
        using (var client = new TcpClient())
        {
            await client.ConnectAsync(uri.Host, uri.Port);
            await client.GetStream().WriteAsync("hi"u8.ToArray());
            Assert.Equal("hi"u8.ToArray(), await client.GetStream().ReadExactlyAsync(2, TimeSpan.FromSeconds(20)));
        }

        host.Dispose();
        Assert.All(twins, t => Assert.True(t.Module.Disposed));
        Assert.All(twins, t => Assert.False(t.Link.IsPlugged));
    }

    [Fact]
    public void Rejects_a_zero_count_with_a_clear_message()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() =>
            new TwinHost<DisposableEcho>(new TwinHostOptions { Count = 0, Link = LinkKind.Tcp }, (_, _) => new DisposableEcho(), m => m.Serial));
        Assert.Contains("at least 1", e.Message);
    }
}
