namespace Air780Bridge.Tests;

/// <summary>
/// Tools some tests need: a PostgreSQL server (AIR780_TEST_POSTGRES, which .ci/run starts and exports) and
/// Debian's chromium. Missing on a developer's PC the test is skipped, saying how to get it; under CI (CI=true)
/// it runs and fails, so a CI that lost a tool can never go green.
/// </summary>
internal static class RequiredTools
{
    public const string PostgresVariable = "AIR780_TEST_POSTGRES";

    public static bool UnderCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static string? Postgres => Environment.GetEnvironmentVariable(PostgresVariable) is { Length: > 0 } cs ? cs : null;

    public static string RequirePostgres() => Postgres ?? throw new InvalidOperationException(
        $"{PostgresVariable} is not set: install and start PostgreSQL (apt-get install postgresql; .ci/start-postgres prints the connection string) and export it");

    public static void RequireChromium() =>
        Assert.True(File.Exists(HeadlessChromium.Executable), $"{HeadlessChromium.Executable} is missing: apt-get install -y chromium");
}

public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (RequiredTools.Postgres is null && !RequiredTools.UnderCi)
            Skip = $"{RequiredTools.PostgresVariable} is not set (.ci/start-postgres starts a server and prints it); under CI this fails instead";
    }
}

/// <summary>Needs chromium; unlike a plain skip, fails under CI when it is missing.</summary>
public sealed class ChromiumRequiredFactAttribute : FactAttribute
{
    public ChromiumRequiredFactAttribute()
    {
        if (!File.Exists(HeadlessChromium.Executable) && !RequiredTools.UnderCi)
            Skip = $"{HeadlessChromium.Executable} is not installed (apt-get install -y chromium); under CI this fails instead";
    }
}
