using System.Buffers;
using System.Collections;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;

namespace Air780Bridge.Harness.Timeline;

/// <summary>
/// The JSON-lines file behind a long timeline: appends are queued and written by one background writer, so memory
/// holds only what is not yet on disk (at most <see cref="MaxPending"/> entries: a writer that falls behind slows the
/// appenders rather than growing the heap) plus one file offset per <see cref="BlockSize"/> entries.
/// </summary>
internal sealed class TimelineSpool : IDisposable
{
    public const int BlockSize = 1024;
    public const int MaxPending = 1 << 16;
    /// <summary>The writer wakes this often, or at <see cref="WakeAt"/> pending entries, or when a reader waits: one
    /// write per batch, not a thread wake-up and a syscall per packet.</summary>
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(50);
    private const int WakeAt = 4096;

    private readonly object _gate = new();
    private readonly SafeFileHandle _file;
    private readonly Thread _writer;
    private readonly List<long> _blocks = [];
    private List<TimelineEntry> _pending = [];
    private List<TimelineEntry> _spare = [];
    private long _appended;
    private long _written;
    private long _bytes;
    private bool _stopping;
    private bool _writerDone;
    private bool _flushWanted;
    private Exception? _failure;

    public TimelineSpool(string path, bool temporary)
    {
        Path = path;
        // A temporary spool goes with its handle (at dispose of the harness's timeline, or process exit).
        _file = File.OpenHandle(path, FileMode.Create, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete,
            temporary ? FileOptions.DeleteOnClose : FileOptions.None);
        _writer = new Thread(WriteLoop) { IsBackground = true, Name = "timeline spool" };
        _writer.Start();
    }

    public string Path { get; }

    public long Count { get { lock (_gate) return _appended; } }

    public void Add(TimelineEntry entry)
    {
        lock (_gate)
        {
            while ((_pending.Count >= MaxPending || _stopping && !_writerDone) && _failure is null) Monitor.Wait(_gate);
            ThrowIfFailed();
            if (_stopping)
            {
                // Late entries (a connection closing after the harness stopped) are written in place, not lost.
                _pending.Add(entry);
                _appended++;
                WriteBatch(_pending);
                _pending.Clear();
                return;
            }
            _pending.Add(entry);
            _appended++;
            if (_pending.Count == WakeAt) Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Every entry appended so far, read back from the file; waits until they are written.</summary>
    public IReadOnlyList<TimelineEntry> Snapshot()
    {
        lock (_gate)
        {
            var target = _appended;
            while (_written < target && _failure is null)
            {
                _flushWanted = true;
                Monitor.PulseAll(_gate);
                Monitor.Wait(_gate);
            }
            ThrowIfFailed();
            return new SpooledEntries(_file, (int)target, [.. _blocks.Take((int)((target + BlockSize - 1) / BlockSize))], _bytes);
        }
    }

    /// <summary>Copies the written lines to <paramref name="path"/> (nothing to do when it is the spool itself).</summary>
    public async Task SaveAsync(string path, CancellationToken ct)
    {
        var entries = (SpooledEntries)Snapshot();
        if (System.IO.Path.GetFullPath(path) == System.IO.Path.GetFullPath(Path)) return;
        await using var output = File.Create(path);
        var buffer = new byte[1 << 16];
        for (long offset = 0; offset < entries.Bytes;)
        {
            var n = await RandomAccess.ReadAsync(_file, buffer.AsMemory(0, (int)Math.Min(buffer.Length, entries.Bytes - offset)), offset, ct);
            if (n == 0) break;
            await output.WriteAsync(buffer.AsMemory(0, n), ct);
            offset += n;
        }
    }

    private void ThrowIfFailed()
    {
        if (_failure is not null) throw new IOException($"timeline spool {Path} cannot be written ({_failure.Message}); free disk space or pick another --timeline path", _failure);
    }

    private void WriteLoop()
    {
        while (true)
        {
            List<TimelineEntry> batch;
            lock (_gate)
            {
                while (!_stopping && !_flushWanted && _pending.Count < WakeAt)
                    if (!Monitor.Wait(_gate, Period) && _pending.Count > 0) break;
                _flushWanted = false;
                if (_pending.Count == 0)
                {
                    if (!_stopping) continue;
                    _writerDone = true;
                    Monitor.PulseAll(_gate);
                    return;
                }
                batch = _pending;
                _pending = _spare;
            }
            try
            {
                WriteBatch(batch);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                lock (_gate) { _failure = e; Monitor.PulseAll(_gate); }
                return;
            }
            lock (_gate)
            {
                batch.Clear();
                _spare = batch;
                Monitor.PulseAll(_gate);
            }
        }
    }

    private readonly ArrayBufferWriter<byte> _buffer = new(1 << 16);

    /// <summary>Serialises and writes <paramref name="batch"/>, then publishes the new count, length and block offsets.
    /// Called by the writer thread, or under the lock once it has stopped.</summary>
    private void WriteBatch(List<TimelineEntry> batch)
    {
        long written, offset;
        lock (_gate) (written, offset) = (_written, _bytes);
        var blocks = new List<long>();
        _buffer.ResetWrittenCount();
        using (var json = new Utf8JsonWriter(_buffer))
        {
            foreach (var entry in batch)
            {
                if (written++ % BlockSize == 0) blocks.Add(offset + _buffer.WrittenCount);
                JsonSerializer.Serialize(json, entry, TimelineJsonContext.Default.TimelineEntry);
                json.Flush();
                _buffer.Write("\n"u8);
                json.Reset(_buffer);
            }
        }
        RandomAccess.Write(_file, _buffer.WrittenSpan, offset);
        lock (_gate)
        {
            _written = written;
            _bytes = offset + _buffer.WrittenCount;
            _blocks.AddRange(blocks);
        }
    }

    /// <summary>Stops the writer after it has written everything; later entries are written in place.</summary>
    private void Complete()
    {
        lock (_gate) { _stopping = true; Monitor.PulseAll(_gate); }
        if (Thread.CurrentThread != _writer) _writer.Join();
    }

    /// <summary>Stops the writer; the handle stays for reads and late entries and is released with the spool (the
    /// file is whole on disk already: writes are not buffered; a temporary one is deleted then).</summary>
    public void Dispose() => Complete();

    /// <summary>A fixed prefix of the spool as a list: enumeration streams the file; the indexer reads one block at a time.</summary>
    private sealed class SpooledEntries(SafeFileHandle file, int count, long[] blocks, long bytes) : IReadOnlyList<TimelineEntry>
    {
        private (int Block, TimelineEntry[] Entries)? _cache;

        public long Bytes => bytes;
        public int Count => count;

        public TimelineEntry this[int index]
        {
            get
            {
                ArgumentOutOfRangeException.ThrowIfNegative(index);
                ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, count);
                var block = index / BlockSize;
                var cache = _cache is { } c && c.Block == block ? c : Load(block);
                return cache.Entries[index % BlockSize];
            }
        }

        private (int Block, TimelineEntry[] Entries) Load(int block)
        {
            var entries = Read(blocks[block], Math.Min(BlockSize, count - block * BlockSize)).ToArray();
            _cache = (block, entries);
            return (block, entries);
        }

        private IEnumerable<TimelineEntry> Read(long from, int lines)
        {
            using var stream = new SpoolStream(file, from, bytes);
            using var reader = new StreamReader(stream, System.Text.Encoding.UTF8, false, 1 << 16);
            for (var i = 0; i < lines; i++)
                yield return Timeline.FromJson(reader.ReadLine() ?? throw new InvalidDataException($"timeline spool ends after {i} of {lines} lines"));
        }

        public IEnumerator<TimelineEntry> GetEnumerator() => Read(0, count).GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }

    /// <summary>Read-only positional view of the spool handle, so readers share it with the writer.</summary>
    private sealed class SpoolStream(SafeFileHandle file, long position, long end) : Stream
    {
        public override int Read(Span<byte> buffer)
        {
            var n = RandomAccess.Read(file, buffer[..(int)Math.Min(buffer.Length, end - position)], position);
            position += n;
            return n;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => end;
        public override long Position { get => position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
