namespace Air780Bridge.Results;

/// <summary>
/// The schema, as numbered steps applied in order and recorded in schema_version. Never edit a released
/// step: add the next one. Times are Unix milliseconds (UTC) so SQLite and PostgreSQL compare them alike.
/// </summary>
internal static class Migrations
{
    public static IReadOnlyList<(int Version, string Description, string Sql)> All { get; } =
    [
        (1, "runs, modules, scenarios, checks", """
            CREATE TABLE runs (
                id {id},
                run_key TEXT NOT NULL UNIQUE,
                rig TEXT NOT NULL,
                rig_file TEXT,
                station TEXT NOT NULL,
                operator TEXT,
                tool_version TEXT,
                started_ms BIGINT NOT NULL,
                finished_ms BIGINT NOT NULL,
                verdict TEXT NOT NULL,
                output_dir TEXT,
                report_html TEXT,
                report_junit TEXT,
                report_json TEXT,
                stored_ms BIGINT NOT NULL
            );
            CREATE INDEX runs_started ON runs (started_ms);
            CREATE INDEX runs_rig ON runs (rig, started_ms);
            CREATE TABLE modules (
                id {id},
                run_id BIGINT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
                name TEXT NOT NULL,
                connection TEXT NOT NULL,
                profile TEXT,
                imei TEXT,
                iccid TEXT,
                firmware TEXT,
                bsp TEXT,
                boot_id TEXT,
                agent_version TEXT,
                verdict TEXT NOT NULL,
                green INTEGER NOT NULL,
                error TEXT,
                duration_ms BIGINT NOT NULL
            );
            CREATE INDEX modules_imei ON modules (imei);
            CREATE INDEX modules_iccid ON modules (iccid);
            CREATE INDEX modules_run ON modules (run_id);
            CREATE TABLE scenarios (
                id {id},
                module_id BIGINT NOT NULL REFERENCES modules (id) ON DELETE CASCADE,
                scenario TEXT NOT NULL,
                title TEXT NOT NULL,
                suite TEXT NOT NULL,
                verdict TEXT NOT NULL,
                green INTEGER NOT NULL,
                duration_ms BIGINT NOT NULL,
                message TEXT
            );
            CREATE INDEX scenarios_module ON scenarios (module_id);
            CREATE TABLE checks (
                id {id},
                scenario_id BIGINT NOT NULL REFERENCES scenarios (id) ON DELETE CASCADE,
                check_id TEXT NOT NULL,
                title TEXT NOT NULL,
                source TEXT NOT NULL,
                verdict TEXT NOT NULL,
                measured TEXT,
                allowed TEXT,
                explanation TEXT
            );
            CREATE INDEX checks_scenario ON checks (scenario_id);
            """),
        (2, "timing series of each scenario (the values behind the report's charts)", """
            CREATE TABLE timings (
                id {id},
                scenario_id BIGINT NOT NULL REFERENCES scenarios (id) ON DELETE CASCADE,
                name TEXT NOT NULL,
                values_ms TEXT NOT NULL,
                allowed_min_ms {real},
                allowed_max_ms {real}
            );
            CREATE INDEX timings_scenario ON timings (scenario_id);
            """),
    ];

    public static int Latest => All[^1].Version;
}
