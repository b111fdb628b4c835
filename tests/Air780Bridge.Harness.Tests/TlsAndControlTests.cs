using System.Security.Cryptography.X509Certificates;
using Air780Bridge.Harness.Broker;
using Air780Bridge.Harness.Control;
using MQTTnet;

namespace Air780Bridge.Harness.Tests;

public class TlsAndControlTests
{
    private static Action<MqttClientOptionsBuilder> Tls(HarnessBroker harness, bool withClientCertificate) => o =>
    {
        var ca = X509Certificate2.CreateFromPem(System.Text.Encoding.ASCII.GetString(harness.Certificates!.CaPem));
        o.WithTcpServer("localhost", harness.Tls!.Port).WithTlsOptions(t =>
        {
            t.UseTls().WithTrustChain([ca]);
            if (withClientCertificate)
            {
                using var pem = X509Certificate2.CreateFromPem(System.Text.Encoding.ASCII.GetString(harness.Certificates.ClientCertificatePem),
                    System.Text.Encoding.ASCII.GetString(harness.Certificates.ClientKeyPem));
                t.WithClientCertificates([X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null)]);
            }
        });
    };

    [Fact]
    public async Task Tls_endpoint_with_generated_ca_is_decoded_in_plaintext()
    {
        await using var harness = await H.Start(new HarnessSettings { TlsPort = 0 });
        var client = await H.Connect(harness, "tls-mod", Tls(harness, false));
        await client.DisconnectAsync();
        var connect = await harness.Timeline.WaitForAsync(e => e.Type == "CONNECT", H.Timeout);
        Assert.Equal("tls-mod", connect.ClientId);
        Assert.EndsWith("tls", harness.Timeline.Snapshot().First(e => e.Type == "open").Detail);
    }

    [Fact]
    public async Task Mutual_tls_accepts_the_client_certificate_and_rejects_none()
    {
        await using var harness = await H.Start(new HarnessSettings { TlsPort = 0, MutualTls = true });
        var client = await H.Connect(harness, "mtls", Tls(harness, true));
        await client.DisconnectAsync();
        Assert.Equal("mtls", (await harness.Timeline.WaitForAsync(e => e.Type == "CONNECT", H.Timeout)).ClientId);

        var anonymous = new MqttClientFactory().CreateMqttClient();
        var options = H.Options(harness, "anon");
        Tls(harness, false)(options);
        await Assert.ThrowsAnyAsync<Exception>(() => anonymous.ConnectAsync(options.Build()));
        await harness.Timeline.WaitForAsync(e => e.Type == "close" && e.Detail!.StartsWith("setup failed"), H.Timeout);
    }

    [Fact]
    public async Task Remote_client_receives_timeline_and_injects_a_drop()
    {
        await using var harness = await H.Start(new HarnessSettings { ControlUser = ("rig", "secret") });
        await using var remote = await H.Remote(harness);
        var module = await H.Connect(harness, "remote-mod");
        var disconnected = H.Disconnected(module);
        var seen = await remote.Timeline.WaitForAsync(e => e.Type == "CONNECT" && e.ClientId == "remote-mod", H.Timeout);
        await remote.DropAsync(seen.Conn);
        await disconnected.WaitAsync(H.Timeout);
        await remote.Timeline.WaitForAsync(e => e is { Kind: "fault", Type: "drop" }, H.Timeout);
        // The rig's own session is not traced, so its timeline traffic does not feed back.
        Assert.DoesNotContain(harness.Timeline.Snapshot(), e => e.Username == "rig" || e.Topic?.StartsWith("$harness") == true);
    }

    [Fact]
    public async Task Control_topics_are_closed_to_other_users()
    {
        await using var harness = await H.Start(new HarnessSettings { ControlUser = ("rig", "secret") });
        var intruder = await H.Connect(harness, "intruder");
        var result = await intruder.SubscribeAsync(ControlChannel.TimelineTopic);
        // MQTT 3.1.1 has a single failure code (0x80), which MQTTnet reports as UnspecifiedError.
        Assert.Equal(MqttClientSubscribeResultCode.UnspecifiedError, result.Items.Single().ResultCode);
        Assert.Equal(0x80, (await harness.Timeline.WaitForAsync(e => e.Type == "SUBACK", H.Timeout)).Code);
        await Assert.ThrowsAsync<InvalidOperationException>(() => H.Remote(harness, "rig", "wrong"));
    }

    [Fact]
    public async Task The_control_login_is_refused_on_plain_tcp_and_the_announcement_with_the_key_travels_only_over_tls()
    {
        await using var harness = await H.Start(new HarnessSettings { ControlUser = ("rig", "secret") });
        Assert.NotNull(harness.Tls);
        // Over plain TCP the tap closes the connection at the CONNECT and never forwards it.
        using var plain = new MqttClientFactory().CreateMqttClient();
        await Assert.ThrowsAnyAsync<Exception>(() => plain.ConnectAsync(H.Options(harness, "rig-plain").WithCredentials("rig", "secret").Build()));
        var violation = await harness.Timeline.WaitForAsync(e => e is { Kind: "violation", Type: "control-over-plain" }, H.Timeout);
        Assert.Equal(1, harness.Violations["control-over-plain"]);
        Assert.DoesNotContain(harness.Timeline.Snapshot(), e => e.Type == "CONNECT" && e.Conn == violation.Conn);
        // A client that does not trust the harness CA gets no TLS session.
        using var otherCa = HarnessCertificates.Generate();
        await Assert.ThrowsAsync<IOException>(() => RemoteHarnessClient.ConnectAsync(harness.Tls!.Host, harness.Tls.Port, "rig", "secret", otherCa.CaPem));
        // Over TLS with the harness CA: the announcement arrives, client key included.
        await using var remote = await H.Remote(harness);
        Assert.Contains("PRIVATE KEY", remote.Info!.ClientKeyPem);
        Assert.Equal(harness.Plain.Port, remote.Info.Port);
    }
}
