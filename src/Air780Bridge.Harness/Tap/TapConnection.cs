using System.Collections.Concurrent;
using System.Net.Sockets;
using Air780Bridge.Harness.Timeline;

namespace Air780Bridge.Harness.Tap;

/// <summary>One proxied module connection: two pumps, the decoded timeline, and the faults set on it.</summary>
internal sealed class TapConnection
{
    private readonly Socket _module;
    private readonly Stream _moduleStream;
    private readonly TcpClient _upstream;
    private readonly Timeline.Timeline _timeline;
    private readonly WireTap _tap;
    private readonly CancellationTokenSource _stop = new();
    // The down pump and injected faults both write toward the module; one writer at a time keeps packets whole.
    private readonly SemaphoreSlim _downWrite = new(1, 1);
    private int _closed;
    private volatile bool _untraced;
    private bool _muted;

    public TapConnection(string id, Socket module, Stream moduleStream, TcpClient upstream, Timeline.Timeline timeline, WireTap tap)
    {
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

    public async Task RunAsync()
    {
        var upstream = _upstream.GetStream();
        var up = Pump(_moduleStream, upstream, "up", "module closed");
        var down = Pump(upstream, _moduleStream, "down", "broker closed");
        await Task.WhenAny(up, down);
        Close(up.IsCompleted ? await up : await down, reset: false);
        await Task.WhenAll(up, down);
    }

    private async Task<string> Pump(Stream from, Stream to, string dir, string eofReason)
    {
        var decoder = new MqttDecoder();
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var n = await from.ReadAsync(buffer, _stop.Token);
                if (n == 0) return eofReason;
                foreach (var frame in decoder.Feed(buffer.AsSpan(0, n), Id, dir))
                {
                    if (frame.Entry.Type == "CONNECT")
                    {
                        ClientId = frame.Entry.ClientId;
                        _untraced = _tap.UntracedUser is not null && frame.Entry.Username == _tap.UntracedUser;
                        _muted = ClientId is not null && _tap.MutedClients.ContainsKey(ClientId);
                    }
                    if (!_untraced) _timeline.Append(frame.Entry);
                    if (dir == "up" && _muted)
                    {
                        if (frame.Entry.Type == "CONNECT")
                            _timeline.Append(new TimelineEntry { T = TimelineClock.NowUs, Kind = "fault", Conn = Id, Dir = dir, Type = "muted", Detail = $"{ClientId}: not forwarded, no answer" });
                        continue;
                    }
                    await HoldAsync();
                    if (dir == "down" && frame.Entry.Type is { } type && IsWithheld(type))
                    {
                        _timeline.Append(new TimelineEntry { T = TimelineClock.NowUs, Kind = "fault", Conn = Id, Dir = dir, Type = "withheld", PacketId = frame.Entry.PacketId, Detail = $"{type} not forwarded to the module" });
                        continue;
                    }
                    // Bytes go out exactly as they came in, malformed or not.
                    if (dir == "down") await WriteDownAsync([frame.Bytes], TimeSpan.Zero);
                    else await to.WriteAsync(frame.Bytes, _stop.Token);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            return _stop.IsCancellationRequested ? "closed by tap" : $"{dir} stream error: {ex.Message}";
        }
    }

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
        if (reset) _module.LingerState = new LingerOption(true, 0);
        _stop.Cancel();
        _moduleStream.Dispose();
        _module.Dispose();
        _upstream.Dispose();
        if (!_untraced) _timeline.Append(new TimelineEntry { T = TimelineClock.NowUs, Kind = "connection", Conn = Id, Type = "close", Detail = reason });
    }
}
