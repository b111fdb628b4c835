using System.Collections.Concurrent;
using System.Diagnostics;

namespace Air780Bridge.Twin.Link;

/// <summary>
/// Pacing and fault injection shared by every link kind. All settings may be changed at run time.
/// Each direction of a link runs through its own <see cref="ConditionedPipe"/>, which owns one worker thread.
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
/// link reader), then delayed, faulted and paced on a worker thread before reaching <c>sink</c>.
/// </summary>
internal sealed class ConditionedPipe : IDisposable
{
    private readonly BlockingCollection<(byte[] Data, long EnqueuedTicks)> _queue = new();
    private readonly LinkConditioner _conditioner;
    private readonly Action<byte[]> _sink;
    private readonly Action<int>? _done;
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _worker;
    // Token bucket in bytes; capacity one chunk's worth so a burst never exceeds the line rate by much.
    private double _tokens;
    private long _lastRefill = Stopwatch.GetTimestamp();

    /// <param name="done">Told the size of each chunk once it was delivered or lost: the sender's flow control.</param>
    public ConditionedPipe(LinkConditioner conditioner, Action<byte[]> sink, string name, Action<int>? done = null)
    {
        _conditioner = conditioner;
        _sink = sink;
        _done = done;
        _worker = new Thread(Run) { IsBackground = true, Name = name };
        _worker.Start();
    }

    public void Post(ReadOnlySpan<byte> chunk)
    {
        if (!_queue.IsAddingCompleted) _queue.TryAdd((chunk.ToArray(), Stopwatch.GetTimestamp()));
    }

    private void Run()
    {
        try
        {
            foreach (var (data, enqueued) in _queue.GetConsumingEnumerable(_stop.Token))
            {
                var due = enqueued + (long)(_conditioner.Latency.TotalSeconds * Stopwatch.Frequency);
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                if (wait > TimeSpan.Zero) _stop.Token.WaitHandle.WaitOne(wait);
                var survived = _conditioner.ApplyFaults(data);
                if (survived.Length > 0)
                {
                    Pace(survived.Length);
                    if (_stop.IsCancellationRequested) return;
                    _sink(survived);
                }
                _done?.Invoke(data.Length);
            }
        }
        catch (OperationCanceledException) { }
    }

    private void Pace(int bytes)
    {
        var baud = _conditioner.Baud;
        if (baud <= 0) return;
        var bytesPerSecond = baud / 10.0;
        var now = Stopwatch.GetTimestamp();
        _tokens = Math.Min(bytesPerSecond / 20, _tokens + Stopwatch.GetElapsedTime(_lastRefill, now).TotalSeconds * bytesPerSecond);
        _lastRefill = now;
        _tokens -= bytes;
        // A deficit is paid back by sleeping; the next refill credits the time slept.
        if (_tokens < 0) _stop.Token.WaitHandle.WaitOne(TimeSpan.FromSeconds(-_tokens / bytesPerSecond));
    }

    public void Dispose()
    {
        _queue.CompleteAdding();
        _stop.Cancel();
        if (Thread.CurrentThread != _worker) _worker.Join(TimeSpan.FromSeconds(5));
        _queue.Dispose();
        _stop.Dispose();
    }
}
