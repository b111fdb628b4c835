using System.Buffers;
using System.IO.Pipelines;

namespace Air780Bridge.Twin.Link;

/// <summary>
/// The module's serial channel as a stream inside this process: no port, socket or thread, so thousands of twins
/// fit in one process (a load generator, benchmarks). One host stream at a time: opening a new one ends the current
/// one, as a new client of a port would; unplugging ends it and opens fail until the replug.
/// </summary>
public sealed class MemoryLink : TwinSerialLink
{
    private readonly Lock _gate = new();
    private HostStream? _host;
    private bool _open;

    public MemoryLink(IModuleSerial serial, string name, LinkConditioner? conditioner = null)
        : base(serial, conditioner, name) => OpenTransport();

    /// <summary>Names the link in messages; no other process can open it.</summary>
    public override string ConnectionString => $"memory://{Name}";

    /// <summary>The host end, as a client opens the module's port.</summary>
    /// <exception cref="IOException">the link is unplugged.</exception>
    public Stream OpenHostStream()
    {
        lock (_gate)
        {
            if (!_open) throw new IOException($"{Name} is unplugged");
            _host?.End();
            return _host = new HostStream(this);
        }
    }

    protected override void OpenTransport()
    {
        lock (_gate) _open = true;
    }

    protected override void CloseTransport()
    {
        lock (_gate)
        {
            _open = false;
            _host?.End();
            _host = null;
        }
    }

    protected override bool WriteToHost(byte[] data)
    {
        HostStream? host;
        lock (_gate) host = _host;
        return host?.Deliver(data) ?? false;
    }

    private void Ended(HostStream host)
    {
        lock (_gate)
            if (_host == host) _host = null;
    }

    /// <summary>Reads what the module wrote (a pipe the link's module-to-host loop fills); writes go to the module.</summary>
    private sealed class HostStream(MemoryLink link) : Stream
    {
        // Unbounded: the agent's credit window already bounds what it sends ahead of the host.
        private readonly Pipe _toHost = new(new PipeOptions(pauseWriterThreshold: 0, useSynchronizationContext: false));
        private readonly Lock _writeGate = new();
        private bool _ended;

        public bool Deliver(byte[] data)
        {
            lock (_writeGate)
            {
                if (_ended) return false;
                var flush = _toHost.Writer.WriteAsync(data);
                // Never pending: the pipe has no pause threshold.
                if (!flush.IsCompleted) flush.AsTask().GetAwaiter().GetResult();
                return true;
            }
        }

        public void End()
        {
            lock (_writeGate)
            {
                if (_ended) return;
                _ended = true;
                _toHost.Writer.Complete();
            }
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
        {
            var result = await _toHost.Reader.ReadAsync(ct).ConfigureAwait(false);
            var data = result.Buffer;
            var n = (int)Math.Min(buffer.Length, data.Length);
            data.Slice(0, n).CopyTo(buffer.Span);
            _toHost.Reader.AdvanceTo(data.GetPosition(n));
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();
        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            lock (_writeGate)
                if (_ended) throw new IOException($"{link.Name}: the host stream was closed or replaced");
            link.OnHostBytes(buffer);
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) => WriteAsync(buffer.AsMemory(offset, count), ct).AsTask();
        public override void Flush() { }
        public override Task FlushAsync(CancellationToken ct) => Task.CompletedTask;

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                // Ending the writer ends a read still pending (it returns 0); the reader itself needs no release.
                End();
                link.Ended(this);
            }
            base.Dispose(disposing);
        }

        public override bool CanRead => true;
        public override bool CanWrite => true;
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
