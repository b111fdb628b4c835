using System.Text.Json;
using System.Text.Json.Serialization;

namespace Air780Bridge.Harness.Checks;

/// <summary>Whom a statement binds: the client (or the packets it sends), the server, or either side (sender/receiver rules).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<StatementBinds>))]
public enum StatementBinds { Client, Server, Both }

/// <summary>Why (part of) a statement is not judged from the client's packets.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<NotJudgedKind>))]
public enum NotJudgedKind
{
    /// <summary>Binds the client, but the wire does not show it (internal state, application level, no such transport).</summary>
    [JsonStringEnumMemberName("not-observable")] NotObservable,
    /// <summary>About how the client reacts to what it receives: the broker must send a faulty or scripted packet (receiver issue).</summary>
    [JsonStringEnumMemberName("server-fault")] NeedsServerFault,
    /// <summary>Binds the server; a check mapped to it judges the harness broker (or the client half), never the module's compliance.</summary>
    [JsonStringEnumMemberName("binds-server")] BindsServer,
}

/// <summary>How far the catalogue covers a statement.</summary>
public enum StatementCoverage { Judged, Explained, Missing }

public sealed record NotJudged(NotJudgedKind Kind, string Reason);

/// <summary>
/// One numbered normative statement of MQTT 3.1.1 (OASIS Standard, 29 October 2014; cited [MQTT-x.x.x-y], not the
/// renumbered 5.0 ids), summarised, with the checks that judge it and what of it is not judged and why.
/// </summary>
/// <remarks>Fields with a default are <c>set</c>, not <c>init</c>: the System.Text.Json source generator fills init-only
/// properties through the constructor and would overwrite an absent field's default with null.</remarks>
public sealed record SpecStatement
{
    /// <summary>"3.1.2-23"; <see cref="Cite"/> gives "[MQTT-3.1.2-23]".</summary>
    public required string Id { get; init; }
    public required string Section { get; init; }
    public required StatementBinds Binds { get; init; }
    public required string Summary { get; init; }
    /// <summary>Ids of the <see cref="CheckCatalogue"/> checks that judge it (the client half when it binds the server).</summary>
    public IReadOnlyList<string> Checks { get; set; } = [];
    /// <summary>Ids of the conformance scenarios (the `server` suite) that judge the receive half: the harness sends the
    /// module the faulty packet and the scenario judges its reaction. A Rigs test keeps each id a real scenario.</summary>
    public IReadOnlyList<string> Scenarios { get; set; } = [];
    /// <summary>What is not judged and why: the whole statement when <see cref="Checks"/> is empty, else the remaining part.</summary>
    public NotJudged? NotJudged { get; init; }

    public string Cite => $"[MQTT-{Id}]";

    /// <summary>True for the statements the judge owes a verdict or a reason: those binding a client (alone or as either side).</summary>
    public bool ClientSide => Binds != StatementBinds.Server;

    public StatementCoverage Coverage =>
        Checks.Count > 0 || Scenarios.Count > 0 ? StatementCoverage.Judged : NotJudged is not null ? StatementCoverage.Explained : StatementCoverage.Missing;
}

/// <summary>
/// The statements of MQTT 3.1.1 and how the checks cover them, loaded from the embedded
/// <c>mqtt-3.1.1-statements.json</c> (the one place a check's spec citations live; docs/checks.md is generated from it).
/// </summary>
public static class SpecStatements
{
    private const string Resource = "Air780Bridge.Harness.Checks.mqtt-3.1.1-statements.json";

    public static IReadOnlyList<SpecStatement> All { get; } = Load();

    private static readonly Dictionary<string, SpecStatement> ById = All.ToDictionary(s => s.Id);

    private static readonly ILookup<string, SpecStatement> ByCheck =
        All.SelectMany(s => s.Checks.Select(c => (Check: c, Statement: s))).ToLookup(p => p.Check, p => p.Statement);

    /// <summary>Statements binding a client, the ones the coverage table counts.</summary>
    public static IReadOnlyList<SpecStatement> ClientSide { get; } = All.Where(s => s.ClientSide).ToList();

    /// <summary>The statement with id "3.1.2-23" (also accepts "MQTT-3.1.2-23" and "[MQTT-3.1.2-23]"), or null.</summary>
    public static SpecStatement? Find(string id) => ById.GetValueOrDefault(id.Trim('[', ']').Replace("MQTT-", "", StringComparison.Ordinal));

    /// <exception cref="KeyNotFoundException">No such 3.1.1 statement (a 5.0 number, say).</exception>
    public static SpecStatement Get(string id) =>
        Find(id) ?? throw new KeyNotFoundException($"[MQTT-{id}] is not a numbered statement of MQTT 3.1.1 (a 5.0 number?); see src/Air780Bridge.Harness/Checks/mqtt-3.1.1-statements.json");

    /// <summary>The statements a check judges, in spec order; empty for a check of firmware reference behaviour only.</summary>
    public static IReadOnlyList<SpecStatement> ForCheck(string checkId) => ByCheck[checkId].ToList();

    private static IReadOnlyList<SpecStatement> Load()
    {
        using var stream = typeof(SpecStatements).Assembly.GetManifestResourceStream(Resource)
                           ?? throw new InvalidOperationException($"embedded resource {Resource} missing from {typeof(SpecStatements).Assembly.GetName().Name}");
        return JsonSerializer.Deserialize(stream, SpecStatementsJson.Default.ListSpecStatement)
               ?? throw new InvalidOperationException($"{Resource} is JSON null");
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(List<SpecStatement>))]
internal sealed partial class SpecStatementsJson : JsonSerializerContext;
