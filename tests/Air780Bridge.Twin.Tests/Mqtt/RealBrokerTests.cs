using System.Net;
using System.Net.Sockets;
using System.Text;
using Air780Bridge.Twin;
using MQTTnet.Server;

namespace Air780Bridge.Twin.Tests.Mqtt;

/// <summary>End to end against MQTTnet's broker: the emulated client interoperates with a real 3.1.1 server.</summary>
public class RealBrokerTests
{
    static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public async Task Qos1_publish_to_own_subscription_is_acked_and_received()
    {
        var probeListener = new TcpListener(IPAddress.Loopback, 0);
        probeListener.Start();
        var port = ((IPEndPoint)probeListener.LocalEndpoint).Port;
        probeListener.Stop();
        var factory = new MqttServerFactory();
        var options = factory.CreateServerOptionsBuilder().WithDefaultEndpoint().WithDefaultEndpointPort(port).Build();
        using var server = factory.CreateMqttServer(options);
        await server.StartAsync();
        try
        {
            var probe = new ClientProbe(FirmwareProfile.Air780eV1120, port);
            probe.Client.Auth(B("twin-real"), null, null, true);
            probe.Client.Connect();
            probe.WaitFor("conack");
            Assert.Equal([1L], probe.Client.Subscribe(B("twin/t"), 1));
            Assert.Equal(true, probe.WaitFor("suback").Args[0]);
            Assert.Equal([2L], probe.Client.Publish(B("twin/t"), B("hello"), 1, null));
            Assert.Equal(2L, probe.WaitFor("sent").Args[0]);
            var recv = probe.WaitFor("recv");
            Assert.Equal(B("hello"), recv.Args[1]);
            probe.Client.Close();
        }
        finally
        {
            await server.StopAsync();
        }
    }
}
