using System.Collections.Concurrent;
using System.Threading.Channels;
using Air780Bridge.Client.Transport;
using Air780Bridge.Protocol.Framing;
using Air780Bridge.Protocol.Messages;
using Air780Bridge.Protocol.Values;
using Polly;
using Polly.Retry;
using Serilog;

namespace Air780Bridge.Client.Link;

/// <summary>Settings of the link; defaults follow docs/protocol.md §3 and §7.</summary>
public sealed record LinkOptions
{
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(5);
    public TimeSpan CreditTimeout { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan PingInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a vanished port is retried before the link gives up; null = until disposed.</summary>
    public TimeSpan? ReconnectFor { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>HELLO_REQ is sent this many times, evenly spread over <see cref="RequestTimeout"/>, until a HELLO answers (§5.2: it is safe to repeat).</summary>
    public int HelloAttempts { get; init; } = 10;

    /// <summary>Partial-frame timeout (§1.3): a partial frame held this long with no new byte is dropped and rescanned.</summary>
    public TimeSpan FrameTimeout { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Protocol versions offered in HELLO_REQ (§4.1); <c>[1]</c> talks to the agent as a version-1 host does.</summary>
    public IReadOnlyList<int> Protocols { get; init; } = ProtocolVersions.Supported;
}

/// <summary>What the link reports besides module events.</summary>
public abstract record LinkNotice;

/// <summary>An EVENT the agent sent.</summary>
public sealed record ModuleEventNotice(EventMessage Event) : LinkNotice;

/// <summary>Events were lost between <see cref="Expected"/> and <see cref="Got"/> (corruption or a dropped frame).</summary>
public sealed record EventGapNotice(ushort Expected, ushort Got, int Lost) : LinkNotice;

/// <summary>The module booted (again): a new boot id.</summary>
public sealed record RebootNotice(string? OldBootId, HelloInfo Hello) : LinkNotice;

/// <summary>The port vanished or came back.</summary>
public sealed record LinkStateNotice(bool Up, string Reason) : LinkNotice;

public sealed record LinkStats(FrameReaderStats Reader, long DiscardedPartials, long DecodeErrors, long EventsLost, long CreditResets, long Reconnects,
    long HelloRetries = 0);

/// <summary>
/// One module's protocol link: frames in and out of a byte stream, request/response matching, credit flow
/// control, event sequencing, pings, and reopening a port that vanished (docs/protocol.md).
/// </summary>
public sealed class ModuleLink : IAsyncDisposable
{
    private static readonly HashSet<string> IdempotentMethods = ["mqtt.ready", "mqtt.state", "agent.stats"];

    private readonly LinkAddress _address;
    private readonly ITransport _transport;
    private readonly LinkOptions _options;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _life = new();
    private readonly ConcurrentDictionary<ushort, Pending> _pending = new();
    private readonly Channel<LinkNotice> _notices = Channel.CreateUnbounded<LinkNotice>(new UnboundedChannelOptions { SingleReader = false });
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly SequenceTracker _sequence = new();
    private readonly ResiliencePipeline _reopen;
    private readonly Lock _creditLock = new();
    private TaskCompletionSource _creditArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Stream? _stream;
    private FrameReader _reader = new();
    private MessageAssembler _assembler = new();
    private long _inFlight;
    private int _nextId;
    private long _decodeErrors, _creditResets, _reconnects, _helloRetries;
    private int _recovering;
    private volatile string? _failure;
    // Completed true while the link serves; a new one while it reopens, completed true when back, false when it gave up.
    private volatile TaskCompletionSource<bool> _up = Completed(true);
    private long _lastTraffic = Environment.TickCount64;
    private volatile int _version = ProtocolVersions.Base; // the forms requests are sent in: the version the agent's last HELLO said it uses
    private Task? _readLoop;
    private Task? _pingLoop;

    private sealed record Pending(string Method, WireMessage Message, TaskCompletionSource<ProtocolMessage> Done)
    {
        public bool Idempotent => Method is "hello" or "ping" || IdempotentMethods.Contains(Method);
    }

    private ModuleLink(LinkAddress address, ITransport transport, LinkOptions options, ILogger log)
    {
        if (options.Protocols.Count == 0 || options.Protocols.Any(v => !ProtocolVersions.Supported.Contains(v)))
            throw new ArgumentException($"LinkOptions.Protocols [{string.Join(", ", options.Protocols)}]: offer one or more of the versions this host speaks, " +
                                        $"[{string.Join(", ", ProtocolVersions.Supported)}]", nameof(options));
        _address = address;
        _transport = transport;
        _options = options;
        _log = log.ForContext("Link", address.ToString());
        _reopen = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<LinkUnavailableException>().Handle<IOException>().Handle<LinkTimeoutException>()
                    .Handle<LinkLostException>(),
                BackoffType = DelayBackoffType.Exponential,
                Delay = TimeSpan.FromMilliseconds(200),
                MaxDelay = TimeSpan.FromSeconds(2),
                MaxRetryAttempts = int.MaxValue,
                OnRetry = a =>
                {
                    _log.Debug("reopening {Link}: attempt {Attempt} failed: {Reason}", address, a.AttemptNumber + 1, a.Outcome.Exception?.Message);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    public HelloInfo Hello { get; private set; } = new();

    /// <summary>Module events, gaps, reboots and link state, in order.</summary>
    public ChannelReader<LinkNotice> Notices => _notices.Reader;

    public LinkStats Stats => new(_reader.Stats, _assembler.DiscardedPartials, Interlocked.Read(ref _decodeErrors), _sequence.Lost,
        Interlocked.Read(ref _creditResets), Interlocked.Read(ref _reconnects), Interlocked.Read(ref _helloRetries));

    /// <summary>Why the link is dead (it gave up reopening, or its reader failed), or null while it serves.</summary>
    public string? Failure => _failure;

    /// <summary>False while a vanished port is being reopened, and once the link gave up.</summary>
    public bool IsUp => _up.Task is { IsCompletedSuccessfully: true, Result: true };

    /// <summary>Waits until the link serves again (true) or gave up reopening within <see cref="LinkOptions.ReconnectFor"/> (false).</summary>
    public Task<bool> WaitUntilUpAsync(CancellationToken ct) => _up.Task.WaitAsync(ct);

    private static TaskCompletionSource<bool> Completed(bool up)
    {
        var signal = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        signal.SetResult(up);
        return signal;
    }

    /// <summary>
    /// Opens the transport and waits for the module's HELLO. <paramref name="transport"/> replaces the one the address's
    /// scheme names, e.g. a serial transport with another <see cref="SerialIo"/>.
    /// </summary>
    public static async Task<ModuleLink> ConnectAsync(LinkAddress address, LinkOptions? options, ILogger log, CancellationToken ct, ITransport? transport = null)
    {
        var link = new ModuleLink(address, transport ?? address.Transport, options ?? new LinkOptions(), log);
        try
        {
            await link.OpenAsync(ct);
            link._pingLoop = link.PingLoopAsync(link._life.Token);
            return link;
        }
        catch
        {
            await link.DisposeAsync();
            throw;
        }
    }

    private async Task OpenAsync(CancellationToken ct)
    {
        _stream = await _transport.OpenAsync(_address, _log, ct);
        _reader = new FrameReader();
        _assembler = new MessageAssembler();
        lock (_creditLock) _inFlight = 0;
        _sequence.Reset();
        _readLoop = ReadLoopAsync(_stream, _life.Token);
        var hello = await SendAsync("hello", new HelloRequestMessage(0, _options.Protocols), _options.RequestTimeout, ct, Math.Max(1, _options.HelloAttempts));
        AcceptHello(((HelloMessage)hello).Info, unsolicited: false);
    }

    // A boot HELLO comes before any offer, so the agent is back at version 1 until asked again (§4.1).
    private async Task RenegotiateAsync()
    {
        try
        {
            await SendAsync("hello", new HelloRequestMessage(0, _options.Protocols), _options.RequestTimeout, _life.Token, Math.Max(1, _options.HelloAttempts));
        }
        catch (Exception e) when (e is LinkTimeoutException or LinkLostException or ModuleRebootedException or OperationCanceledException)
        {
            _log.Warning("offering protocol versions {Offer} to {Link} again after its boot failed ({Error}); requests stay in version {Version} forms",
                _options.Protocols, _address, e.Message, _version);
        }
    }

    /// <summary>Calls one Lua function through the agent (docs/protocol.md §5); returns its results.</summary>
    public async Task<object?[]> CallAsync(string method, object?[] args, TimeSpan? timeout, CancellationToken ct)
    {
        var reply = await SendAsync(method, new RequestMessage(0, method, args), timeout ?? _options.RequestTimeout, ct);
        return reply switch
        {
            ResultMessage r => r.Values,
            ErrorMessage e => throw new ModuleErrorException(e.Kind, e.Text),
            _ => throw new LinkLostException($"unexpected {reply.GetType().Name} for {method}"),
        };
    }

    public async Task<TimeSpan> PingAsync(CancellationToken ct)
    {
        var started = Environment.TickCount64;
        await SendAsync("ping", new PingMessage(0, "air780"u8.ToArray()), _options.RequestTimeout, ct);
        return TimeSpan.FromMilliseconds(Environment.TickCount64 - started);
    }

    // attempts > 1 only for requests safe to repeat (§5.2): the same id is resent, so a late answer to any copy counts.
    private async Task<ProtocolMessage> SendAsync(string method, ProtocolMessage message, TimeSpan timeout, CancellationToken ct, int attempts = 1)
    {
        if (_failure is { } failure)
            throw new LinkLostException($"the link to {_address} is dead ({failure}); reconnect to go on");
        var id = AllocateId();
        var wire = MessageCodec.Encode(message, _version) with { Id = id };
        var pending = new Pending(method, wire, new TaskCompletionSource<ProtocolMessage>(TaskCreationOptions.RunContinuationsAsynchronously));
        _pending[id] = pending;
        try
        {
            var started = Environment.TickCount64;
            for (var attempt = 1; ; attempt++)
            {
                await WriteAsync(wire, ct);
                var left = timeout - TimeSpan.FromMilliseconds(Environment.TickCount64 - started);
                var wait = attempt < attempts ? timeout / attempts : left;
                try
                {
                    return await pending.Done.Task.WaitAsync(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, ct);
                }
                catch (TimeoutException) when (attempt < attempts)
                {
                    Interlocked.Increment(ref _helloRetries);
                    _log.Debug("no answer to {Method} from {Link} yet; sending it again (attempt {Attempt} of {Attempts})", method, _address, attempt + 1, attempts);
                }
            }
        }
        catch (TimeoutException)
        {
            var tries = attempts > 1 ? $" ({attempts} attempts)" : "";
            throw new LinkTimeoutException($"no answer to {method} from {_address} within {timeout.TotalSeconds:0.#} s{tries}; is the agent running (`air780 probe`)?");
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    private ushort AllocateId()
    {
        for (var tries = 0; tries < 65535; tries++)
        {
            var id = (ushort)((uint)Interlocked.Increment(ref _nextId) % 65535 + 1);
            if (!_pending.ContainsKey(id))
                return id;
        }
        throw new InvalidOperationException("65535 requests in flight");
    }

    private async Task WriteAsync(WireMessage message, CancellationToken ct)
    {
        await _writeLock.WaitAsync(ct);
        try
        {
            foreach (var frame in FrameEncoder.Fragment(message.Type, message.Id, message.Body, Hello.MaxFrame))
            {
                var bytes = FrameEncoder.Encode(frame);
                await WaitForWindowAsync(bytes.Length, ct);
                var stream = _stream ?? throw new LinkLostException($"{_address} is not open");
                await stream.WriteAsync(bytes, ct);
                await stream.FlushAsync(ct);
                Interlocked.Exchange(ref _lastTraffic, Environment.TickCount64);
            }
        }
        catch (IOException e)
        {
            throw new LinkLostException($"writing to {_address} failed: {e.Message}", e);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    // Credit flow control (§3): never more than rx_window uncredited bytes toward the module.
    private async Task WaitForWindowAsync(int size, CancellationToken ct)
    {
        while (true)
        {
            Task arrived;
            lock (_creditLock)
            {
                if (_inFlight + size <= Math.Max(Hello.RxWindow, size))
                {
                    _inFlight += size;
                    return;
                }
                arrived = _creditArrived.Task;
            }
            try
            {
                await arrived.WaitAsync(_options.CreditTimeout, ct);
            }
            catch (TimeoutException)
            {
                // Bytes lost on the wire are never credited; by now the module's buffer is drained.
                Interlocked.Increment(ref _creditResets);
                _log.Warning("no CREDIT from {Link} for {Timeout}: assuming lost bytes, resetting the window", _address, _options.CreditTimeout);
                lock (_creditLock) _inFlight = 0;
            }
        }
    }

    private void OnCredit(long bytes)
    {
        TaskCompletionSource signal;
        lock (_creditLock)
        {
            _inFlight = Math.Max(0, _inFlight - bytes);
            signal = _creditArrived;
            _creditArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        signal.TrySetResult();
    }

    private async Task ReadLoopAsync(Stream stream, CancellationToken ct)
    {
        var buffer = new byte[4096];
        var frames = new List<ReceivedFrame>();
        string? failure = null;
        try
        {
            Task<int>? read = null;
            while (!ct.IsCancellationRequested)
            {
                read ??= stream.ReadAsync(buffer, ct).AsTask();
                var damageBefore = _reader.Stats.Damage;
                frames.Clear();
                if (_reader.Pending > 0 && !await CompletesWithin(read, _options.FrameTimeout, ct))
                {
                    // No byte for the frame timeout while a partial frame is held: it is torn, not slow (§1.3).
                    _reader.Expire(frames);
                }
                else
                {
                    var n = await read;
                    read = null;
                    if (n == 0)
                        break;
                    Interlocked.Exchange(ref _lastTraffic, Environment.TickCount64);
                    _reader.Read(buffer.AsSpan(0, n), frames);
                }
                if (_reader.Stats.Damage != damageBefore)
                    _log.Warning("resync on {Link}: {Stats}", _address, _reader.Stats);
                foreach (var frame in frames)
                    Deliver(frame);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return;
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException or OperationCanceledException)
        {
            failure = e.Message;
        }
        catch (Exception e)
        {
            // A defect, not the link: say so loudly and recover rather than leave a dead reader behind.
            _log.Error(e, "the reader of {Link} failed", _address);
            failure = $"reader failed: {e.Message}";
        }
        if (!ct.IsCancellationRequested)
        {
            // Down before this method returns: whoever looks next (e.g. a rig between scenarios) waits instead of failing.
            if (_up.Task.IsCompleted)
                _up = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            _ = Task.Run(() => RecoverAsync(failure ?? "end of stream"), CancellationToken.None);
        }
    }

    private static async Task<bool> CompletesWithin(Task task, TimeSpan timeout, CancellationToken ct)
    {
        try
        {
            await task.WaitAsync(timeout, ct);
            return true;
        }
        catch (TimeoutException)
        {
            // The timer won, but on a loaded host the read may have completed while this ran late: bytes that came are
            // not a torn frame.
            return task.IsCompleted;
        }
    }

    // One frame into reassembly and dispatch; nothing a frame holds may stop the reader (docs/protocol.md §1.3).
    private void Deliver(ReceivedFrame frame)
    {
        try
        {
            if (_assembler.Add(frame) is { } message)
                Dispatch(message);
        }
        catch (Exception e)
        {
            Interlocked.Increment(ref _decodeErrors);
            _log.Error(e, "dropped {Frame} from {Link}: handling it failed", frame.Frame, _address);
        }
    }

    private void Dispatch(WireMessage wire)
    {
        ProtocolMessage message;
        try
        {
            message = MessageCodec.Decode(wire);
        }
        catch (ProtocolFormatException e)
        {
            Interlocked.Increment(ref _decodeErrors);
            _log.Warning("undecodable {Type} id={Id} from {Link}: {Error}", wire.Type, wire.Id, _address, e.Message);
            if (_pending.TryGetValue(wire.Id, out var victim) && wire.Type is FrameType.Result or FrameType.Error)
                victim.Done.TrySetException(new LinkLostException($"the answer to {victim.Method} was corrupt: {e.Message}"));
            return;
        }
        switch (message)
        {
            case HelloMessage hello:
                AcceptHello(hello.Info, unsolicited: hello.Id == 0);
                Complete(hello);
                break;
            case EventMessage evt:
                var lost = _sequence.Observe(evt.Seq);
                if (lost > 0)
                {
                    _log.Warning("{Lost} event(s) lost on {Link} before sequence {Seq}", lost, _address, evt.Seq);
                    _notices.Writer.TryWrite(new EventGapNotice((ushort)((evt.Seq - lost + 65535 - 1) % 65535 + 1), evt.Seq, lost));
                }
                _notices.Writer.TryWrite(new ModuleEventNotice(evt));
                break;
            case CreditMessage credit:
                OnCredit(credit.Bytes);
                break;
            case UnknownMessage unknown:
                _log.Debug("ignoring frame type 0x{Type:X2} from {Link}", unknown.Type, _address);
                break;
            default:
                Complete(message);
                break;
        }
    }

    private void Complete(ProtocolMessage message)
    {
        if (message.Id != 0 && _pending.TryGetValue(message.Id, out var pending))
            pending.Done.TrySetResult(message);
    }

    private void AcceptHello(HelloInfo info, bool unsolicited)
    {
        var old = Hello.BootId;
        Hello = info;
        if (info.Proto == ProtocolVersions.Base || _options.Protocols.Contains(info.Proto) && ProtocolVersions.Supported.Contains(info.Proto))
            _version = info.Proto;
        else
        {
            _log.Warning("{Link} says it uses protocol version {Proto}, which this host did not offer ({Offer}); sending version 1 forms", _address, info.Proto, _options.Protocols);
            _version = ProtocolVersions.Base;
        }
        if (unsolicited && ProtocolVersions.Highest(_options.Protocols, info.Protos) > info.Proto)
            _ = Task.Run(RenegotiateAsync, CancellationToken.None);
        // The agent never sends a frame larger than its max_frame, so a larger declared length is a torn header (§1.3).
        if (info.MaxFrame is > FrameFormat.Overhead and <= FrameFormat.HostMaxFrame)
            _reader.MaxFrame = info.MaxFrame;
        else
            _log.Warning("{Link} announced max_frame {MaxFrame}; keeping {Kept}", _address, info.MaxFrame, _reader.MaxFrame);
        if (unsolicited)
            _sequence.ExpectFirst();
        if (old.Length == 0 || old == info.BootId)
            return;
        _log.Warning("module on {Link} rebooted: boot id {Old} -> {New}", _address, old, info.BootId);
        foreach (var pending in _pending.Values.Where(p => p.Method != "hello"))
            pending.Done.TrySetException(new ModuleRebootedException(old, info.BootId));
        _notices.Writer.TryWrite(new RebootNotice(old, info));
    }

    // A vanished port (a module reboot re-enumerates USB) is reopened; only requests safe to repeat survive it.
    private async Task RecoverAsync(string reason)
    {
        // The reader of a reopen attempt that failed ends too: the recovery in progress goes on, no second one.
        if (Interlocked.Exchange(ref _recovering, 1) == 1)
            return;
        try
        {
            await ReopenAsync(reason);
        }
        finally
        {
            Volatile.Write(ref _recovering, 0);
        }
    }

    private async Task ReopenAsync(string reason)
    {
        _log.Warning("link to {Link} lost ({Reason}); reopening", _address, reason);
        _notices.Writer.TryWrite(new LinkStateNotice(false, reason));
        foreach (var pending in _pending.Values.Where(p => !p.Idempotent))
            pending.Done.TrySetException(new LinkLostException($"the link to {_address} was lost during {pending.Method} ({reason}); it was not repeated because repeating it could change the module"));
        _stream?.Dispose();
        _stream = null;
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(_life.Token);
        if (_options.ReconnectFor is { } window)
            limit.CancelAfter(window);
        try
        {
            await _reopen.ExecuteAsync(async ct =>
            {
                _stream?.Dispose();
                _stream = null;
                await OpenAsync(ct);
            }, limit.Token);
            Interlocked.Increment(ref _reconnects);
            _notices.Writer.TryWrite(new LinkStateNotice(true, "reopened"));
            _up.TrySetResult(true);
            foreach (var pending in _pending.Values.Where(p => p.Idempotent && p.Method != "hello"))
                await WriteAsync(pending.Message, _life.Token);
        }
        catch (OperationCanceledException) when (_life.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            if (e is not OperationCanceledException)
                _log.Error(e, "reopening {Link} failed", _address);
            _failure = $"{_address} did not come back ({reason})";
            foreach (var pending in _pending.Values)
                pending.Done.TrySetException(new LinkLostException(_failure));
            _notices.Writer.TryWrite(new LinkStateNotice(false, $"gave up reopening {_address}"));
            _up.TrySetResult(false);
        }
    }

    private async Task PingLoopAsync(CancellationToken ct)
    {
        var missed = 0;
        using var timer = new PeriodicTimer(_options.PingInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                if (Environment.TickCount64 - Interlocked.Read(ref _lastTraffic) < _options.PingInterval.TotalMilliseconds || _stream is null)
                    continue;
                try
                {
                    await PingAsync(ct);
                    missed = 0;
                }
                catch (Exception e) when (e is LinkTimeoutException or LinkLostException)
                {
                    if (++missed < 3)
                        continue;
                    // Closing the stream ends the read loop, which reopens the link (§7).
                    _log.Warning("three PINGs to {Link} unanswered: the link is down, reopening", _address);
                    missed = 0;
                    _stream?.Dispose();
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _life.CancelAsync();
        _stream?.Dispose();
        foreach (var task in new[] { _readLoop, _pingLoop })
            if (task is not null)
                await task.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        foreach (var pending in _pending.Values)
            pending.Done.TrySetException(new LinkLostException("the link was closed"));
        _up.TrySetResult(false);
        _notices.Writer.TryComplete();
        _life.Dispose();
    }
}
