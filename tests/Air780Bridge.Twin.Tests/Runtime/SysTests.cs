using Air780Bridge.Twin;

namespace Air780Bridge.Twin.Tests.Runtime;

/// <summary>Reference §11: sys scheduling on the module's single Lua thread.</summary>
public class SysTests
{
    [Fact]
    public void Sys_taskInit_runs_the_task_at_once_until_its_first_yield()
    {
        using var m = new ScriptedModule("""
            local co = sys.taskInit(function(a) print("task", a) sys.wait(1) print("resumed") end, 7)
            print("main", type(co))
            """);
        Assert.Equal("task 7", m.Next());
        Assert.Equal("main thread", m.Next());
        Assert.Equal("resumed", m.Next());
    }

    [Fact]
    public void Sys_wait_outside_a_task_raises_attempt_to_yield_from_outside_a_coroutine()
    {
        using var m = new ScriptedModule("""
            local ok, err = pcall(sys.wait, 10)
            print(ok, (err:match("attempt to yield from outside a coroutine")))
            sys.timerStart(print, 100, "later")
            """);
        Assert.Equal("false attempt to yield from outside a coroutine", m.Next());
        // The check comes before any timer is started: nothing tries to resume the main thread later.
        Assert.Equal("later", m.Next());
    }

    [Theory]
    [InlineData("sys.timerStart(function() sys.wait(10) end, 1)")]
    [InlineData("uart.setup(uart.VUART_0) uart.on(uart.VUART_0, 'receive', function() sys.wait(10) end) sys.timerStart(print, 1, 'ready')")]
    public void Sys_wait_in_a_callback_raises_and_reboots(string callback)
    {
        using var m = new ScriptedModule("print('boot') " + callback);
        Assert.Equal("boot", m.Next());
        if (callback.Contains("uart"))
        {
            m.Next("ready");
            m.FromHost("x");
        }
        Assert.Contains("attempt to yield from outside a coroutine", m.NextReboot());
        Assert.Equal("boot", m.Next("boot"));
        Assert.Equal(2, m.Module.BootCount);
    }

    [Fact]
    public void Sys_wait_below_1_ms_returns_at_once_without_yielding()
    {
        using var m = new ScriptedModule("""
            sys.taskInit(function() print("wait", select("#", sys.wait(0))) end)
            print("main")
            """);
        Assert.Equal("D/user.rtos.timer_start error", m.Next());
        Assert.Equal("wait 0", m.Next());
        Assert.Equal("main", m.Next());
    }

    [Fact]
    public void Sys_waitUntil_returns_true_and_the_published_values()
    {
        using var m = new ScriptedModule("""
            sys.taskInit(function() print(sys.waitUntil("EV", 10000)) end)
            sys.timerStart(sys.publish, 1, "EV", 1, "x")
            """);
        Assert.Equal("true 1 x", m.Next());
    }

    [Fact]
    public void Sys_waitUntil_returns_false_on_timeout()
    {
        using var m = new ScriptedModule("""sys.taskInit(function() print(sys.waitUntil("never", 5)) end)""");
        Assert.Equal("false", m.Next());
    }

    [Fact]
    public void Sys_publish_with_nobody_waiting_is_lost()
    {
        using var m = new ScriptedModule("""
            sys.publish("EV", 1)
            sys.timerStart(function() sys.taskInit(function() print(sys.waitUntil("EV", 20)) end) end, 1)
            """);
        Assert.Equal("false", m.Next());
    }

    [Fact]
    public void Sys_publish_is_only_queued_and_delivered_on_the_next_loop_iteration()
    {
        using var m = new ScriptedModule("""
            sys.subscribe("EV", function(a) print("got", a) end)
            sys.publish("EV", 5)
            print("published")
            """);
        Assert.Equal("published", m.Next());
        Assert.Equal("got 5", m.Next());
    }

    [Fact]
    public void Sys_waitUntil_resumes_every_waiting_task()
    {
        using var m = new ScriptedModule("""
            for i = 1, 2 do sys.taskInit(function() print("task" .. i, sys.waitUntil("EV")) end) end
            sys.timerStart(sys.publish, 1, "EV", "v")
            """);
        Assert.Equal(["task1 true v", "task2 true v"], new[] { m.Next(), m.Next() }.Order());
    }

    [Fact]
    public void Sys_unsubscribe_stops_delivery_and_subscribe_takes_a_list_of_ids()
    {
        using var m = new ScriptedModule("""
            local function f(...) print("f", ...) end
            sys.subscribe({ "A", "B" }, f)
            sys.publish("A", 1)
            sys.timerStart(function() sys.unsubscribe("A", f) sys.publish("A", 2) sys.publish("B", 3) end, 1)
            """);
        Assert.Equal("f 1", m.Next());
        Assert.Equal("f 3", m.Next());
    }

    [Fact]
    public void Sys_an_error_in_a_subscriber_function_propagates_and_reboots()
    {
        using var m = new ScriptedModule("""
            sys.subscribe("EV", function() error("subscriber boom") end)
            sys.publish("EV")
            """);
        Assert.Contains("subscriber boom", m.NextReboot());
    }

    [Fact]
    public void Sys_a_task_error_is_logged_then_raised_in_the_main_context_and_reboots()
    {
        using var m = new ScriptedModule("""sys.taskInit(function() error("task boom") end)""");
        Assert.Contains("task boom", m.Next("E/user.coroutine.resume"));
        var reason = m.NextReboot();
        Assert.Contains("task boom", reason);
        Assert.StartsWith("Lua VM exit", reason);
    }

    [Fact]
    public void Sys_a_task_error_with_roll_back_off_and_restart_on_reboots_at_once()
    {
        using var m = new ScriptedModule("""
            _G.COROUTINE_ERROR_ROLL_BACK = false
            sys.taskInit(function() error("task boom") end)
            """);
        Assert.Equal("rtos.reboot", m.NextReboot());
    }

    [Fact]
    public void Sys_a_task_error_with_both_flags_off_is_only_logged()
    {
        using var m = new ScriptedModule("""
            _G.COROUTINE_ERROR_ROLL_BACK = false
            _G.COROUTINE_ERROR_RESTART = false
            sys.taskInit(function() error("task boom") end)
            sys.taskInit(function() sys.wait(1500) print("still running") end)
            """);
        m.Next("E/user.coroutine.resume");
        Assert.Equal("still running", m.Next("still"));
        Assert.Equal(0, m.RebootCount);
    }

    [Fact]
    public void Sys_timerStart_calls_once_with_its_arguments_and_timerIsActive_follows()
    {
        using var m = new ScriptedModule("""
            local id
            local function f(a, b) print("fired", a, b, sys.timerIsActive(id)) end
            id = sys.timerStart(f, 5, "a", 2)
            print("active", sys.timerIsActive(id) == f, sys.timerIsActive(f, "a", 2), (sys.timerIsActive(f, "a")))
            """);
        Assert.Equal("active true true nil", m.Next());
        Assert.Equal("fired a 2 nil", m.Next());
    }

    [Fact]
    public void Sys_timerStart_with_the_same_function_and_arguments_replaces_the_running_timer()
    {
        using var m = new ScriptedModule("""
            local function f() end
            local a = sys.timerStart(f, 100000, "x")
            local b = sys.timerStart(f, 100000, "x")
            local c = sys.timerStart(f, 100000, "y")
            print(sys.timerIsActive(a), sys.timerIsActive(b) == f, sys.timerIsActive(c) == f)
            """);
        Assert.Equal("nil true true", m.Next());
    }

    [Fact]
    public void Sys_timerStop_by_function_matches_the_arguments_and_timerStopAll_stops_every_one()
    {
        using var m = new ScriptedModule("""
            local function f() end
            sys.timerStart(f, 100000, "a")
            sys.timerStart(f, 100000, "b")
            sys.timerStart(f, 100000)
            sys.timerStop(f, "a")
            print((sys.timerIsActive(f, "a")), sys.timerIsActive(f, "b"), sys.timerIsActive(f))
            sys.timerStopAll(f)
            print((sys.timerIsActive(f, "b")), (sys.timerIsActive(f)))
            """);
        Assert.Equal("nil true true", m.Next());
        Assert.Equal("nil nil", m.Next());
    }

    [Fact]
    public void Sys_timerLoopStart_repeats_until_stopped()
    {
        using var m = new ScriptedModule("""
            local n, id = 0, nil
            id = sys.timerLoopStart(function()
                n = n + 1
                if n == 3 then
                    sys.timerStop(id)
                    sys.timerStart(function() print("count", n, sys.timerIsActive(id)) end, 50)
                end
            end, 2)
            """);
        Assert.Equal("count 3 nil", m.Next());
    }

    [Fact]
    public void Sys_timerStart_below_1_ms_returns_nil()
    {
        using var m = new ScriptedModule("print(sys.timerStart(print, 0) == nil)");
        Assert.Equal("E/user.rtos.timer_start create fail!!!", m.Next());
        Assert.Equal("true", m.Next());
    }

    [Fact]
    public void Sys_sendMsg_and_waitMsg_deliver_matching_messages_and_hand_others_to_the_callback()
    {
        using var m = new ScriptedModule("""
            sys.taskInitEx(function()
                local msg = sys.waitMsg("T", "go")
                print("got", msg[1], msg[2])
            end, "T", function(msg) print("cb", msg[1], msg[2]) end)
            sys.timerStart(function()
                print("sent", sys.sendMsg("T", "skip", 1), sys.sendMsg("T", "go", 2), sys.sendMsg("unknown", 1))
            end, 1)
            """);
        Assert.Equal("sent true true false", m.Next());
        Assert.Equal("cb skip 1", m.Next());
        Assert.Equal("got go 2", m.Next());
    }

    [Fact]
    public void Sys_waitMsg_returns_nil_on_timeout_and_false_without_taskInitEx()
    {
        using var m = new ScriptedModule("""
            sys.taskInitEx(function() print("timeout", sys.waitMsg("T", nil, 5)) end, "T")
            sys.taskInit(function() print("plain", sys.waitMsg("other", nil, 5)) end)
            """);
        Assert.Equal(["plain false", "timeout nil"], new[] { m.Next("plain"), m.Next("timeout") });
    }

    [Fact]
    public void Sys_mailboxes_are_in_sys_on_current_firmware_and_in_sysplus_on_legacy_firmware()
    {
        const string probe = """print(sys.waitMsg ~= nil, require("sysplus") == sys, require("sysplus").sendMsg ~= nil)""";
        using (var current = new ScriptedModule(probe, FirmwareProfile.Air780eV1120))
            Assert.Equal("true true true", current.Next());
        using var legacy = new ScriptedModule(probe, FirmwareProfile.Air780eV1112);
        Assert.Equal("false false true", legacy.Next());
    }
}
