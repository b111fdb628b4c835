using System.Text.Json;
using System.Text.Json.Serialization;

namespace Air780Bridge.Rigs.Results;

/// <summary>results.json: the <see cref="RunResult"/> in camelCase JSON, readable back for re-rendering reports.</summary>
public static class ResultJson
{
    /// <summary>The options, for other types written the same way (history, yield): copy them with a resolver for those types.</summary>
    public static JsonSerializerOptions Options => ResultJsonContext.Default.Options;

    public static string Serialize(RunResult run) => JsonSerializer.Serialize(run, ResultJsonContext.Default.RunResult);

    public static RunResult Deserialize(string json) =>
        JsonSerializer.Deserialize(json, ResultJsonContext.Default.RunResult) ?? throw new JsonException("results.json holds null instead of a run");
}

/// <summary>Source-generated (Native-AOT safe). Enums the harness defines without a converter of their own
/// (StatementCoverage, CheckSubject) are written and read as words too.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, UseStringEnumConverter = true)]
[JsonSerializable(typeof(RunResult))]
internal sealed partial class ResultJsonContext : JsonSerializerContext;
