using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace Air780Bridge.Rigs.RigFiles;

/// <summary>Scenario id patterns: '*' matches any run of characters (dots included), '?' one character; case-insensitive.</summary>
public static class Glob
{
    private static readonly ConcurrentDictionary<string, Regex> Cache = new();

    public static bool IsMatch(string pattern, string text) =>
        Cache.GetOrAdd(pattern, p => new Regex(
            "^" + Regex.Escape(p).Replace(@"\*", ".*").Replace(@"\?", ".") + "$",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)).IsMatch(text);
}
