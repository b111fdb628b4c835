using Air780Bridge.Station;

namespace Air780Bridge.Results.Tests;

public sealed class PortLockTests : IDisposable
{
    private readonly TempDirectory _temp = new("port-locks-");

    [Fact]
    public void A_held_port_is_refused_naming_its_holder_and_free_again_once_released()
    {
        using (var first = PortLock.TryAcquire("serial:///dev/ttyACM0?baud=115200", "air780 station line slot-1", out var none, _temp.Path))
        {
            Assert.NotNull(first);
            Assert.Null(none);
            Assert.Null(PortLock.TryAcquire("serial:///dev/ttyACM0", "air780 run", out var holder, _temp.Path));
            Assert.Contains("air780 station line slot-1", holder);
            Assert.Contains($"pid {Environment.ProcessId}", holder);
            using var other = PortLock.TryAcquire("serial:///dev/ttyACM1", "air780 run", out _, _temp.Path);
            Assert.NotNull(other);
        }
        using var again = PortLock.TryAcquire("serial:///dev/ttyACM0", "air780 run", out _, _temp.Path);
        Assert.NotNull(again);
    }

    [Fact]
    public void Lock_files_are_named_after_the_port_only()
    {
        Assert.Equal("serial____dev_ttyACM0.lock", PortLock.FileName("serial:///dev/ttyACM0?baud=921600"));
        Assert.Equal(PortLock.FileName("serial://COM3"), PortLock.FileName("serial://COM3?dtr=false"));
        Assert.NotEqual(PortLock.FileName("tcp://127.0.0.1:7001"), PortLock.FileName("tcp://127.0.0.1:7002"));
    }

    public void Dispose() => _temp.Dispose();
}
