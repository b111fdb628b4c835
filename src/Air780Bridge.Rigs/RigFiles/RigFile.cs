using Air780Bridge.Client.Transport;
using System.Text.Json.Serialization;

namespace Air780Bridge.Rigs.RigFiles;

/// <summary>
/// A rig: the modules to test, the broker they dial, which suites to run and how. Loaded from JSON with
/// <see cref="Load"/>; rigs/README.md documents every field.
/// </summary>
/// <remarks>Fields with a default are <c>set</c>, not <c>init</c>: the System.Text.Json source generator fills init-only
/// properties through the constructor and would overwrite an absent field's default with null.</remarks>
public sealed record RigFile
{
    /// <summary>Shown in reports; defaults to the file name without ".json".</summary>
    public string? Name { get; init; }
    public string? Description { get; init; }
    public IReadOnlyList<RigModule> Modules { get; set; } = [];
    public RigBroker Broker { get; set; } = new();
    /// <summary>Suites to run; empty means every suite.</summary>
    public IReadOnlyList<RigSuite> Suites { get; set; } = [];
    /// <summary>How many modules run at the same time.</summary>
    public int Parallelism { get; set; } = 1;
    /// <summary>How many scenarios of one module run at the same time, each on its own MQTT clients (exclusive
    /// scenarios always run alone). Each holds one or two sockets on the module, which has few to spare.</summary>
    public int ScenarioParallelism { get; set; } = 4;
    /// <summary>A check a scenario exists to exercise that comes out Inconclusive fails the scenario instead of being
    /// shown as not judged (CI that must prove every expected rule was exercised).</summary>
    public bool Strict { get; init; }
    public RigTimeouts Timeouts { get; set; } = new();
    /// <summary>Where reports go; {rig} and {time} (UTC, yyyyMMdd-HHmmss) are substituted. Relative to the working directory.</summary>
    public string Output { get; set; } = DefaultOutput;

    public const string DefaultOutput = "artifacts/runs/{rig}-{time}";

    /// <summary>The path the rig was loaded from, as given.</summary>
    [JsonIgnore] public string SourcePath { get; init; } = "";

    /// <summary>
    /// Loads and validates a rig file, or a built-in rig by name (<see cref="BuiltInRigs"/>) when no such file exists;
    /// throws <see cref="RigFileException"/> listing every problem with its line.
    /// </summary>
    public static RigFile Load(string path, RigLoadOptions? options = null)
    {
        if (!File.Exists(path) && BuiltInRigs.Find(path) is { } builtIn)
            return Parse(builtIn, BuiltInRigs.SourceOf(path), options);
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RigFileException([new RigFileError(path, 0, $"cannot read the rig file: {e.Message}; check the path (shipped rigs are in rigs/; built in: {string.Join(", ", BuiltInRigs.Names)})")]);
        }
        return Parse(json, path, options);
    }

    /// <summary>Validates rig JSON; <paramref name="sourcePath"/> is only used to name the file in errors and for the default name.</summary>
    public static RigFile Parse(string json, string sourcePath, RigLoadOptions? options = null) =>
        RigFileLoader.Parse(json, sourcePath, options ?? new RigLoadOptions());

    /// <summary>True when <paramref name="scenarioId"/> of <paramref name="suite"/> should run on <paramref name="module"/>.</summary>
    public bool Selects(RigModule module, string suite, string scenarioId)
    {
        if (module.Overrides?.Exclude is { } exclude && exclude.Any(p => Glob.IsMatch(p, scenarioId)))
            return false;
        var suites = module.Overrides?.Suites ?? Suites;
        return suites.Count == 0 || suites.Any(s => s.Selects(suite, scenarioId));
    }

    /// <summary>The output directory for a run started at <paramref name="startedUtc"/>.</summary>
    public string ResolveOutput(DateTimeOffset startedUtc) =>
        Output.Replace("{rig}", Name ?? "rig").Replace("{time}", startedUtc.UtcDateTime.ToString("yyyyMMdd-HHmmss"));

    /// <summary>The scenario timeout for <paramref name="module"/>, its override included.</summary>
    public TimeSpan ScenarioTimeout(RigModule module) =>
        TimeSpan.FromSeconds(module.Overrides?.ScenarioTimeoutSeconds ?? Timeouts.ScenarioSeconds);
}

public sealed record RigModule
{
    /// <summary>Unique within the rig; letters, digits, '-', '_', '.'.</summary>
    public string Name { get; set; } = "";
    /// <summary>twin:, serial:///dev/ttyACM0?baud=115200 or tcp://host:port; see <see cref="LinkAddress"/>.</summary>
    public string Connection { get; set; } = "";
    /// <summary>When set, the run stops for this module if HELLO reports another IMEI (wrong cable, swapped ports).</summary>
    public string? Imei { get; init; }
    /// <summary>Firmware profile the module is judged against.</summary>
    public string Profile { get; set; } = DefaultProfile;
    public string? Description { get; init; }
    /// <summary>Twins only: misbehaviours planted on purpose (<see cref="Air780Bridge.Firmware.TwinDefects.ByName"/>), to see a failing module.</summary>
    public IReadOnlyList<string>? Defects { get; init; }
    public ModuleOverrides? Overrides { get; init; }

    public const string DefaultProfile = "air780e-v1120";

    /// <summary>The parsed <see cref="Connection"/>; valid once the rig has loaded.</summary>
    [JsonIgnore] public LinkAddress Endpoint => LinkAddress.Parse(Connection);
}

/// <summary>Per-module changes to the rig-wide settings.</summary>
public sealed record ModuleOverrides
{
    /// <summary>Replaces <see cref="RigTimeouts.ScenarioSeconds"/> for this module (e.g. a module on a weak cell).</summary>
    public int? ScenarioTimeoutSeconds { get; init; }
    /// <summary>Replaces the rig's suite selection for this module.</summary>
    public IReadOnlyList<RigSuite>? Suites { get; init; }
    /// <summary>Scenario id patterns never run on this module.</summary>
    public IReadOnlyList<string>? Exclude { get; init; }
    /// <summary>host:port this module dials instead of <see cref="RigBroker.Public"/> (a module on another network).</summary>
    public string? BrokerAddress { get; init; }
}

public sealed record RigBroker
{
    /// <summary>"embedded" (the harness broker) or mqtt://host:port of an external broker the wire tap forwards to.</summary>
    public string Upstream { get; set; } = "embedded";
    /// <summary>host:port the tap (or embedded broker) listens on; port 0 picks a free port. Loopback unless the rig
    /// file opens it ("0.0.0.0:1883"): modules dialling over cellular need that, twins on this PC do not.</summary>
    public string Listen { get; set; } = "127.0.0.1:0";
    /// <summary>Start a TLS endpoint next to the plain one (the tap terminates TLS with a throwaway CA); the tls
    /// suite skips without it.</summary>
    public bool Tls { get; set; } = true;
    /// <summary>Port of the TLS endpoint; 0 picks a free one (fix it when modules dial in through NAT).</summary>
    public int TlsPort { get; init; }
    /// <summary>host:port modules dial when it differs from <see cref="Listen"/> (NAT, port forwarding, a public name).</summary>
    public string? Public { get; init; }
    /// <summary>mqtts://host:port of a harness on another host (`air780 broker --control-user`, its TLS port); the rig
    /// starts none and follows that one over its TLS control channel. Listen, public, tls and upstream do not apply then.</summary>
    public string? Remote { get; init; }
    /// <summary>PEM file of the CA the remote harness's TLS certificate must chain to (`air780 broker --write-ca FILE`);
    /// absent = the system's trusted roots (a harness started with a certificate from a public CA). Relative to the working directory.</summary>
    public string? RemoteCa { get; init; }
    /// <summary>The remote harness's control user.</summary>
    public string? ControlUser { get; init; }
    /// <summary>Its password; when absent, read from the environment variable AIR780_CONTROL_PASSWORD (keeps it out of the file).</summary>
    public string? ControlPassword { get; init; }

    public const string ControlPasswordVariable = "AIR780_CONTROL_PASSWORD";

    /// <summary>The remote harness, or null when the rig runs its own.</summary>
    [JsonIgnore] public HostPort? RemoteEndpoint => Remote is null ? null : HostPort.ParseMqttUrl(Remote, HostPort.MqttsScheme);

    [JsonIgnore] public string? EffectiveControlPassword => ControlPassword ?? Environment.GetEnvironmentVariable(ControlPasswordVariable);

    [JsonIgnore] public bool IsEmbedded => Upstream == "embedded";

    /// <summary>The external broker, or null when embedded.</summary>
    [JsonIgnore] public HostPort? UpstreamEndpoint => IsEmbedded ? null : HostPort.ParseMqttUrl(Upstream);
}

/// <summary>A suite to run, optionally narrowed with scenario id patterns ('*' and '?' wildcards).</summary>
public sealed record RigSuite
{
    /// <summary>Suite name, or "*" for every suite.</summary>
    public string Name { get; set; } = "";
    /// <summary>When non-empty, only scenarios matching one of these run.</summary>
    public IReadOnlyList<string> Include { get; set; } = [];
    public IReadOnlyList<string> Exclude { get; set; } = [];

    public bool Selects(string suite, string scenarioId) =>
        (Name == "*" || string.Equals(Name, suite, StringComparison.OrdinalIgnoreCase))
        && (Include.Count == 0 || Include.Any(p => Glob.IsMatch(p, scenarioId)))
        && !Exclude.Any(p => Glob.IsMatch(p, scenarioId));
}

public sealed record RigTimeouts
{
    /// <summary>A scenario running longer is stopped and judged Error.</summary>
    public int ScenarioSeconds { get; set; } = 120;
    /// <summary>The whole run is stopped after this; remaining scenarios are reported as Error.</summary>
    public int RunSeconds { get; set; } = 3600;

    [JsonIgnore] public TimeSpan Run => TimeSpan.FromSeconds(RunSeconds);
}

/// <summary>What the loader checks names against. Profiles live in the twin project, suites in the conformance code, so callers pass them in.</summary>
public sealed record RigLoadOptions
{
    public static readonly IReadOnlyList<string> DefaultProfiles = FirmwareProfile.All.Select(p => p.Name).ToList();

    public IReadOnlyList<string> KnownProfiles { get; init; } = DefaultProfiles;
    /// <summary>Null: suite names are not checked (the conformance suites are not known to the caller).</summary>
    public IReadOnlyList<string>? KnownSuites { get; init; }
}
