using Air780Bridge.Twin.Runtime;

namespace Air780Bridge.Twin.Tests.Runtime;

public class TimerQueueTests
{
    private long _now;
    private TimerQueue Queue() => new(() => _now);

    [Fact]
    public void One_shot_timers_fire_once_in_due_order_and_cancelled_ones_never()
    {
        var q = Queue();
        var fired = new List<string>();
        q.Start(30, false, () => fired.Add("b"));
        q.Start(10, false, () => fired.Add("a"));
        var cancelled = q.Start(20, false, () => fired.Add("x"));
        q.Cancel(cancelled);
        Assert.Equal(10, q.WaitMs());
        _now = 100;
        q.TakeDue().ForEach(f => f());
        Assert.Equal(["a", "b"], fired);
        Assert.Equal(Timeout.Infinite, q.WaitMs());
    }

    [Fact]
    public void A_repeating_timer_keeps_its_schedule_when_fired_late_and_skips_missed_periods()
    {
        var q = Queue();
        var count = 0;
        q.Start(100, true, () => count++);
        _now = 130; // 30 ms late
        q.TakeDue().ForEach(f => f());
        Assert.Equal(70, q.WaitMs()); // next still at 200
        _now = 1000; // many periods missed: one expiry, no burst
        q.TakeDue().ForEach(f => f());
        Assert.Equal(2, count);
        Assert.Equal(100, q.WaitMs());
    }

    [Fact]
    public void Taking_due_timers_reports_how_late_the_latest_ran_and_nothing_when_none_was_due()
    {
        var q = Queue();
        var late = new List<long>();
        q.Late = late.Add;
        q.Start(100, false, () => { });
        q.Start(120, false, () => { });
        _now = 50;
        q.TakeDue();
        Assert.Empty(late);
        _now = 335; // 235 ms after the first was due, 215 after the second
        q.TakeDue();
        Assert.Equal([235L], late);
    }
}
