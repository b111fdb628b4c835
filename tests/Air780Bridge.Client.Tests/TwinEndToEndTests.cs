using System.Runtime.Versioning;
using Air780Bridge.Tests;
using Air780Bridge.Client.Mqtt;
using Air780Bridge.Harness;
using Air780Bridge.Harness.Broker;
using Air780Bridge.Harness.Checks;
using Air780Bridge.Twin;
using Air780Bridge.Twin.Link;

namespace Air780Bridge.Client.Tests;

/// <summary>C# client -> pty -> the unchanged agent on a virtual module -> harness broker, and back.</summary>
// The twin's serial side is a Linux pty (PtyLink).
[SupportedOSPlatform("linux")]
public sealed class TwinEndToEndTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);
    private TwinOnPty _twin = null!;
    private Air780Client _client = null!;

    public async Task InitializeAsync()
    {
        _twin = await TwinOnPty.StartAsync("e2e-", new HarnessSettings { TlsPort = 0 });
        _client = await Air780Client.ConnectAsync(_twin.Link.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        await _client.DisposeAsync();
        await _twin.DisposeAsync();
    }

    [Fact]
    public void The_twin_says_hello_like_an_air780e()
    {
        Assert.Equal("V1120", _client.Hello.FirmwareVersion);
        Assert.Equal("EC618", _client.Hello.Bsp);
        Assert.Equal(64, _client.Hello.IntBits);
        Assert.Equal(15, _client.Hello.Imei!.Length);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Publish_and_subscribe_round_trip_through_the_broker(int qos)
    {
        var mqtt = (await _client.Mqtt.CreateAsync(_twin.Harness.Plain.Host, _twin.Harness.Plain.Port))!;
        await mqtt.AuthAsync("e2e-" + qos, "user", "pass");
        await mqtt.OnAsync();
        Assert.True(await mqtt.ConnectAsync());
        await mqtt.WaitForConnAckAsync(Wait);
        Assert.Equal(MqttState.Ready, await mqtt.StateAsync());
        await mqtt.SubscribeAsync("e2e/echo", 2);
        var id = await mqtt.PublishAsync("e2e/echo", new byte[] { 0, 0xA7, 0x80, 0xFF }, qos);
        Assert.NotNull(id);
        await mqtt.WaitForSentAsync(id!.Value, Wait);
        var recv = await mqtt.WaitForAsync(e => e.Name == "recv", Wait);
        Assert.Equal(new byte[] { 0, 0xA7, 0x80, 0xFF }, recv.Payload);
        Assert.Equal((long)qos, recv.Metas!["qos"]);
        await mqtt.CloseAsync();
    }

    [Fact]
    public async Task A_lua_argument_error_comes_back_with_the_firmware_text()
    {
        var mqtt = (await _client.Mqtt.CreateAsync(_twin.Harness.Plain.Host, _twin.Harness.Plain.Port))!;
        var e = await Assert.ThrowsAsync<ModuleErrorException>(() => mqtt.CallAsync("publish", ["t", "p", true]));
        Assert.Contains("bad argument #4 to 'publish' (number expected, got boolean)", e.Text);
    }

    [Theory]
    [InlineData(2, true, true)]
    [InlineData(2, false, false)]
    [InlineData(1, false, true)]
    [InlineData(0, false, true)]
    public async Task Tls_verify_modes_decide_whether_a_wrong_ca_may_connect(int verify, bool rightCa, bool connects)
    {
        using var other = HarnessCertificates.Generate();
        var ca = rightCa ? _twin.Harness.Certificates!.CaPem : other.CaPem;
        var mqtt = (await _client.Mqtt.CreateAsync(_twin.Harness.Tls!.Host, _twin.Harness.Tls.Port, new MqttSsl { ServerCert = ca, Verify = verify }))!;
        await mqtt.AuthAsync($"e2e-tls-{verify}-{rightCa}");
        await mqtt.OnAsync();
        await mqtt.ConnectAsync();
        var outcome = await mqtt.WaitForAsync(e => e.Name is "conack" or "disconnect", Wait);
        Assert.Equal(connects ? "conack" : "disconnect", outcome.Name);
        await mqtt.CloseAsync();
    }

    [Fact]
    public async Task Mutual_tls_presents_the_client_certificate()
    {
        var c = _twin.Harness.Certificates!;
        var mqtt = (await _client.Mqtt.CreateAsync(_twin.Harness.Tls!.Host, _twin.Harness.Tls.Port,
            new MqttSsl { ServerCert = c.CaPem, ClientCert = c.ClientCertificatePem, ClientKey = c.ClientKeyPem }))!;
        await mqtt.AuthAsync("e2e-mtls");
        await mqtt.OnAsync();
        await mqtt.ConnectAsync();
        await mqtt.WaitForConnAckAsync(Wait);
        Assert.Contains(_twin.Harness.Timeline.Snapshot(), e => e.Type == "tls" && e.Detail!.Contains("CN=air780 module"));
        await mqtt.CloseAsync();
    }

    [Fact]
    public async Task The_will_is_published_when_the_connection_is_lost()
    {
        using var watcher = new MQTTnet.MqttClientFactory().CreateMqttClient();
        var will = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        watcher.ApplicationMessageReceivedAsync += e => { will.TrySetResult(System.Buffers.BuffersExtensions.ToArray(e.ApplicationMessage.Payload)); return Task.CompletedTask; };
        await watcher.ConnectAsync(new MQTTnet.MqttClientOptionsBuilder().WithTcpServer(_twin.Harness.Plain.Host, _twin.Harness.Plain.Port).WithClientId("e2e-will-watcher").Build());
        await watcher.SubscribeAsync(new MQTTnet.MqttClientSubscribeOptionsBuilder().WithTopicFilter("e2e/will/gone").Build());

        var mqtt = (await _client.Mqtt.CreateAsync(_twin.Harness.Plain.Host, _twin.Harness.Plain.Port))!;
        await mqtt.AuthAsync("e2e-will");
        await mqtt.WillAsync("e2e/will/gone", "bye"u8.ToArray(), qos: 1);
        await mqtt.OnAsync();
        await mqtt.ConnectAsync();
        await mqtt.WaitForConnAckAsync(Wait);
        await _twin.Harness.DropAsync(ModuleConnection("e2e-will"));

        Assert.Equal("bye"u8.ToArray(), await will.Task.WaitAsync(Wait));
        Assert.Equal(0L, (await mqtt.WaitForAsync(e => e.Name == "disconnect", Wait)).Args[0]);
        await mqtt.CloseAsync();
    }

    [Fact]
    public async Task Autoreconnect_comes_back_after_a_drop()
    {
        var mqtt = (await _client.Mqtt.CreateAsync(_twin.Harness.Plain.Host, _twin.Harness.Plain.Port))!;
        await mqtt.AuthAsync("e2e-reconnect");
        await mqtt.AutoreconnAsync(true, 1000);
        await mqtt.OnAsync();
        await mqtt.ConnectAsync();
        await mqtt.WaitForConnAckAsync(Wait);
        Assert.Equal(MqttState.Ready, await mqtt.StateAsync()); // also moves the proxy's event mark past the first conack

        await _twin.Harness.DropAsync(ModuleConnection("e2e-reconnect"));
        await mqtt.WaitForAsync(e => e.Name == "disconnect", Wait);
        await mqtt.WaitForAsync(e => e.Name == "conack", Wait);
        var timeline = _twin.Harness.Timeline.Snapshot().ToList();
        var connects = timeline.Where(e => e.Type == "CONNECT" && e.ClientId == "e2e-reconnect").ToList();
        Assert.Equal(2, connects.Count);
        // The period runs from the close, and a timer may fire within a clock tick of it: judged as the check judges it.
        var close = timeline.First(e => e.IsConnection("close") && e.Conn == connects[0].Conn);
        var period = Wire.Ms(close.T, connects[1].T);
        var tolerances = new CheckTolerances();
        Assert.True(tolerances.Within(1000, period), $"reconnect {period:0.0} ms after the close, outside {tolerances.Range(1000)}");
        await mqtt.CloseAsync();
    }

    /// <summary>The tap connection that carried the module's CONNECT for <paramref name="clientId"/>.</summary>
    private string ModuleConnection(string clientId) =>
        _twin.Harness.Timeline.Snapshot().Last(e => e.Type == "CONNECT" && e.ClientId == clientId).Conn!;
}
