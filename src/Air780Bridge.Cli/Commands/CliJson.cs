using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Air780Bridge.Results;
using Air780Bridge.Rigs.Results;

namespace Air780Bridge.Cli.Commands;

/// <summary>JSON the commands print, source-generated (the linux-x64 build is Native AOT: no reflection-based serialisation).</summary>
internal static class CliJson
{
    /// <summary>history and yield rows, written like results.json (<see cref="ResultJson.Options"/>).</summary>
    public static JsonSerializerOptions Results { get; } = new(ResultJson.Options) { TypeInfoResolver = ResultsCliJson.Default };

    /// <summary>The source-generated contract of <typeparamref name="T"/> under <paramref name="options"/>.</summary>
    public static JsonTypeInfo<T> For<T>(this JsonSerializerOptions options) => (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T));
}

[JsonSerializable(typeof(IReadOnlyList<HistoryEntry>))]
[JsonSerializable(typeof(List<YieldOutput>))]
internal sealed partial class ResultsCliJson : JsonSerializerContext;
