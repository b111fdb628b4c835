using Air780Bridge.Harness.Tap;

namespace Air780Bridge.Harness.Tests;

public class InlineCompletionTests
{
    // The test host runs as rigs and library users do, on the pool; the other answer is printed by the tap benchmark,
    // which turns the switch on before its first socket ("socket completions: inline, verified").
    [Fact]
    public async Task The_probe_sees_pool_continuations_where_the_switch_is_off()
    {
        Assert.NotEqual("1", Environment.GetEnvironmentVariable(InlineSocketCompletions.Variable));
        Assert.False(await InlineSocketCompletions.ActiveAsync());
    }

    [Fact]
    public void Enable_keeps_a_value_the_user_set()
    {
        // The runtime has read the variable already in this process; only the rule is checked here.
        var before = Environment.GetEnvironmentVariable(InlineSocketCompletions.Variable);
        try
        {
            Environment.SetEnvironmentVariable(InlineSocketCompletions.Variable, "0");
            InlineSocketCompletions.Enable();
            Assert.Equal("0", Environment.GetEnvironmentVariable(InlineSocketCompletions.Variable));
            Environment.SetEnvironmentVariable(InlineSocketCompletions.Variable, null);
            InlineSocketCompletions.Enable();
            Assert.Equal("1", Environment.GetEnvironmentVariable(InlineSocketCompletions.Variable));
        }
        finally { Environment.SetEnvironmentVariable(InlineSocketCompletions.Variable, before); }
    }
}
