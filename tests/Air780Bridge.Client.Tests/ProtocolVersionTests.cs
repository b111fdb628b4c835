using Air780Bridge.Client.Link;
using Air780Bridge.Protocol.Framing;
using Air780Bridge.Protocol.Messages;

namespace Air780Bridge.Client.Tests;

/// <summary>
/// Version negotiation in HELLO (docs/protocol.md §4.1) against the real agent: a new host with a new agent speaks
/// version 2, and an older agent (pinned with max_proto = 1: the HELLO of a version-1 agent) or an older host (offering
/// only 1) gets version 1. The events and calls the client exposes are the same whichever version travelled.
/// </summary>
public sealed class ProtocolVersionTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    public static TheoryData<string, int[], int> Pairings() => new()
    {
        { "", [1, 2], 2 },
        { "H.config = { max_proto = 1 }", [1, 2], 1 },
        { "", [1], 1 },
    };

    [Theory]
    [MemberData(nameof(Pairings))]
    public async Task Events_and_calls_are_the_same_in_every_version(string agentSetup, int[] hostOffer, int version)
    {
        await using var agent = new LuaAgent(agentSetup);
        var bodies = new List<byte[]>();
        agent.ToHostFilter = Capture(bodies, FrameType.Event);
        await using var client = await Air780Client.ConnectAsync(agent.ConnectionString, new LinkOptions { Protocols = hostOffer });
        Assert.Equal(version, client.Hello.Proto);

        var mqtt = (await client.Mqtt.CreateAsync("h", 1))!;
        await mqtt.OnAsync();
        agent.Run("H.fire(1, 'recv', 'a/b', '\\0\\255payload', {qos=2, retain=1, dup=0, message_id=300})");
        var recv = await mqtt.WaitForAsync(e => e.Name == "recv", Wait);
        agent.Run("H.fire(1, 'sent', 300)");
        var sent = await mqtt.WaitForSentAsync(300, Wait);

        Assert.Equal(1, recv.Handle);
        Assert.Equal("a/b", recv.Topic);
        Assert.Equal([0, 255, .. "payload"u8.ToArray()], recv.Payload);
        Assert.Equal("dup=0, message_id=300, qos=2, retain=1", string.Join(", ", recv.Metas!.OrderBy(kv => kv.Key.ToString(), StringComparer.Ordinal)
            .Select(kv => $"{kv.Key}={kv.Value}")));
        Assert.All(recv.Metas!.Values, v => Assert.IsType<long>(v));
        Assert.Equal(300, recv.MessageId);
        Assert.Equal(300, sent.MessageId);
        Assert.Single(sent.Args);

        // What travelled: after the array head, a compact body has its integer kind, a version-1 one the byte string "mqtt" (0x44).
        lock (bodies)
        {
            Assert.Equal(2, bodies.Count);
            Assert.All(bodies, b => Assert.Equal(version == 2 ? "compact" : "version 1", b[1] == 0x44 ? "version 1" : "compact"));
        }

        // Larger than a frame: the compact body is split into fragments like any other (§1.2) and its tail survives.
        agent.Run("H.fire(1, 'recv', 'big', string.rep('\\167\\128', 3000), {qos=0, retain=0, dup=0, message_id=0})");
        var big = await mqtt.WaitForAsync(e => e.Topic == "big", Wait);
        Assert.Equal(Enumerable.Repeat(new byte[] { 0xA7, 0x80 }, 3000).SelectMany(b => b), big.Payload!);

        await mqtt.PublishAsync("t", new byte[] { 0, 0xA7, 0x80 }, 1);
        Assert.Equal("c1:publish(\"t\",\"\\0\\167\\128\",1)", agent.Eval("H.last_call()"));
        await mqtt.PublishAsync("t", "", null, 1);
        Assert.Equal("c1:publish(\"t\",\"\",nil,1)", agent.Eval("H.last_call()"));
        // A publish larger than a frame: the agent reassembles the fragments before it splits off the tail.
        var large = Enumerable.Range(0, 5000).Select(i => (byte)i).ToArray();
        await mqtt.PublishAsync("t", large);
        Assert.Equal("5000 true", agent.Eval("#H.calls[#H.calls].args[2] .. ' ' .. tostring(H.calls[#H.calls].args[2]:byte(5000) == (4999 % 256))"));
    }

    [Fact]
    public async Task After_a_reboot_the_host_offers_its_versions_again()
    {
        await using var agent = new LuaAgent();
        // Ids of the HELLOs toward the host: 0 is a boot HELLO, any other answers an offer. Counting frames raced: the
        // agent's first boot HELLO goes out with the answer to the first offer, the host offers again, and three HELLOs
        // could be in before the reboot. So only those from the reboot on count.
        var reader = new FrameReader();
        var frames = new List<ReceivedFrame>();
        var ids = new List<ushort>();
        var fromReboot = int.MaxValue;
        var answered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        agent.ToHostFilter = bytes =>
        {
            lock (ids)
            {
                frames.Clear();
                reader.Read(bytes, frames);
                ids.AddRange(frames.Where(f => f.Frame.Type == FrameType.Hello).Select(f => f.Frame.Id));
                var boot = fromReboot < ids.Count ? ids.IndexOf(0, fromReboot) : -1;
                if (boot >= 0 && ids.Skip(boot + 1).Any(id => id != 0)) // an answer to an offer made after that boot HELLO
                    answered.TrySetResult();
            }
            return bytes;
        };
        await using var client = await Air780Client.ConnectAsync(agent.ConnectionString);
        Assert.Equal(2, client.Hello.Proto);
        var rebooted = new TaskCompletionSource<ModuleRebootedEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.EventReceived += e =>
        {
            if (e is ModuleRebootedEvent r)
                rebooted.TrySetResult(r);
        };
        lock (ids) fromReboot = ids.Count;
        agent.Reboot();
        await rebooted.Task.WaitAsync(Wait);
        await answered.Task.WaitAsync(Wait);
        // Answered after the HELLO on the same stream, so the host has read that HELLO by now.
        var mqtt = (await client.Mqtt.CreateAsync("h", 1))!;
        Assert.Equal(2, client.Hello.Proto);
        Assert.Equal([1, 2], client.Hello.Protos);
        await mqtt.OnAsync();
        agent.Run("H.fire(1, 'recv', 'a/b', 'x', {qos=0, retain=0, dup=0, message_id=0})");
        Assert.Equal("x"u8.ToArray(), (await mqtt.WaitForAsync(e => e.Name == "recv", Wait)).Payload);
    }

    [Fact]
    public async Task An_offer_of_a_version_this_host_does_not_speak_is_refused_before_connecting()
    {
        await using var agent = new LuaAgent();
        var e = await Assert.ThrowsAsync<ArgumentException>(() => Air780Client.ConnectAsync(agent.ConnectionString, new LinkOptions { Protocols = [1, 3] }));
        Assert.Contains("[1, 2]", e.Message);
    }

    // Records the bodies of one frame type in the bytes toward the host and passes the bytes on unchanged.
    private static Func<byte[], byte[]> Capture(List<byte[]> bodies, FrameType type)
    {
        var reader = new FrameReader();
        var frames = new List<ReceivedFrame>();
        return bytes =>
        {
            lock (bodies)
            {
                frames.Clear();
                reader.Read(bytes, frames);
                bodies.AddRange(frames.Where(f => f.Frame.Type == type).Select(f => f.Frame.Body.ToArray()));
            }
            return bytes;
        };
    }
}
