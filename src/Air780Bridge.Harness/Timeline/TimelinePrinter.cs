using System.Text;
using System.Threading.Channels;

namespace Air780Bridge.Harness.Timeline;

/// <summary>
/// Prints a timeline live, one <see cref="TimelineText"/> line per entry, written in batches by one background task
/// so the tap never waits on a console. Bounded: when the console is slower than the wire, lines are skipped and the
/// skip is printed with its count (the timeline itself keeps every entry).
/// </summary>
public sealed class TimelinePrinter : IAsyncDisposable
{
    private readonly Channel<TimelineEntry> _queue;
    private readonly Timeline _timeline;
    private readonly TextWriter _output;
    private readonly long _originUs;
    private readonly Task _writer;
    private long _skipped;

    public TimelinePrinter(Timeline timeline, TextWriter output, long originUs, int capacity = 8192)
    {
        _timeline = timeline;
        _output = output;
        _originUs = originUs;
        // Wait mode so TryWrite reports a full queue (DropWrite would drop silently and report success).
        _queue = Channel.CreateBounded<TimelineEntry>(new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        _writer = WriteLoopAsync();
        timeline.Appended += Enqueue;
    }

    /// <summary>Lines not printed because the console fell behind.</summary>
    public long Skipped => Interlocked.Read(ref _skipped);

    private void Enqueue(TimelineEntry entry)
    {
        if (!_queue.Writer.TryWrite(entry)) Interlocked.Increment(ref _skipped);
    }

    private async Task WriteLoopAsync()
    {
        var text = new StringBuilder();
        long reported = 0;
        while (await _queue.Reader.WaitToReadAsync())
        {
            while (text.Length < 1 << 16 && _queue.Reader.TryRead(out var entry)) text.AppendLine(TimelineText.Line(entry, _originUs));
            var skipped = Skipped;
            if (skipped > reported)
            {
                text.AppendLine($"... {skipped - reported} timeline lines not printed: the console is slower than the wire (the timeline file has every entry)");
                reported = skipped;
            }
            await _output.WriteAsync(text);
            await _output.FlushAsync();
            text.Clear();
        }
    }

    /// <summary>Prints what is queued, then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        _timeline.Appended -= Enqueue;
        _queue.Writer.TryComplete();
        await _writer;
    }
}
