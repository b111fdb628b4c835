using Air780Bridge.Client.Link;
using Air780Bridge.Protocol.Framing;
using Air780Bridge.Protocol.Messages;

namespace Air780Bridge.Client.Tests;

/// <summary>The defects of issue 10 on the client link, each reproduced against the real agent over TCP.</summary>
public sealed class LinkHardeningTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private static byte[] Frame(FrameType type, ushort id, byte[] body) => FrameEncoder.Encode(new Frame(type, false, id, body));

    // The first len+9 bytes of a frame that claims `len` body bytes: a valid header, the rest never comes.
    private static byte[] TornHeader(int len) => Frame(FrameType.Event, 77, new byte[len])[..FrameFormat.HeaderSize];

    /// <summary>Puts <paramref name="extra"/> before the agent's next output, once.</summary>
    private static Func<byte[], byte[]> Once(byte[] extra)
    {
        var done = 0;
        return bytes => Interlocked.Exchange(ref done, 1) == 0 ? [.. extra, .. bytes] : bytes;
    }

    [Fact]
    public async Task A_crc_valid_frame_with_an_integer_beyond_64_bits_is_dropped_and_the_link_goes_on()
    {
        await using var agent = new LuaAgent();
        await using var client = await Air780Client.ConnectAsync(agent.ConnectionString);
        var mqtt = (await client.Mqtt.CreateAsync("h", 1))!;
        // ["mqtt", -(2^64)] as an EVENT: passes both CRCs; its decode threw OverflowException, which killed the reader.
        agent.ToHostFilter = Once(Frame(FrameType.Event, 1, Convert.FromHexString("82446D7174743BFFFFFFFFFFFFFFFF")));
        await mqtt.ReadyAsync();
        agent.ToHostFilter = null;
        Assert.False(await mqtt.ReadyAsync());
        Assert.Equal(1, client.Stats.DecodeErrors);
        Assert.Null(client.LinkFailure);
    }

    [Fact]
    public async Task A_port_that_never_comes_back_leaves_a_dead_link_that_says_so()
    {
        var agent = new LuaAgent();
        await using var client = await Air780Client.ConnectAsync(agent.ConnectionString, new LinkOptions { ReconnectFor = TimeSpan.FromSeconds(1) });
        var gaveUp = new TaskCompletionSource();
        client.EventReceived += e =>
        {
            if (e is LinkStateEvent { Up: false } s && s.Reason.StartsWith("gave up", StringComparison.Ordinal))
                gaveUp.TrySetResult();
        };
        await agent.DisposeAsync(); // the port is gone for good
        await gaveUp.Task.WaitAsync(Wait);
        Assert.False(await client.WaitUntilLinkUpAsync().WaitAsync(Wait));
        Assert.False(client.IsLinkUp);
        Assert.Contains("did not come back", client.LinkFailure);
        // What `air780 session` turns into exit code 3 instead of 0.
        var e = await Assert.ThrowsAsync<LinkLostException>(() => client.CallAsync("agent.stats", []));
        Assert.Contains("is dead", e.Message);
    }

    [Fact]
    public async Task A_lost_hello_is_asked_again()
    {
        await using var agent = new LuaAgent();
        var drops = 0;
        // The first answer of the agent (its HELLO) is lost on the wire.
        agent.ToHostFilter = bytes => Interlocked.Increment(ref drops) == 1 ? [] : bytes;
        await using var client = await Air780Client.ConnectAsync(agent.ConnectionString, new LinkOptions { RequestTimeout = Wait });
        Assert.Equal(ProtocolVersions.Compact, client.Hello.Proto);
        Assert.True(client.Stats.HelloRetries >= 1);
    }

    [Fact]
    public async Task A_torn_header_longer_than_the_agents_max_frame_is_rejected_at_once()
    {
        await using var agent = new LuaAgent();
        await using var client = await Air780Client.ConnectAsync(agent.ConnectionString);
        Assert.Equal(2048, client.Hello.MaxFrame);
        var mqtt = (await client.Mqtt.CreateAsync("h", 1))!;
        // 3000 > max_frame: before HELLO set the reader's limit this hid the answer behind 3 KB that never came.
        agent.ToHostFilter = Once(TornHeader(3000));
        Assert.False(await mqtt.ReadyAsync());
        Assert.Equal(1, client.Stats.Reader.HeaderRejects);
        Assert.Equal(0, client.Stats.Reader.PartialTimeouts);
    }

    [Fact]
    public async Task An_answer_behind_a_torn_frame_arrives_after_the_frame_timeout()
    {
        await using var agent = new LuaAgent();
        await using var client = await Air780Client.ConnectAsync(agent.ConnectionString, new LinkOptions { FrameTimeout = TimeSpan.FromMilliseconds(200) });
        var mqtt = (await client.Mqtt.CreateAsync("h", 1))!;
        // 1500 bytes fit max_frame: only the partial-frame timeout can tell the frame will never be completed.
        agent.ToHostFilter = Once(TornHeader(1500));
        Assert.False(await mqtt.ReadyAsync());
        Assert.Equal(1, client.Stats.Reader.PartialTimeouts);
        Assert.Equal(0, client.Stats.CreditResets);
    }
}
