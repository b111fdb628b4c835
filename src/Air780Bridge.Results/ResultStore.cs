using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Serialization;
using Air780Bridge.Rigs.Reports;
using Air780Bridge.Rigs.Results;

namespace Air780Bridge.Results;

/// <summary>The <see cref="IResultStore"/> over ADO.NET: one implementation, the SQL differences in <see cref="SqlDialect"/>.</summary>
public sealed class ResultStore : IResultStore
{
    private readonly SqlDialect _dialect;

    private ResultStore(StoreLocation location)
    {
        Location = location;
        _dialect = SqlDialect.For(location.Kind);
    }

    public StoreLocation Location { get; }

    /// <summary>Opens the store and brings its schema to the latest version.</summary>
    public static async Task<IResultStore> OpenAsync(StoreLocation location, CancellationToken ct = default) =>
        await OpenAsync(location, Migrations.Latest, ct);

    /// <summary>Opens with the schema brought to <paramref name="upTo"/> at most: how tests build a store an older air780 left.</summary>
    internal static async Task<ResultStore> OpenAsync(StoreLocation location, int upTo, CancellationToken ct)
    {
        var store = new ResultStore(location);
        try
        {
            await store.MigrateAsync(upTo, ct);
        }
        catch (DbException e)
        {
            throw new ResultStoreException($"cannot open the results store {location.Display}: {e.Message}", e);
        }
        return store;
    }

    /// <summary>The schema version the store is at.</summary>
    public async Task<int> SchemaVersionAsync(CancellationToken ct = default)
    {
        await using var db = await ConnectAsync(ct);
        return Convert.ToInt32(await Scalar(db, null, "SELECT COALESCE(MAX(version), 0) FROM schema_version", ct));
    }

    private async Task MigrateAsync(int upTo, CancellationToken ct)
    {
        await using var db = await ConnectAsync(ct);
        await Execute(db, null, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_ms BIGINT NOT NULL)", ct);
        await using var tx = await db.BeginTransactionAsync(ct);
        if (_dialect.MigrationLock is { } lockSql)
            await Execute(db, tx, lockSql, ct);
        var current = Convert.ToInt32(await Scalar(db, tx, "SELECT COALESCE(MAX(version), 0) FROM schema_version", ct));
        if (current > Migrations.Latest)
            throw new ResultStoreException($"the results store {Location.Display} has schema version {current}, newer than this air780 knows ({Migrations.Latest}); update air780");
        foreach (var (version, description, sql) in Migrations.All.Where(m => m.Version > current && m.Version <= upTo))
        {
            await Execute(db, tx, _dialect.Ddl(sql), ct);
            await Execute(db, tx, "INSERT INTO schema_version (version, description, applied_ms) VALUES (@v, @d, @t)", ct,
                ("v", version), ("d", description), ("t", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
        }
        await tx.CommitAsync(ct);
    }

    public async Task<SavedRun> SaveAsync(RunResult run, string? outputDir, CancellationToken ct = default)
    {
        var station = run.Station ?? Environment.MachineName;
        var key = $"{station}|{run.Rig}|{run.Started.ToUnixTimeMilliseconds()}|{string.Join(",", run.Modules.Select(m => m.Name))}";
        await using var db = await ConnectAsync(ct);
        await using var tx = await db.BeginTransactionAsync(ct);
        if (await Scalar(db, tx, "SELECT id FROM runs WHERE run_key = @k", ct, ("k", key)) is { } existing and not DBNull)
            return new SavedRun(Convert.ToInt64(existing), AlreadyStored: true);
        string? Report(string file) => outputDir is null ? null : Path.GetFullPath(Path.Combine(outputDir, file));
        var runId = await Insert(db, tx, "runs", ct,
            ("run_key", key), ("rig", run.Rig), ("rig_file", run.RigFile), ("station", station), ("operator", run.Operator),
            ("tool_version", run.ToolVersion), ("started_ms", run.Started.ToUnixTimeMilliseconds()), ("finished_ms", run.Finished.ToUnixTimeMilliseconds()),
            ("verdict", run.Verdict.ToString()), ("output_dir", outputDir is null ? null : Path.GetFullPath(outputDir)),
            ("report_html", Report(HtmlReport.File)), ("report_junit", Report(JUnitReport.File)), ("report_json", Report(JsonReport.File)),
            ("stored_ms", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
        foreach (var m in run.Modules)
        {
            var moduleId = await Insert(db, tx, "modules", ct,
                ("run_id", runId), ("name", m.Name), ("connection", m.Connection), ("profile", m.Profile), ("imei", m.Hello?.Imei),
                ("iccid", m.Hello?.Iccid), ("firmware", m.Hello?.FirmwareVersion), ("bsp", m.Hello?.Bsp), ("boot_id", m.Hello?.BootId),
                ("agent_version", m.Hello?.AgentVersion), ("verdict", m.Verdict.ToString()), ("green", m.Verdict.IsSuccess() ? 1 : 0),
                ("error", m.Error), ("duration_ms", (long)m.Duration.TotalMilliseconds));
            foreach (var s in m.Scenarios)
            {
                var scenarioId = await Insert(db, tx, "scenarios", ct,
                    ("module_id", moduleId), ("scenario", s.Id), ("title", s.Title), ("suite", s.Suite), ("verdict", s.Verdict.ToString()),
                    ("green", s.Verdict.IsSuccess() ? 1 : 0), ("duration_ms", (long)s.Duration.TotalMilliseconds), ("message", s.Message));
                foreach (var c in s.Checks)
                    await Insert(db, tx, "checks", ct, returnId: false,
                        ("scenario_id", scenarioId), ("check_id", c.Id), ("title", c.Title), ("source", c.Source), ("verdict", c.Verdict.ToString()),
                        ("measured", c.Measured), ("allowed", c.Allowed), ("explanation", c.Explanation));
                foreach (var t in s.Timings)
                    await Insert(db, tx, "timings", ct, returnId: false,
                        ("scenario_id", scenarioId), ("name", t.Name), ("values_ms", JsonSerializer.Serialize(t.ValuesMs, ResultStoreJson.Default.IReadOnlyListDouble)),
                        ("allowed_min_ms", t.AllowedMinMs), ("allowed_max_ms", t.AllowedMaxMs));
            }
        }
        await tx.CommitAsync(ct);
        return new SavedRun(runId, AlreadyStored: false);
    }

    public async Task<IReadOnlyList<HistoryEntry>> HistoryAsync(HistoryQuery query, CancellationToken ct = default)
    {
        if (query.Imei is null && query.Iccid is null)
            throw new ArgumentException("history needs an IMEI or an ICCID");
        var (column, value) = query.Imei is { } imei ? ("m.imei", imei) : ("m.iccid", query.Iccid!);
        await using var db = await ConnectAsync(ct);
        var sql = $"""
            SELECT r.id, r.started_ms, r.station, r.rig, r.operator, m.name, m.imei, m.iccid, m.firmware, m.bsp, m.boot_id, m.agent_version,
                   m.verdict, m.error, m.duration_ms, r.report_html,
                   (SELECT COUNT(*) FROM scenarios s WHERE s.module_id = m.id AND s.verdict = 'Pass'),
                   (SELECT COUNT(*) FROM scenarios s WHERE s.module_id = m.id AND s.green = 0),
                   (SELECT COUNT(*) FROM scenarios s WHERE s.module_id = m.id AND s.verdict = 'KnownDeviation'),
                   (SELECT COUNT(*) FROM scenarios s WHERE s.module_id = m.id)
            FROM modules m JOIN runs r ON r.id = m.run_id
            WHERE {column} = @v ORDER BY r.started_ms DESC, m.id DESC LIMIT {query.Limit}
            """;
        return await Query(db, sql, r => new HistoryEntry(
            r.GetInt64(0), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(1)), Text(r, 2), r.GetString(3), Text(r, 4), r.GetString(5),
            Text(r, 6), Text(r, 7), Text(r, 8), Text(r, 9), Text(r, 10), Text(r, 11), r.GetString(12),
            Int(r, 16), Int(r, 17), Int(r, 18), Int(r, 19), r.GetInt64(14) / 1000.0, Text(r, 13), Text(r, 15)), ct, ("v", value));
    }

    public async Task<IReadOnlyList<YieldRow>> YieldAsync(YieldQuery query, CancellationToken ct = default)
    {
        var (key, from, green, identity) = query.By switch
        {
            YieldBy.Firmware => ("COALESCE(m.firmware, '(no HELLO)')", "modules m JOIN runs r ON r.id = m.run_id", "m.green", "m.imei"),
            YieldBy.Scenario => ("s.scenario", "scenarios s JOIN modules m ON m.id = s.module_id JOIN runs r ON r.id = m.run_id", "s.green", "m.imei"),
            _ => ("r.station", "modules m JOIN runs r ON r.id = m.run_id", "m.green", "m.imei"),
        };
        var where = new List<string>();
        var args = new List<(string, object?)>();
        if (query.Since is { } since)
        {
            where.Add("r.started_ms >= @since");
            args.Add(("since", since.ToUnixTimeMilliseconds()));
        }
        if (query.Station is { } station)
        {
            where.Add("r.station = @station");
            args.Add(("station", station));
        }
        var sql = $"SELECT {key}, COUNT(*), SUM({green}), COUNT(DISTINCT {identity}) FROM {from}" +
                  (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "") + $" GROUP BY {key} ORDER BY {key}";
        await using var db = await ConnectAsync(ct);
        return await Query(db, sql, r => new YieldRow(r.GetString(0), Int(r, 1), Int(r, 2), Int(r, 3)), ct, [.. args]);
    }

    public async Task<RetestPlan?> FailedOfAsync(long? runId, string rig, CancellationToken ct = default)
    {
        await using var db = await ConnectAsync(ct);
        var id = runId ?? (await Scalar(db, null, "SELECT id FROM runs WHERE rig = @rig ORDER BY started_ms DESC, id DESC LIMIT 1", ct, ("rig", rig)) is { } found and not DBNull
            ? Convert.ToInt64(found) : (long?)null);
        if (id is null)
            return null;
        var storedRig = await Scalar(db, null, "SELECT rig FROM runs WHERE id = @id", ct, ("id", id));
        if (storedRig is null or DBNull)
            return null;
        var rows = await Query(db, """
            SELECT m.name, m.error, s.scenario, s.green FROM modules m LEFT JOIN scenarios s ON s.module_id = m.id
            WHERE m.run_id = @id AND m.green = 0 ORDER BY m.id, s.id
            """, r => (Module: r.GetString(0), Error: Text(r, 1), Scenario: Text(r, 2), Green: r.IsDBNull(3) ? (int?)null : Int(r, 3)), ct, ("id", id));
        var failed = rows.GroupBy(r => r.Module).ToDictionary(g => g.Key, g => (IReadOnlyList<string>)(
            g.Any(r => r.Error is not null || r.Scenario is null) ? [RetestPlan.WholeModule] : g.Where(r => r.Green == 0).Select(r => r.Scenario!).ToList()));
        return new RetestPlan(id.Value, (string)storedRig, failed);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    internal async Task<DbConnection> ConnectAsync(CancellationToken ct)
    {
        var db = _dialect.Connect(Location.ConnectionString);
        try
        {
            await db.OpenAsync(ct);
            if (_dialect.OnOpen is { } setup)
                await Execute(db, null, setup, ct);
            return db;
        }
        catch
        {
            await db.DisposeAsync();
            throw;
        }
    }

    private static DbCommand Command(DbConnection db, DbTransaction? tx, string sql, (string Name, object? Value)[] args)
    {
        var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = tx;
        foreach (var (name, value) in args)
        {
            var p = cmd.CreateParameter();
            p.ParameterName = "@" + name;
            p.Value = value ?? DBNull.Value;
            cmd.Parameters.Add(p);
        }
        return cmd;
    }

    private static async Task Execute(DbConnection db, DbTransaction? tx, string sql, CancellationToken ct, params (string, object?)[] args)
    {
        await using var cmd = Command(db, tx, sql, args);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static async Task<object?> Scalar(DbConnection db, DbTransaction? tx, string sql, CancellationToken ct, params (string, object?)[] args)
    {
        await using var cmd = Command(db, tx, sql, args);
        return await cmd.ExecuteScalarAsync(ct);
    }

    private static Task<long> Insert(DbConnection db, DbTransaction tx, string table, CancellationToken ct, params (string Column, object? Value)[] values) =>
        Insert(db, tx, table, ct, returnId: true, values);

    private static async Task<long> Insert(DbConnection db, DbTransaction tx, string table, CancellationToken ct, bool returnId, params (string Column, object? Value)[] values)
    {
        var sql = $"INSERT INTO {table} ({string.Join(", ", values.Select(v => v.Column))}) VALUES ({string.Join(", ", values.Select(v => "@" + v.Column))})";
        if (!returnId)
        {
            await Execute(db, tx, sql, ct, values);
            return 0;
        }
        return Convert.ToInt64(await Scalar(db, tx, sql + " RETURNING id", ct, values));
    }

    private static async Task<IReadOnlyList<T>> Query<T>(DbConnection db, string sql, Func<DbDataReader, T> read, CancellationToken ct, params (string, object?)[] args)
    {
        await using var cmd = Command(db, null, sql, args);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var rows = new List<T>();
        while (await reader.ReadAsync(ct))
            rows.Add(read(reader));
        return rows;
    }

    private static string? Text(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
    private static int Int(DbDataReader r, int i) => r.IsDBNull(i) ? 0 : Convert.ToInt32(r.GetValue(i));
}

/// <summary>The store could not be opened or written; the message names the store and what to do.</summary>
public sealed class ResultStoreException(string message, Exception? inner = null) : Exception(message, inner);

[JsonSerializable(typeof(IReadOnlyList<double>))]
internal sealed partial class ResultStoreJson : JsonSerializerContext;
