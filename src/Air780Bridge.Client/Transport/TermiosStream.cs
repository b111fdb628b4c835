using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Microsoft.Win32.SafeHandles;
using Serilog;

namespace Air780Bridge.Client.Transport;

/// <summary>
/// A Linux serial port (or pty) as a <see cref="Stream"/> that waits on the descriptor: the tty is opened
/// non-blocking and made raw with termios; a read or write that would block waits for the kernel to report data
/// or room through one epoll instance shared by every open port, which one thread-pool thread waits on. An idle port
/// costs no CPU and no thread of its own.
/// System.IO.Ports' Unix loop instead polls every millisecond while a read is pending: 1.2 ms per round trip and
/// about 0.6 % of a core per idle port (issue 13). Hand-written because no maintained .NET library waits on a tty
/// without a timer (RJCP.SerialPortStream needs a native library built per platform; Tmds.LibC has the calls only).
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class TermiosStream : Stream
{
    private readonly SafeFileHandle _fd;
    private readonly string _path;
    private readonly Readiness _readable = new(), _writable = new();
    private readonly long _token;
    private bool _drained; // the last read found fewer bytes than it could take; one reader at a time, as with any stream
    private int _disposed;

    private TermiosStream(SafeFileHandle fd, string path)
    {
        _fd = fd;
        _path = path;
        _token = Epoll.Add(this, fd);
    }

    /// <summary>True when termios can set <paramref name="baud"/> (the standard rates); others need System.IO.Ports' termios2 path.</summary>
    public static bool Supports(int baud) => TermiosNative.Speed(baud) is not null;

    /// <summary>
    /// Opens <paramref name="path"/> raw at <paramref name="baud"/>, 8N1, no flow control, for this process alone (TIOCEXCL,
    /// as System.IO.Ports does), with DTR asserted or cleared. Throws <see cref="IOException"/> or <see cref="UnauthorizedAccessException"/>.
    /// </summary>
    public static TermiosStream Open(string path, int baud, bool dtr, ILogger log)
    {
        var speed = TermiosNative.Speed(baud) ?? throw new ArgumentOutOfRangeException(nameof(baud), baud, "termios has no such rate");
        var raw = TermiosNative.open(path, TermiosNative.O_RDWR | TermiosNative.O_NOCTTY | TermiosNative.O_NONBLOCK | TermiosNative.O_CLOEXEC);
        if (raw < 0)
            throw TermiosNative.Error($"open {path}");
        var fd = new SafeFileHandle(raw, ownsHandle: true);
        try
        {
            if (TermiosNative.isatty(fd) != 1)
                throw new IOException($"{path} is not a terminal device");
            if (TermiosNative.ioctl(fd, TermiosNative.TIOCEXCL) != 0)
                throw TermiosNative.Error($"lock {path}");
            var termios = new byte[256]; // glibc's struct termios is 60 bytes; the rest is headroom
            if (TermiosNative.tcgetattr(fd, termios) != 0)
                throw TermiosNative.Error($"read the settings of {path}");
            TermiosNative.cfmakeraw(termios); // 8 bits, no parity, no echo or translation, VMIN 1 so an empty read is EAGAIN, not 0
            var cflag = BitConverter.ToUInt32(termios, TermiosNative.CflagOffset);
            cflag = (cflag | TermiosNative.CLOCAL | TermiosNative.CREAD) & ~(TermiosNative.CSTOPB | TermiosNative.CRTSCTS);
            BitConverter.TryWriteBytes(termios.AsSpan(TermiosNative.CflagOffset), cflag);
            if (TermiosNative.cfsetspeed(termios, speed) != 0 || TermiosNative.tcsetattr(fd, TermiosNative.TCSANOW, termios) != 0)
                throw TermiosNative.Error($"set {path} to {baud} baud");
            // The Air780 USB port only sends to the PC after DTR is asserted (or the PC wrote first).
            var dtrBit = TermiosNative.TIOCM_DTR;
            if (TermiosNative.ioctl(fd, dtr ? TermiosNative.TIOCMBIS : TermiosNative.TIOCMBIC, ref dtrBit) != 0)
                // Ptys and some adapters have no modem lines ("Inappropriate ioctl for device"); the data path works without.
                log.Debug("DTR not available on {Port} ({Reason}); going on without it", path, Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError()));
            return new TermiosStream(fd, path);
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    // write() hands the bytes to the kernel's tty buffer; nothing is held here to flush.
    public override void Flush() { }
    public override Task FlushAsync(CancellationToken ct) => Task.CompletedTask;

    /// <summary>A port that hung up (unplugged, or a pty whose other end closed) is an <see cref="IOException"/>, not an end of stream.</summary>
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        if (buffer.Length == 0)
            return 0;
        while (true)
        {
            // A short read emptied the tty: what comes after it raises an edge, so wait for that instead of a read
            // that would only say EAGAIN (one system call less per answer).
            if (_drained)
                await _readable.WaitAsync(ct);
            _readable.Reset();
            var n = TryRead(buffer.Span);
            _drained = n < buffer.Length;
            if (n > 0)
                return n;
            if (n == 0)
                throw new IOException($"{_path} hung up (the port vanished: unplugged, or the module re-enumerated)");
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default)
    {
        while (buffer.Length > 0)
        {
            _writable.Reset();
            var n = TryWrite(buffer.Span);
            if (n >= 0)
                buffer = buffer[n..];
            else
                await _writable.WaitAsync(ct);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) => WriteAsync(buffer.AsMemory(offset, count), ct).AsTask();
    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    /// <summary>Bytes read (0: the port hung up), or -1 when none are there yet.</summary>
    private int TryRead(Span<byte> buffer)
    {
        while (true)
        {
            var n = (int)TermiosNative.read(_fd, ref MemoryMarshal.GetReference(buffer), buffer.Length);
            if (n >= 0)
                return n;
            var errno = Marshal.GetLastPInvokeError();
            if (errno == TermiosNative.EAGAIN)
                return -1;
            if (errno != TermiosNative.EINTR)
                throw Vanished("reading", errno);
        }
    }

    /// <summary>Bytes written, or -1 when the port has no room yet.</summary>
    private int TryWrite(ReadOnlySpan<byte> buffer)
    {
        while (true)
        {
            var n = (int)TermiosNative.write(_fd, in MemoryMarshal.GetReference(buffer), buffer.Length);
            if (n >= 0)
                return n;
            var errno = Marshal.GetLastPInvokeError();
            if (errno == TermiosNative.EAGAIN)
                return -1;
            if (errno != TermiosNative.EINTR)
                throw Vanished("writing", errno);
        }
    }

    // Writing to a hung-up port, or any call on a device gone from under an open descriptor, fails with EIO.
    private IOException Vanished(string doing, int errno) => new($"{doing} {_path} failed: {Marshal.GetPInvokeErrorMessage(errno)} (the port vanished?)");

    private void OnEvents(uint events)
    {
        if ((events & (TermiosNative.EPOLLIN | TermiosNative.EPOLLRDHUP | TermiosNative.EPOLLHUP | TermiosNative.EPOLLERR)) != 0)
            _readable.Signal();
        if ((events & (TermiosNative.EPOLLOUT | TermiosNative.EPOLLHUP | TermiosNative.EPOLLERR)) != 0)
            _writable.Signal();
    }

    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Epoll.Remove(_token, _fd);
            _ = TermiosNative.ioctl(_fd, TermiosNative.TIOCNXCL); // some drivers keep the lock past close
            _fd.Dispose(); // closes once no read or write call still holds the handle
            var closed = new ObjectDisposedException(nameof(TermiosStream), $"{_path} was closed");
            _readable.Fail(closed);
            _writable.Fail(closed);
        }
        base.Dispose(disposing);
    }

    /// <summary>
    /// Edge-triggered readiness of one direction. A caller clears it before each attempt; the poller sets it and
    /// resumes the waiter on its own thread. An edge between a failed attempt and the wait is seen by the waiter's
    /// second look at the flag.
    /// </summary>
    private sealed class Readiness
    {
        private int _ready;
        private TaskCompletionSource? _waiter;
        private Exception? _failure;

        public void Reset() => Interlocked.Exchange(ref _ready, 0);

        public Task WaitAsync(CancellationToken ct)
        {
            // Continuations run where Signal is called: on the pool thread that took the event (see Epoll).
            var waiter = new TaskCompletionSource();
            Interlocked.Exchange(ref _waiter, waiter);
            if (Volatile.Read(ref _failure) is { } failure)
                return Task.FromException(failure);
            if (Volatile.Read(ref _ready) == 1)
            {
                Interlocked.CompareExchange(ref _waiter, null, waiter);
                return Task.CompletedTask;
            }
            return ct.CanBeCanceled ? waiter.Task.WaitAsync(ct) : waiter.Task;
        }

        public void Signal()
        {
            Interlocked.Exchange(ref _ready, 1);
            Interlocked.Exchange(ref _waiter, null)?.TrySetResult();
        }

        /// <summary>From Dispose: the waiter resumes on the pool, not inside the caller's Dispose.</summary>
        public void Fail(Exception e)
        {
            Interlocked.Exchange(ref _failure, e);
            if (Interlocked.Exchange(ref _waiter, null) is { } waiter)
                ThreadPool.UnsafeQueueUserWorkItem(w => w.TrySetException(e), waiter, preferLocal: false);
        }
    }

    /// <summary>
    /// One epoll instance for every port of the process, waited on by one thread-pool thread at a time (leader/follower):
    /// the thread an event wakes hands the wait to the next pool thread, then resumes the first waiter itself. So an
    /// answer reaches the code awaiting it with the one wake-up the kernel makes, as a blocking read would, and not a
    /// second one to hand it to the pool (on a loaded 2-core machine that hand-off alone cost 150-250 us, issue 13).
    /// </summary>
    private static class Epoll
    {
        private const int Batch = 64;
        private static readonly Lazy<int> Instance = new(Start);
        private static readonly ConcurrentDictionary<long, TermiosStream> Streams = new();
        // x86 packs struct epoll_event to 12 bytes; every other ABI aligns its 64-bit data to 8.
        private static readonly int EventSize = RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.X86 ? 12 : 16;
        private static long _nextToken;

        /// <summary>Registers once for both directions, edge-triggered: no call per read or write, no re-arming.</summary>
        public static long Add(TermiosStream stream, SafeFileHandle fd)
        {
            // Tokens are never reused, so an event for a closed port (whose number may be reused) finds nobody.
            var token = Interlocked.Increment(ref _nextToken);
            Streams[token] = stream;
            Span<byte> ev = stackalloc byte[EventSize];
            BitConverter.TryWriteBytes(ev, TermiosNative.EPOLLIN | TermiosNative.EPOLLOUT | TermiosNative.EPOLLRDHUP | TermiosNative.EPOLLET);
            BitConverter.TryWriteBytes(ev[(EventSize - 8)..], token);
            if (TermiosNative.epoll_ctl(Instance.Value, TermiosNative.EPOLL_CTL_ADD, fd, ref MemoryMarshal.GetReference(ev)) != 0)
            {
                Streams.TryRemove(token, out _);
                throw TermiosNative.Error($"watch {stream._path}");
            }
            return token;
        }

        public static void Remove(long token, SafeFileHandle fd)
        {
            Streams.TryRemove(token, out _);
            Span<byte> ev = stackalloc byte[EventSize];
            _ = TermiosNative.epoll_ctl(Instance.Value, TermiosNative.EPOLL_CTL_DEL, fd, ref MemoryMarshal.GetReference(ev));
        }

        private static int Start()
        {
            var epfd = TermiosNative.epoll_create1(TermiosNative.O_CLOEXEC);
            if (epfd < 0)
                throw TermiosNative.Error("epoll_create1");
            // The wait holds one pool thread for good: one more in the pool's minimum (one per core) keeps as many
            // workers free as without it before the pool starts adding threads slowly.
            ThreadPool.GetMinThreads(out var workers, out var io);
            ThreadPool.SetMinThreads(workers + 1, io);
            ThreadPool.UnsafeQueueUserWorkItem(Wait, epfd, preferLocal: false);
            return epfd;
        }

        // Blocks one pool thread while every port is idle: no timer, no CPU.
        private static void Wait(int epfd)
        {
            var events = new byte[Batch * EventSize];
            int n;
            // Only EINTR can fail it: the instance is never closed and the buffer is ours.
            while ((n = TermiosNative.epoll_wait(epfd, ref events[0], Batch, -1)) <= 0)
            {
            }
            ThreadPool.UnsafeQueueUserWorkItem(Wait, epfd, preferLocal: false);
            for (var i = n - 1; i >= 0; i--)
            {
                var ev = events.AsSpan(i * EventSize, EventSize);
                if (!Streams.TryGetValue(BitConverter.ToInt64(ev[(EventSize - 8)..]), out var stream))
                    continue;
                var flags = BitConverter.ToUInt32(ev);
                // The first port's reader resumes here; others go to the pool, so no reader waits behind another one.
                if (i == 0)
                    stream.OnEvents(flags);
                else
                    ThreadPool.UnsafeQueueUserWorkItem(e => e.Stream.OnEvents(e.Flags), (Stream: stream, Flags: flags), preferLocal: true);
            }
        }
    }

    private static class TermiosNative
    {
        // Linux generic ABI (x86, arm, arm64, riscv): checked against glibc's headers.
        public const int O_RDWR = 2, O_NOCTTY = 0x100, O_NONBLOCK = 0x800, O_CLOEXEC = 0x80000;
        public const int EINTR = 4, EAGAIN = 11, EPERM = 1, EACCES = 13;
        public const nuint TIOCEXCL = 0x540C, TIOCNXCL = 0x540D, TIOCMBIS = 0x5416, TIOCMBIC = 0x5417;
        public const int TIOCM_DTR = 2, TCSANOW = 0, CflagOffset = 8;
        public const uint CLOCAL = 0x800, CREAD = 0x80, CSTOPB = 0x40, CRTSCTS = 0x80000000;
        public const int EPOLL_CTL_ADD = 1, EPOLL_CTL_DEL = 2;
        public const uint EPOLLIN = 0x1, EPOLLOUT = 0x4, EPOLLERR = 0x8, EPOLLHUP = 0x10, EPOLLRDHUP = 0x2000, EPOLLET = 0x80000000;

        /// <summary>The Bnnn constant of a standard rate.</summary>
        public static uint? Speed(int baud) => baud switch
        {
            50 => 1, 75 => 2, 110 => 3, 134 => 4, 150 => 5, 200 => 6, 300 => 7, 600 => 8, 1200 => 9, 1800 => 10, 2400 => 11,
            4800 => 12, 9600 => 13, 19200 => 14, 38400 => 15, 57600 => 0x1001, 115200 => 0x1002, 230400 => 0x1003,
            460800 => 0x1004, 500000 => 0x1005, 576000 => 0x1006, 921600 => 0x1007, 1000000 => 0x1008, 1152000 => 0x1009,
            1500000 => 0x100A, 2000000 => 0x100B, 2500000 => 0x100C, 3000000 => 0x100D, 3500000 => 0x100E, 4000000 => 0x100F,
            _ => null,
        };

        public static Exception Error(string doing)
        {
            var errno = Marshal.GetLastPInvokeError();
            var text = $"{doing} failed: {Marshal.GetPInvokeErrorMessage(errno)}";
            return errno is EACCES or EPERM ? new UnauthorizedAccessException(text) : new IOException(text);
        }

        [DllImport("libc", SetLastError = true)] public static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);
        [DllImport("libc", SetLastError = true)] public static extern int isatty(SafeFileHandle fd);
        [DllImport("libc", SetLastError = true)] public static extern int ioctl(SafeFileHandle fd, nuint request);
        [DllImport("libc", SetLastError = true)] public static extern int ioctl(SafeFileHandle fd, nuint request, ref int arg);
        [DllImport("libc", SetLastError = true)] public static extern int tcgetattr(SafeFileHandle fd, byte[] termios);
        [DllImport("libc")] public static extern void cfmakeraw(byte[] termios);
        [DllImport("libc", SetLastError = true)] public static extern int cfsetspeed(byte[] termios, uint speed);
        [DllImport("libc", SetLastError = true)] public static extern int tcsetattr(SafeFileHandle fd, int action, byte[] termios);
        [DllImport("libc", SetLastError = true)] public static extern nint read(SafeFileHandle fd, ref byte buffer, nint count);
        [DllImport("libc", SetLastError = true)] public static extern nint write(SafeFileHandle fd, in byte buffer, nint count);
        [DllImport("libc", SetLastError = true)] public static extern int epoll_create1(int flags);
        [DllImport("libc", SetLastError = true)] public static extern int epoll_ctl(int epfd, int op, SafeFileHandle fd, ref byte ev);
        [DllImport("libc", SetLastError = true)] public static extern int epoll_wait(int epfd, ref byte events, int max, int timeout);
    }
}
