using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Air780Bridge.Harness.Tap;
using MQTTnet.Adapter;
using MQTTnet.Channel;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Formatter;
using MQTTnet.Server;

namespace Air780Bridge.Harness.Broker;

/// <summary>
/// The embedded broker's door for the tap: each module connection reaches MQTTnet as a channel over two in-memory
/// pipes instead of a second loopback TCP connection. The tap still sees, records and faults every byte; what goes
/// away is the extra hop's send, receive and thread wake-up, most of what the tap cost in front of MQTTnet (issue 13,
/// bench/README.md "tap"). MQTTnet also learns the module's own address and TLS state, which a forwarded TCP
/// connection hid. Registered as one more MQTTnet server adapter, next to its TCP listener.
/// </summary>
internal sealed class InProcessUpstream(DnsEndPoint address) : IMqttServerAdapter, ITapUpstream
{
    // Inline: a packet the tap flushes is read by MQTTnet on the same thread, and MQTTnet's answer reaches the tap's
    // down pump the same way; the thread-pool scheduler would put back the wake-up the pipe is here to save.
    private static readonly PipeOptions InlinePipes = new(readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline, useSynchronizationContext: false);
    private readonly ConcurrentDictionary<PipeLink, byte> _open = new();
    private MqttServerOptions? _options;
    private IMqttNetLogger? _logger;

    public DnsEndPoint Address { get; } = address;

    public Func<IMqttChannelAdapter, Task>? ClientHandler { get; set; }

    public Task StartAsync(MqttServerOptions options, IMqttNetLogger logger)
    {
        _options = options;
        _logger = logger;
        return Task.CompletedTask;
    }

    public Task StopAsync()
    {
        foreach (var link in _open.Keys) link.Close();
        return Task.CompletedTask;
    }

    public void Dispose() => StopAsync();

    public ValueTask<Stream> ConnectAsync(TapPeer module, CancellationToken ct)
    {
        var handler = ClientHandler;
        if (handler is null || _options is null || _logger is null)
            throw new IOException($"the embedded broker ({Address}) is not running");
        var link = new PipeLink();
        var channel = new BrokerEnd(link.Broker, module);
        var adapter = new MqttChannelAdapter(channel, new MqttPacketFormatterAdapter(new MqttBufferWriter(_options.WriterBufferSize, _options.WriterBufferSizeMax)), _logger);
        _open[link] = 0;
        _ = ServeAsync(handler, adapter, link);
        return ValueTask.FromResult<Stream>(new TapEnd(link.Tap));
    }

    private async Task ServeAsync(Func<IMqttChannelAdapter, Task> handler, MqttChannelAdapter adapter, PipeLink link)
    {
        try { await handler(adapter); }
        catch (Exception ex) { _logger?.Publish(MqttNetLogLevel.Error, nameof(InProcessUpstream), "in-process client session failed", null, ex); }
        finally
        {
            _open.TryRemove(link, out _);
            link.Close();
            adapter.Dispose();
        }
    }

    /// <summary>
    /// Two pipes, tap to broker and back, closed as one (like a TCP connection). Closing only sets a flag and cancels
    /// whatever read or flush is pending, the calls a pipe allows from any thread; each end then reads what is left and
    /// its end of stream on its own thread, so a close racing a read or write never breaks the pipe's
    /// one-reader-one-writer rule.
    /// </summary>
    private sealed class PipeLink
    {
        private readonly Pipe _up = new(InlinePipes), _down = new(InlinePipes);
        private int _closed;

        public PipeLink()
        {
            Broker = new PipeEnd(this, _up.Reader, _down.Writer, failWritesAfterClose: true);
            Tap = new PipeEnd(this, _down.Reader, _up.Writer, failWritesAfterClose: false);
        }

        /// <summary>MQTTnet's side: reads what the tap forwarded up; writing after the close is an error.</summary>
        public PipeEnd Broker { get; }

        /// <summary>The tap's side. Its bytes after the close are dropped, as a TCP write after the peer's FIN would be:
        /// its down pump then reads the end and records "broker closed", where a write error ("up stream error") would
        /// read as the module's reset to the checks.</summary>
        public PipeEnd Tap { get; }

        public bool Closed => Volatile.Read(ref _closed) == 1;

        public void Close()
        {
            if (Interlocked.Exchange(ref _closed, 1) == 1) return;
            _up.Reader.CancelPendingRead();
            _down.Reader.CancelPendingRead();
            _up.Writer.CancelPendingFlush();
            _down.Writer.CancelPendingFlush();
        }
    }

    /// <summary>One side of a <see cref="PipeLink"/>: the pipe it reads and the pipe it writes.</summary>
    private sealed class PipeEnd(PipeLink link, PipeReader reader, PipeWriter writer, bool failWritesAfterClose)
    {
        /// <summary>Bytes copied; 0 once the link is closed and what was written before the close has been read (a
        /// refused CONNECT's CONNACK comes right before MQTTnet closes, as data before a FIN).</summary>
        public async ValueTask<int> ReadAsync(Memory<byte> into, CancellationToken ct)
        {
            if (into.IsEmpty) return 0;
            while (true)
            {
                ReadResult result;
                if (!link.Closed) result = await reader.ReadAsync(ct);
                else if (!reader.TryRead(out result)) return 0;
                var data = result.Buffer;
                var n = (int)Math.Min(data.Length, into.Length);
                data.Slice(0, n).CopyTo(into.Span);
                reader.AdvanceTo(data.GetPosition(n));
                if (n > 0) return n;
                if (link.Closed || result.IsCompleted) return 0;
            }
        }

        public async ValueTask WriteAsync(ReadOnlySequence<byte> bytes, bool flush, CancellationToken ct)
        {
            if (!link.Closed)
            {
                foreach (var segment in bytes) writer.Write(segment.Span);
                if (flush) await writer.FlushAsync(ct);
            }
            if (failWritesAfterClose && link.Closed) throw new IOException("the tap closed the module connection");
        }

        public void Close() => link.Close();
    }

    /// <summary>MQTTnet's end: reads what the tap forwarded up, writes toward the tap's down pump.</summary>
    private sealed class BrokerEnd(PipeEnd pipe, TapPeer module) : IMqttChannel
    {
        public X509Certificate2? ClientCertificate => module.ClientCertificate;
        public EndPoint? RemoteEndPoint => module.Remote;
        public EndPoint? LocalEndPoint => module.Local;
        public bool IsSecureConnection => module.Tls;

        public Task ConnectAsync(CancellationToken ct) => Task.CompletedTask;

        public Task DisconnectAsync(CancellationToken ct)
        {
            pipe.Close();
            return Task.CompletedTask;
        }

        public Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => pipe.ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

        // One flush per packet: the tap's down pump wakes once for it, as for one TCP segment.
        public Task WriteAsync(ReadOnlySequence<byte> buffer, bool isEndOfPacket, CancellationToken ct) => pipe.WriteAsync(buffer, isEndOfPacket, ct).AsTask();

        public void Dispose() => pipe.Close();
    }

    /// <summary>The tap's end: reads MQTTnet's bytes (0 when MQTTnet ended the session, as a TCP broker's FIN), writes the
    /// module's; disposing it is the module hanging up.</summary>
    private sealed class TapEnd(PipeEnd pipe) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Flush() { }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) => pipe.ReadAsync(buffer, ct);
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default) => pipe.WriteAsync(new ReadOnlySequence<byte>(buffer), true, ct);
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();
        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) => WriteAsync(buffer.AsMemory(offset, count), ct).AsTask();
        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        protected override void Dispose(bool disposing)
        {
            pipe.Close();
            base.Dispose(disposing);
        }
    }
}
