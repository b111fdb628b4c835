using Air780Bridge.Results;
using Npgsql;

namespace Air780Bridge.Results.Tests;

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
