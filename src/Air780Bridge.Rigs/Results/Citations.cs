using System.Text.RegularExpressions;
using Air780Bridge.Harness.Checks;

namespace Air780Bridge.Rigs.Results;

/// <summary>The MQTT 3.1.1 statements a scenario's own assertion cites in its source text ("[MQTT-3.1.2-22]; §2" →
/// "3.1.2-22", <see cref="SpecStatement.Id"/>); a number 3.1.1 does not have (a 5.0 one) is left out. Harness checks
/// carry theirs from <see cref="SpecStatements"/>.</summary>
public static partial class Citations
{
    [GeneratedRegex(@"MQTT-\d+(?:\.\d+)*-\d+")]
    private static partial Regex StatementId();

    public static IReadOnlyList<string> Of(string? source) =>
        source is null ? [] : StatementId().Matches(source).Select(m => SpecStatements.Find(m.Value)?.Id).OfType<string>().Distinct().ToList();
}
