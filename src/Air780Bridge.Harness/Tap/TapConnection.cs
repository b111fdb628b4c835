using System.Buffers;
using System.Collections.Concurrent;
using System.Net.Sockets;
using Air780Bridge.Harness.Timeline;

namespace Air780Bridge.Harness.Tap;

/// <summary>One proxied module connection: two pumps, the decoded timeline, and the faults set on it.</summary>
internal sealed class TapConnection
{
    private readonly Socket _module;
    private readonly Stream _moduleStream;
    private readonly Stream _upstream;
    private readonly Timeline.Timeline _timeline;
    private readonly WireTap _tap;
    private readonly CancellationTokenSource _stop = new();
    // The down pump and injected faults both write toward the module; one writer at a time keeps packets whole.
    private readonly SemaphoreSlim _downWrite = new(1, 1);
    private int _closed;
    private volatile bool _untraced;
    private bool _muted;
    private volatile bool _connectSeen;
    private readonly bool _tls;
    private const int ReadSize = 16 * 1024;

    public TapConnection(string id, Socket module, Stream moduleStream, Stream upstream, Timeline.Timeline timeline, WireTap tap, bool tls)
    {
        _tls = tls;
        Id = id;
        _module = module;
        _moduleStream = moduleStream;
        _upstream = upstream;
        _timeline = timeline;
        _tap = tap;
    }

    public string Id { get; }
    public string? ClientId { get; private set; }
    public DateTime BlackholeUntil { get; set; }
    public TimeSpan Delay { get; set; }
    public ConcurrentDictionary<string, bool> Withheld { get; } = new();

    public async Task RunAsync(TimeSpan connectTimeLeft)
    {
        // Until the module's CONNECT is complete the connection is unauthenticated: it gets a deadline.
        await using var deadline = new Timer(_ => ConnectOverdue(), null, connectTimeLeft > TimeSpan.Zero ? connectTimeLeft : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        var up = Pump(_moduleStream, _upstream, "up", "module closed");
        var down = Pump(_upstream, _moduleStream, "down", "broker closed");
        await Task.WhenAny(up, down);
        Close(up.IsCompleted ? await up : await down, reset: false);
        await Task.WhenAll(up, down);
    }

    private void ConnectOverdue()
    {
        if (_connectSeen || Volatile.Read(ref _closed) == 1) return;
        _tap.Violation(new TimelineEntry { T = TimelineClock.NowUs, Kind = "violation", Conn = Id, Dir = "up", Type = "connect-timeout",
            Detail = $"no complete CONNECT within {_tap.Limits.ConnectTimeout.TotalSeconds:0.#} s of the TCP connection (raise it with --connect-timeout); connection closed" });
        Close("closed: no CONNECT in time", reset: false);
    }

    private async Task<string> Pump(Stream from, Stream to, string dir, string eofReason)
    {
        var decoder = new MqttDecoder(_tap.Limits.MaxPacketSize);
        var buffer = new byte[ReadSize];
        var frames = new List<MqttFrame>();
        // Frames of one read go out in one write: one await per read, not per packet.
        var batch = new ArrayBufferWriter<byte>(ReadSize);
        try
        {
            while (true)
            {
                var n = await from.ReadAsync(buffer, _stop.Token);
                if (n == 0) return eofReason;
                frames.Clear();
                decoder.Feed(buffer.AsSpan(0, n), Id, dir, frames);
                foreach (var frame in frames)
                {
                    if (frame.Entry.Kind == "violation")
                    {
                        await Flush(batch, to, dir);
                        _tap.Violation(frame.Entry);
                        return $"closed: {frame.Entry.Type}";
                    }
                    if (frame.Entry.Type == "CONNECT" && dir == "up")
                    {
                        ClientId = frame.Entry.ClientId;
                        _connectSeen = true;
                        _untraced = _tap.UntracedUser is not null && frame.Entry.Username == _tap.UntracedUser;
                        _muted = ClientId is not null && _tap.MutedClients.ContainsKey(ClientId);
                        if (_untraced && !_tls)
                        {
                            // Its password just crossed in clear; refuse it so the control channel is never used that way.
                            _tap.Violation(new TimelineEntry { T = TimelineClock.NowUs, Kind = "violation", Conn = Id, Dir = dir, Type = "control-over-plain",
                                Detail = "the control user logged in on the plain endpoint; the control channel is TLS only (use the TLS port with the harness CA); connection closed" });
                            return "closed: control login over plain TCP";
                        }
                    }
                    if (!_untraced) _timeline.Append(frame.Entry);
                    if (dir == "up" && _muted)
                    {
                        if (frame.Entry.Type == "CONNECT")
                            _timeline.Append(new TimelineEntry { T = TimelineClock.NowUs, Kind = "fault", Conn = Id, Dir = dir, Type = "muted", Detail = $"{ClientId}: not forwarded, no answer" });
                        continue;
                    }
                    if (HoldPending)
                    {
                        // Blackhole and delay act per packet: what is batched goes first, then this packet waits.
                        await Flush(batch, to, dir);
                        await HoldAsync();
                    }
                    if (dir == "down" && frame.Entry.Type is { } type && IsWithheld(type))
                    {
                        _timeline.Append(new TimelineEntry { T = TimelineClock.NowUs, Kind = "fault", Conn = Id, Dir = dir, Type = "withheld", PacketId = frame.Entry.PacketId, Detail = $"{type} not forwarded to the module" });
                        continue;
                    }
                    // Bytes go out exactly as they came in, malformed or not.
                    if (frame.Bytes.Length > ReadSize)
                    {
                        await Flush(batch, to, dir);
                        await Forward(frame.Bytes, to, dir);
                    }
                    else batch.Write(frame.Bytes);
                }
                await Flush(batch, to, dir);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            return _stop.IsCancellationRequested ? "closed by tap" : $"{dir} stream error: {ex.Message}";
        }
    }

    private async ValueTask Flush(ArrayBufferWriter<byte> batch, Stream to, string dir)
    {
        if (batch.WrittenCount == 0) return;
        await Forward(batch.WrittenMemory, to, dir);
        batch.ResetWrittenCount();
    }

    private async ValueTask Forward(ReadOnlyMemory<byte> bytes, Stream to, string dir)
    {
        if (dir != "down")
        {
            await to.WriteAsync(bytes, _stop.Token);
            return;
        }
        // Injected faults write toward the module too; the batch goes between their packets, never inside one.
        await _downWrite.WaitAsync(_stop.Token);
        try { await to.WriteAsync(bytes, _stop.Token); }
        finally { _downWrite.Release(); }
    }

    private bool HoldPending => Delay > TimeSpan.Zero || _tap.GlobalDelay > TimeSpan.Zero || (BlackholeUntil > _tap.GlobalBlackholeUntil ? BlackholeUntil : _tap.GlobalBlackholeUntil) > DateTime.UtcNow;

    /// <summary>Writes <paramref name="segments"/> toward the module, each flushed as its own TCP segment when
    /// <paramref name="gap"/> is set (Nagle off while they go).</summary>
    internal async Task WriteDownAsync(IReadOnlyList<byte[]> segments, TimeSpan gap)
    {
        await _downWrite.WaitAsync(_stop.Token);
        try
        {
            foreach (var segment in segments)
            {
                if (gap > TimeSpan.Zero) _module.NoDelay = true;
                await _moduleStream.WriteAsync(segment, _stop.Token);
                if (gap <= TimeSpan.Zero) continue;
                await _moduleStream.FlushAsync(_stop.Token);
                await Task.Delay(gap, _stop.Token);
            }
        }
        finally { _downWrite.Release(); }
    }

    private bool IsWithheld(string type) => Withheld.ContainsKey(type) || _tap.GlobalWithheld.ContainsKey(type);

    private async Task HoldAsync()
    {
        var until = BlackholeUntil > _tap.GlobalBlackholeUntil ? BlackholeUntil : _tap.GlobalBlackholeUntil;
        var wait = until - DateTime.UtcNow;
        if (wait > TimeSpan.Zero) await Task.Delay(wait, _stop.Token);
        var delay = Delay > _tap.GlobalDelay ? Delay : _tap.GlobalDelay;
        if (delay > TimeSpan.Zero) await Task.Delay(delay, _stop.Token);
    }

    /// <summary>Closes both sides once; <paramref name="reset"/> sends RST to the module instead of FIN.</summary>
    public void Close(string reason, bool reset)
    {
        if (Interlocked.Exchange(ref _closed, 1) == 1) return;
        // Recorded first: closing the in-process upstream runs the broker's reaction (a will published to another
        // connection) on this thread, and the timeline must show the close before what it caused.
        if (!_untraced) _timeline.Append(new TimelineEntry { T = TimelineClock.NowUs, Kind = "connection", Conn = Id, Type = "close", Detail = reason });
        if (reset) _module.LingerState = new LingerOption(true, 0);
        _stop.Cancel();
        _moduleStream.Dispose();
        _module.Dispose();
        _upstream.Dispose();
    }
}
