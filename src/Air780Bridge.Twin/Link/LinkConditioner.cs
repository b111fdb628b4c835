using System.Diagnostics;
using System.Threading.Channels;

namespace Air780Bridge.Twin.Link;

/// <summary>
/// Pacing and fault injection shared by every link kind. All settings may be changed at run time.
/// Each direction of a link runs through its own <see cref="ConditionedPipe"/>.
/// </summary>
public sealed class LinkConditioner
{
    private readonly object _rngLock = new();
    private readonly Random _rng;
    private long _bytesLost, _bitsFlipped;

    public LinkConditioner(int seed = 780) => _rng = new Random(seed);

    /// <summary>Line rate in baud; each direction carries baud/10 bytes per second. 0 = unpaced (default).</summary>
    public int Baud { get; set; }

    /// <summary>Probability (0..1) that a byte is dropped.</summary>
    public double LossRate { get; set; }

    /// <summary>Probability (0..1) that a byte that survives loss gets one random bit flipped.</summary>
    public double BitFlipRate { get; set; }

    /// <summary>Delay added to every chunk before it is delivered.</summary>
    public TimeSpan Latency { get; set; }

    public long BytesLost => Interlocked.Read(ref _bytesLost);
    public long BitsFlipped => Interlocked.Read(ref _bitsFlipped);

    /// <summary>Applies loss and bit flips; returns the surviving bytes (possibly empty).</summary>
    internal byte[] ApplyFaults(byte[] chunk)
    {
        double loss = LossRate, flip = BitFlipRate;
        if (loss <= 0 && flip <= 0) return chunk;
        var kept = new List<byte>(chunk.Length);
        lock (_rngLock)
        {
            foreach (var b in chunk)
            {
                if (loss > 0 && _rng.NextDouble() < loss) { Interlocked.Increment(ref _bytesLost); continue; }
                if (flip > 0 && _rng.NextDouble() < flip)
                {
                    kept.Add((byte)(b ^ (1 << _rng.Next(8))));
                    Interlocked.Increment(ref _bitsFlipped);
                }
                else kept.Add(b);
            }
        }
        return kept.ToArray();
    }
}

/// <summary>
/// One direction of a link: chunks are queued without blocking the producer (the module's Lua thread or a
/// link reader), then delayed, faulted and paced in order by one loop before reaching <c>sink</c>. An unpaced pipe
/// runs the loop on the thread pool and holds no thread while idle (thousands of twins in one process). A pipe paced
/// at a line rate when created runs it on a thread of its own, which blocks where the other awaits: timing every
/// chunk like a UART must not wait for a busy pool (a 500 ms stall mid-frame is a torn frame to the host).
/// </summary>
internal sealed class ConditionedPipe : IDisposable
{
    private readonly Channel<(byte[] Data, long EnqueuedTicks)> _queue =
        Channel.CreateUnbounded<(byte[], long)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly LinkConditioner _conditioner;
    private readonly Action<byte[]> _sink;
    private readonly Action<int>? _done;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly bool _ownThread;
    // Set while this pipe's loop calls out, so a Dispose from inside the sink does not wait for itself.
    private readonly AsyncLocal<bool> _inLoop = new();
    // Token bucket in bytes; capacity one chunk's worth so a burst never exceeds the line rate by much.
    private double _tokens;
    private long _lastRefill = Stopwatch.GetTimestamp();

    /// <param name="done">Told the size of each chunk once it was delivered or lost: the sender's flow control.</param>
    public ConditionedPipe(LinkConditioner conditioner, Action<byte[]> sink, Action<int>? done = null)
    {
        _conditioner = conditioner;
        _sink = sink;
        _done = done;
        _ownThread = conditioner.Baud > 0;
        if (_ownThread)
        {
            var finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            new Thread(() => { RunAsync().GetAwaiter().GetResult(); finished.SetResult(); }) { IsBackground = true, Name = "paced link pipe" }.Start();
            _loop = finished.Task;
        }
        else _loop = Task.Run(RunAsync);
    }

    // On its own thread every wait blocks and returns completed, so the loop never leaves that thread.
    private ValueTask<bool> WaitToReadAsync(CancellationToken ct) =>
        _ownThread ? ValueTask.FromResult(_queue.Reader.WaitToReadAsync(ct).AsTask().GetAwaiter().GetResult()) : _queue.Reader.WaitToReadAsync(ct);

    private ValueTask DelayAsync(TimeSpan wait, CancellationToken ct)
    {
        if (!_ownThread) return new ValueTask(Task.Delay(wait, ct));
        if (ct.WaitHandle.WaitOne(wait)) throw new OperationCanceledException(ct);
        return ValueTask.CompletedTask;
    }

    public void Post(ReadOnlySpan<byte> chunk) => _queue.Writer.TryWrite((chunk.ToArray(), Stopwatch.GetTimestamp()));

    private async Task RunAsync()
    {
        _inLoop.Value = true;
        var ct = _stop.Token;
        try
        {
            while (await WaitToReadAsync(ct).ConfigureAwait(false))
            {
                if (!_queue.Reader.TryRead(out var item)) continue;
                var (data, enqueued) = item;
                var due = enqueued + (long)(_conditioner.Latency.TotalSeconds * Stopwatch.Frequency);
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                if (wait > TimeSpan.Zero) await DelayAsync(wait, ct).ConfigureAwait(false);
                var survived = _conditioner.ApplyFaults(data);
                if (survived.Length > 0)
                {
                    await PaceAsync(survived.Length, ct).ConfigureAwait(false);
                    if (ct.IsCancellationRequested) return;
                    _sink(survived);
                }
                _done?.Invoke(data.Length);
            }
        }
        catch (OperationCanceledException) { }
    }

    private ValueTask PaceAsync(int bytes, CancellationToken ct)
    {
        var baud = _conditioner.Baud;
        if (baud <= 0) return ValueTask.CompletedTask;
        var bytesPerSecond = baud / 10.0;
        var now = Stopwatch.GetTimestamp();
        _tokens = Math.Min(bytesPerSecond / 20, _tokens + Stopwatch.GetElapsedTime(_lastRefill, now).TotalSeconds * bytesPerSecond);
        _lastRefill = now;
        _tokens -= bytes;
        // A deficit is paid back by waiting; the next refill credits the time waited.
        return _tokens < 0 ? DelayAsync(TimeSpan.FromSeconds(-_tokens / bytesPerSecond), ct) : ValueTask.CompletedTask;
    }

    public void Dispose()
    {
        _queue.Writer.TryComplete();
        _stop.Cancel();
        if (!_inLoop.Value) _loop.Wait(TimeSpan.FromSeconds(5));
        _stop.Dispose();
    }
}
