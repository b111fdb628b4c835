using System.Text.Json;
using System.Text.Json.Serialization;

namespace Air780Bridge.Rigs.Results;

/// <summary>results.json: the <see cref="RunResult"/> in camelCase JSON, readable back for re-rendering reports.</summary>
public static class ResultJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // Enums the harness defines without a converter of their own (StatementCoverage, CheckSubject) read as words too.
        Converters = { new JsonStringEnumConverter() },
    };

    public static string Serialize(RunResult run) => JsonSerializer.Serialize(run, Options);

    public static RunResult Deserialize(string json) =>
        JsonSerializer.Deserialize<RunResult>(json, Options) ?? throw new JsonException("results.json holds null instead of a run");
}
