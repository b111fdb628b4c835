using System.Net;
using Air780Bridge.Harness;
using Air780Bridge.Harness.Broker;
using Air780Bridge.Rigs.Load;

namespace Air780Bridge.Rigs.Tests;

public sealed class TwinFleetTests
{
    [Fact]
    public async Task A_fleet_connects_one_client_per_twin_with_its_own_id_and_keep_alive_over_memory_links()
    {
        await using var broker = await HarnessBroker.StartAsync(new HarnessSettings { BindAddress = IPAddress.Loopback, Port = 0 });
        var done = new List<int>();
        await using var fleet = await TwinFleet.StartAsync(new FleetOptions
        {
            Count = 3, BrokerHost = broker.Plain.Host, BrokerPort = broker.Plain.Port, KeepaliveSeconds = 42, ClientIdPrefix = "load",
        }, new SyncProgress(done));

        var status = fleet.Status();
        Assert.Equal((3, 3, 0, 0), (status.Count, status.Connected, status.Failed, status.Disconnects));
        Assert.Equal(["load-1", "load-2", "load-3"], fleet.Members.Select(m => m.Name));
        Assert.All(fleet.Members, m => Assert.StartsWith("memory://", m.Link.ConnectionString));
        lock (done) Assert.Equal([1, 2, 3], done.Order());
        var connects = broker.Timeline.Snapshot().Where(e => e is { Kind: "packet", Type: "CONNECT", Dir: "up" }).ToList();
        Assert.Equal(["load-1", "load-2", "load-3"], connects.Select(e => e.ClientId).Order());
        Assert.All(connects, c => Assert.Equal(42, c.KeepAlive));
    }

    [Fact]
    public async Task A_twin_that_cannot_reach_the_broker_is_counted_with_its_reason_not_fatal()
    {
        // A port nothing listens on: the connection is refused at once.
        var closed = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var port = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        await using var fleet = await TwinFleet.StartAsync(new FleetOptions { Count = 2, BrokerHost = "127.0.0.1", BrokerPort = port });

        var status = fleet.Status();
        Assert.Equal((2, 0, 2), (status.Count, status.Connected, status.Failed));
        Assert.StartsWith("air780-twin-", status.FirstFailure);
        Assert.Contains("did not connect", status.FirstFailure);
        Assert.Contains("2 failed to connect", status.ToString());
    }

    /// <summary>Progress&lt;T&gt; posts to the thread pool; this records each report where it is made.</summary>
    private sealed class SyncProgress(List<int> seen) : IProgress<int>
    {
        public void Report(int value)
        {
            lock (seen) seen.Add(value);
        }
    }
}
