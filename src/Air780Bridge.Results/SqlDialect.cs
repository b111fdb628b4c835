using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Air780Bridge.Results;

/// <summary>What differs between SQLite and PostgreSQL; every query is written once, in the SQL both speak.</summary>
internal abstract class SqlDialect
{
    public static SqlDialect For(StoreKind kind) => kind == StoreKind.Postgres ? new Postgres() : new Sqlite();

    public abstract DbConnection Connect(string connectionString);

    /// <summary>Column type of a generated primary key.</summary>
    public abstract string IdColumn { get; }
    public abstract string RealType { get; }

    /// <summary>Runs inside the migration transaction so two stations starting at once do not both migrate.</summary>
    public abstract string? MigrationLock { get; }

    /// <summary>Settings applied to every new connection.</summary>
    public virtual string? OnOpen => null;

    /// <summary>Expands the {id} and {real} placeholders of a migration.</summary>
    public string Ddl(string sql) => sql.Replace("{id}", IdColumn).Replace("{real}", RealType);

    private sealed class Sqlite : SqlDialect
    {
        public override DbConnection Connect(string connectionString)
        {
            var file = new SqliteConnectionStringBuilder(connectionString).DataSource;
            if (Path.GetDirectoryName(file) is { Length: > 0 } dir)
                Directory.CreateDirectory(dir);
            return new SqliteConnection(connectionString);
        }

        public override string IdColumn => "INTEGER PRIMARY KEY";
        public override string RealType => "REAL";
        // SQLite locks the whole file for a write transaction; BEGIN IMMEDIATE would be the lock, the transaction already is.
        public override string? MigrationLock => null;
        // WAL: slots of one station write while the page reads; busy_timeout waits for the other writer instead of failing.
        public override string OnOpen => "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON;";
    }

    private sealed class Postgres : SqlDialect
    {
        public override DbConnection Connect(string connectionString) => new NpgsqlConnection(connectionString);
        public override string IdColumn => "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY";
        public override string RealType => "DOUBLE PRECISION";
        // Any fixed key: all air780 stations sharing the server take the same lock.
        public override string MigrationLock => "SELECT pg_advisory_xact_lock(780780)";
    }
}
