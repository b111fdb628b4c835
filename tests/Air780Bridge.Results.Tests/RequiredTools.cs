using Air780Bridge.Results;
using Npgsql;

namespace Air780Bridge.Results.Tests;

/// <summary>
/// The tools these tests need: a PostgreSQL server (AIR780_TEST_POSTGRES, which .ci/run starts and exports) and
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

public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (!File.Exists(HeadlessChromium.Executable) && !RequiredTools.UnderCi)
            Skip = $"{HeadlessChromium.Executable} is not installed (apt-get install -y chromium); under CI this fails instead";
    }
}

/// <summary>A database of its own on the test server, created for one test and dropped after it, so every test migrates from nothing.</summary>
internal sealed class ScratchPostgres : IAsyncDisposable
{
    private readonly string _admin;
    private readonly string _name;

    private ScratchPostgres(string admin, string name)
    {
        _admin = admin;
        _name = name;
        Location = StoreLocation.Parse(new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString);
    }

    public StoreLocation Location { get; }

    public static async Task<ScratchPostgres> CreateAsync()
    {
        var scratch = new ScratchPostgres(RequiredTools.RequirePostgres(), "air780_t_" + Guid.NewGuid().ToString("N")[..12]);
        await scratch.ExecuteAsync($"CREATE DATABASE {scratch._name}");
        return scratch;
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var db = new NpgsqlConnection(_admin);
        await db.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, db);
        await cmd.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await ExecuteAsync($"DROP DATABASE IF EXISTS {_name} WITH (FORCE)");
    }
}
