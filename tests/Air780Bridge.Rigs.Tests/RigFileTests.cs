using Air780Bridge.Client.Transport;
using Air780Bridge.Rigs.RigFiles;

namespace Air780Bridge.Rigs.Tests;

public class RigFileTests
{
    internal static string RepoFile(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, relative);
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException($"{relative} not found above {AppContext.BaseDirectory}");
    }

    [Theory]
    [InlineData("rigs/twin.json", 4, 4)]
    [InlineData("rigs/bench-usb.json", 1, 1)]
    [InlineData("rigs/factory-8.json", 8, 8)]
    public void Shipped_rig_files_load(string file, int modules, int parallelism)
    {
        var rig = RigFile.Load(RepoFile(file));
        Assert.Equal(modules, rig.Modules.Count);
        Assert.Equal(parallelism, rig.Parallelism);
        Assert.Equal(Path.GetFileNameWithoutExtension(file), rig.Name);
        Assert.All(rig.Modules, m => Assert.NotNull(m.Endpoint));
    }

    [Fact]
    public void Twin_rig_needs_no_hardware_and_runs_every_suite()
    {
        var rig = RigFile.Load(RepoFile("rigs/twin.json"));
        Assert.All(rig.Modules, m => Assert.True(m.Endpoint.IsTwin));
        Assert.True(rig.Broker.IsEmbedded);
        Assert.True(rig.Selects(rig.Modules[0], "keepalive", "keepalive.interval"));
    }

    [Fact]
    public void Factory_rig_reads_ports_imeis_overrides_and_external_broker()
    {
        var rig = RigFile.Load(RepoFile("rigs/factory-8.json"));
        var slot8 = rig.Modules[7];
        Assert.Equal("/dev/ttyACM7", slot8.Endpoint.Target);
        Assert.True(slot8.Endpoint.Dtr);
        Assert.Equal(115200, slot8.Endpoint.Baud);
        Assert.Equal(15, slot8.Imei!.Length);
        Assert.Equal(TimeSpan.FromSeconds(300), rig.ScenarioTimeout(slot8));
        Assert.Equal(TimeSpan.FromSeconds(180), rig.ScenarioTimeout(rig.Modules[0]));
        Assert.Equal(new HostPort("broker.factory.lan", 1883), rig.Broker.UpstreamEndpoint);
        Assert.Equal("fixture.factory.example:18830", rig.Broker.Public);
        Assert.False(rig.Selects(slot8, "keepalive", "keepalive.soak-1h"));
        Assert.True(rig.Selects(slot8, "keepalive", "keepalive.interval"));
    }

    [Fact]
    public void Defaults_apply_when_fields_are_absent()
    {
        var rig = RigFile.Parse("""{ "modules": [ { "name": "m1", "connection": "twin:" } ] }""", "rigs/min.json");
        Assert.Equal("min", rig.Name);
        Assert.Equal(RigModule.DefaultProfile, rig.Modules[0].Profile);
        Assert.Equal(1, rig.Parallelism);
        Assert.True(rig.Broker.IsEmbedded);
        Assert.Empty(rig.Suites);
        Assert.True(rig.Selects(rig.Modules[0], "anything", "any.scenario"));
        Assert.Equal("artifacts/runs/min-20260102-030405", rig.ResolveOutput(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero)));
    }

    [Fact]
    public void Strict_is_off_unless_the_rig_asks_for_it()
    {
        Assert.False(RigFile.Parse("""{ "modules": [ { "name": "m1", "connection": "twin:" } ] }""", "rigs/min.json").Strict);
        Assert.True(RigFile.Parse("""{ "modules": [ { "name": "m1", "connection": "twin:" } ], "strict": true }""", "rigs/ci.json").Strict);
        var e = Assert.Throws<RigFileException>(() => RigFile.Parse("""{ "modules": [ { "name": "m1", "connection": "twin:" } ], "strict": "yes" }""", "rigs/x.json"));
        Assert.Contains(e.Errors, m => m.Message.Contains("strict"));
    }

    // Each bad file: (json, expected line, expected message fragment). Lines are 1-based.
    public static TheoryData<string, int, string> BadFiles => new()
    {
        {
            """
            {
              "modules": [
                { "name": "m1", "connection": "twin:" },
                {
                  "name": "m2",
                  "profile": "air780e-v1120",
                  "connection": "serail:///dev/ttyACM0"
                }
              ]
            }
            """, 7, "rigs/x.json:7: module \"m2\": connection string \"serail:///dev/ttyACM0\" has unknown scheme \"serail\"; use serial://, tcp:// or twin:"
        },
        {
            """
            {
              "modules": [
                { "name": "m1", "connection": "twin:" },
                { "name": "m1", "connection": "twin:" }
              ]
            }
            """, 4, "rigs/x.json:4: module \"m1\": the name is already used by the module on line 3; module names must be unique"
        },
        {
            """
            {
              "modules": [
                { "name": "m1", "connection": "twin:",
                  "profile": "air780e-v1121" }
              ]
            }
            """, 4, "unknown firmware profile \"air780e-v1121\"; did you mean \"air780e-v1120\"? known profiles: air780e-v1120, air780ep-v2028, air780e-v1112"
        },
        {
            """
            {
              "modules": [ { "name": "m1", "connection": "twin:" } ],
              "parallelism": 0
            }
            """, 3, "\"parallelism\" is 0; it must be at least 1"
        },
        {
            """
            {
              "modules": [ { "name": "m1", "connection": "twin:" } ],

              "parallelsim": 2
            }
            """, 4, "unknown property \"parallelsim\" in the rig; did you mean \"parallelism\"?"
        },
        {
            """
            {
              "modules": [
                { "name": "m1", "connection": "twin:", "imie": "860000000000017" }
              ]
            }
            """, 3, "unknown property \"imie\" in \"modules[0]\"; did you mean \"imei\"?"
        },
        {
            """
            {
              "modules": [ { "name": "m1", "connection": "twin:" } ],
              "parallelism": "8"
            }
            """, 3, "\"parallelism\" must be a number, not a string"
        },
        {
            """
            {
              "modules": [
                { "name": "a", "connection": "serial:///dev/ttyACM0" },
                { "name": "b", "connection": "serial:///dev/ttyACM0?baud=9600" }
              ]
            }
            """, 4, "module \"b\": connection \"serial:///dev/ttyACM0?baud=9600\" is also used by module \"a\" (line 3)"
        },
        {
            """
            {
              "modules": [
                { "name": "a", "connection": "twin:", "imei": "860000000000018" }
              ]
            }
            """, 3, "imei \"860000000000018\" fails its check digit (expected last digit 7)"
        },
        {
            """
            {
              "modules": [ { "name": "a", "connection": "tcp://10.0.0.5" } ]
            }
            """, 2, "is not tcp://host:port"
        },
        {
            """
            {
              "modules": [ { "name": "a", "connection": "twin:" } ],
              "broker": {
                "upstream": "http://broker:1883"
              }
            }
            """, 4, "\"broker.upstream\" is \"http://broker:1883\"; use \"embedded\" or the external broker as mqtt://host:port"
        },
        {
            """
            {
              "modules": [ { "name": "a", "connection": "twin:" } ],
              "parallelism": 2,
              "parallelism": 3
            }
            """, 4, "property \"parallelism\" appears twice in the rig (first on line 3); keep one"
        },
        {
            """
            {
              "modules": [ { "name": "a", "connection": "twin:" } ]
              "parallelism": 2
            }
            """, 3, "rigs/x.json:3: not valid JSON"
        },
        {
            """
            {
              "modules": []
            }
            """, 2, "the rig has no modules"
        },
        {
            """
            {
              "modules": [ { "name": "a", "connection": "twin:" } ],
              "output": "out/{date}"
            }
            """, 3, "unknown placeholder {date}"
        },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void Bad_files_are_rejected_with_file_line_and_fix(string json, int line, string message)
    {
        var e = Assert.Throws<RigFileException>(() => RigFile.Parse(json, "rigs/x.json"));
        var error = Assert.Single(e.Errors);
        Assert.Equal(line, error.Line);
        Assert.Contains(message, error.ToString());
        Assert.StartsWith($"rigs/x.json:{line}: ", error.ToString());
    }

    [Fact]
    public void All_problems_of_a_file_are_reported_at_once_in_line_order()
    {
        const string json = """
            {
              "parallelism": 0,
              "modules": [
                { "name": "m1", "connection": "ftp://x" },
                { "name": "m1", "connection": "twin:", "profile": "nope" }
              ]
            }
            """;
        var e = Assert.Throws<RigFileException>(() => RigFile.Parse(json, "r.json"));
        Assert.Equal([2, 4, 5, 5], e.Errors.Select(x => x.Line));
        Assert.Contains("r.json:2:", e.Message);
        Assert.Contains("r.json:4:", e.Message);
    }

    [Fact]
    public void Known_profiles_and_suites_can_be_passed_in()
    {
        const string json = """
            {
              "modules": [ { "name": "m1", "connection": "twin:", "profile": "custom-x" } ],
              "suites": [ { "name": "keepalive" }, { "name": "pubilsh" } ]
            }
            """;
        var options = new RigLoadOptions { KnownProfiles = ["custom-x"], KnownSuites = ["keepalive", "publish"] };
        var e = Assert.Throws<RigFileException>(() => RigFile.Parse(json, "r.json", options));
        var error = Assert.Single(e.Errors);
        Assert.Equal(3, error.Line);
        Assert.Contains("unknown suite \"pubilsh\"; did you mean \"publish\"?", error.Message);
    }

    [Fact]
    public void The_twin_rig_is_built_in_and_is_rigs_twin_json()
    {
        var builtIn = RigFile.Load("twin");
        var file = RigFile.Load(RepoFile("rigs/twin.json"));
        Assert.Equal("twin (built-in rig)", builtIn.SourcePath);
        Assert.Equal(file.Modules, builtIn.Modules);
        Assert.Equal(file.Name, builtIn.Name);
    }

    [Fact]
    public void One_port_written_two_ways_is_still_one_port()
    {
        const string json = """
            { "modules": [ { "name": "a", "connection": "/dev/ttyACM0" }, { "name": "b", "connection": "serial:///dev/ttyACM0?baud=9600" } ] }
            """;
        var e = Assert.Throws<RigFileException>(() => RigFile.Parse(json, "r.json"));
        Assert.Contains("is also used by module \"a\"", Assert.Single(e.Errors).Message);
    }

    [Fact]
    public void Missing_file_names_the_path()
    {
        var e = Assert.Throws<RigFileException>(() => RigFile.Load("rigs/does-not-exist.json"));
        Assert.StartsWith("rigs/does-not-exist.json: cannot read the rig file", e.Message);
    }

    [Theory]
    [InlineData("serial:///dev/ttyACM0?baud=115200", "/dev/ttyACM0", 115200, true)]
    [InlineData("serial://COM3?dtr=off&baud=9600", "COM3", 9600, false)]
    [InlineData("serial:///dev/serial/by-id/usb-AirM2M_Air780E-if06", "/dev/serial/by-id/usb-AirM2M_Air780E-if06", 115200, true)]
    public void Serial_connection_strings_parse(string text, string port, int baud, bool dtr)
    {
        var c = LinkAddress.Parse(text);
        Assert.Equal(("serial", port, baud, dtr), (c.Scheme, c.Target, c.Baud, c.Dtr));
    }

    [Theory]
    [InlineData("serial://?baud=9600", "names no port")]
    [InlineData("serial:///dev/ttyACM0?parity=even", "unknown option \"parity\"")]
    [InlineData("twin:extra", "write just \"twin:\"")]
    [InlineData("ttyACM0", "has no scheme")]
    public void Bad_connection_strings_say_what_to_write(string text, string fragment)
    {
        Assert.False(LinkAddress.TryParse(text, out _, out var error));
        Assert.Contains(fragment, error);
    }

    [Fact]
    public void Tcp_connection_and_ipv6_host_ports_parse()
    {
        Assert.Equal(("10.0.0.5", 4001), (LinkAddress.Parse("tcp://10.0.0.5:4001").Target, LinkAddress.Parse("tcp://10.0.0.5:4001").Port));
        Assert.Equal(new HostPort("::1", 1883), HostPort.Parse("[::1]:1883"));
        Assert.Equal("[::1]:1883", HostPort.Parse("[::1]:1883").ToString());
    }

    [Theory]
    [InlineData("keepalive.*", "keepalive.interval", true)]
    [InlineData("keepalive.*", "publish.qos1", false)]
    [InlineData("*.qos?", "publish.qos1", true)]
    [InlineData("PUBLISH.QOS1", "publish.qos1", true)]
    public void Glob_patterns_match_scenario_ids(string pattern, string id, bool expected) =>
        Assert.Equal(expected, Glob.IsMatch(pattern, id));
}
