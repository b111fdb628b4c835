using System.Text.RegularExpressions;

namespace Air780Bridge.Rigs.Results;

/// <summary>The MQTT 3.1.1 statement ids a check's source cites, e.g. "[MQTT-3.1.2-22]; §2" → "MQTT-3.1.2-22".</summary>
public static partial class Citations
{
    [GeneratedRegex(@"MQTT-\d+(?:\.\d+)*-\d+")]
    private static partial Regex StatementId();

    public static IReadOnlyList<string> Of(string? source) =>
        source is null ? [] : StatementId().Matches(source).Select(m => m.Value).Distinct().ToList();
}
