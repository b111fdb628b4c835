using System.Globalization;

namespace Air780Bridge.Rigs.Results;

/// <summary>Short verdict codes and durations as the reports and progress views print them.</summary>
public static class VerdictText
{
    public static string Word(Verdict v) => v switch
    {
        Verdict.Pass => "PASS",
        Verdict.Fail => "FAIL",
        Verdict.Error => "ERR",
        Verdict.Skipped => "SKIP",
        Verdict.Inconclusive => "INC",
        _ => "DEV",
    };

    /// <summary>"412 ms", "8.31 s", "4 min 2 s", "1 h 05 min".</summary>
    public static string Duration(TimeSpan t) =>
        t.TotalSeconds < 1 ? t.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture) + " ms"
        : t.TotalSeconds < 60 ? t.TotalSeconds.ToString("0.##", CultureInfo.InvariantCulture) + " s"
        : t.TotalHours < 1 ? $"{(int)t.TotalMinutes} min {t.Seconds} s"
        : $"{(int)t.TotalHours} h {t.Minutes:00} min";
}
