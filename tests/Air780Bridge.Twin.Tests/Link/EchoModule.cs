using Air780Bridge.Twin;

namespace Air780Bridge.Twin.Tests.Link;

/// <summary>A fake module that writes back every transfer it receives and records transfer sizes.</summary>
internal sealed class EchoModule : IModuleSerial
{
    public readonly List<int> TransferSizes = [];

    public event Action<ReadOnlyMemory<byte>>? ToHost;

    public void DeliverFromHost(ReadOnlySpan<byte> transfer)
    {
        lock (TransferSizes) TransferSizes.Add(transfer.Length);
        ToHost?.Invoke(transfer.ToArray());
    }

    public void Write(byte[] data) => ToHost?.Invoke(data);
}

internal static class StreamExtensions
{
    /// <summary>Reads exactly n bytes or throws on timeout.</summary>
    public static async Task<byte[]> ReadExactlyAsync(this Stream stream, int n, TimeSpan timeout)
    {
        var buffer = new byte[n];
        using var cts = new CancellationTokenSource(timeout);
        await stream.ReadExactlyAsync(buffer, cts.Token);
        return buffer;
    }

    public static byte[] AllByteValues(int length) => Enumerable.Range(0, length).Select(i => (byte)(i * 7 + i / 256)).ToArray();
}
