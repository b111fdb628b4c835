namespace Air780Bridge.Client.Tests;

public sealed class MqttEventLogTests
{
    [Fact]
    public async Task A_wait_from_a_cursor_sees_an_event_logged_before_it_began_and_not_one_before_the_cursor()
    {
        var log = new MqttEventLog();
        log.Add(new MqttEvent(1, 1, "sent", [7L]));
        var cursor = log.Count;
        log.Add(new MqttEvent(2, 1, "sent", [8L]));
        Assert.Equal(8, (await log.WaitAsync(1, cursor, e => e.Name == "sent", TimeSpan.FromSeconds(30))).MessageId);
        var seven = log.WaitAsync(1, cursor, e => e.MessageId == 7, TimeSpan.FromSeconds(30));
        Assert.False(seven.IsCompleted);
        log.Add(new MqttEvent(3, 1, "sent", [7L]));
        Assert.Equal(3, (await seven).T);
    }

    [Fact]
    public async Task Failing_a_handle_ends_its_waits_only_and_history_is_bounded_per_handle()
    {
        var log = new MqttEventLog(historyPerHandle: 2);
        var one = log.WaitAsync(1, 0, _ => true, TimeSpan.FromSeconds(30));
        var two = log.WaitAsync(2, 0, _ => true, TimeSpan.FromSeconds(30));
        log.Fail(1, new ModuleRebootedException("a", "b"));
        await Assert.ThrowsAsync<ModuleRebootedException>(() => one);
        Assert.False(two.IsCompleted);
        for (var i = 0; i < 3; i++) log.Add(new MqttEvent(i, 2, "recv", []));
        Assert.Equal(0, (await two).T);
        Assert.Equal([1L, 2L], log.Since(2, 0).Select(e => e.T));
    }

    [Fact]
    public async Task A_wait_that_sees_nothing_times_out()
    {
        var log = new MqttEventLog();
        await Assert.ThrowsAsync<TimeoutException>(() => log.WaitAsync(1, 0, _ => true, TimeSpan.FromMilliseconds(1)));
    }
}
