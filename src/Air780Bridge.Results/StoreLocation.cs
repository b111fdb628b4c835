using Npgsql;

namespace Air780Bridge.Results;

public enum StoreKind { Sqlite, Postgres }

/// <summary>
/// Where results go: the one place that decides between SQLite and PostgreSQL. A value that is a
/// PostgreSQL connection string (postgres:// or postgresql:// URL, or key=value with Host=) means the
/// shared server; anything else is a SQLite file path (or a "Data Source=" string).
/// </summary>
public sealed record StoreLocation(StoreKind Kind, string ConnectionString, string Display)
{
    /// <summary>The setting in appsettings.json (or env AIR780_Results__Database).</summary>
    public const string SettingKey = "Results:Database";

    /// <summary>The SQLite file used when neither --results nor the setting names a store.</summary>
    public const string DefaultFile = "results.db";

    /// <summary>--results wins over the setting; without either, <see cref="DefaultFile"/> in <paramref name="defaultFolder"/>.</summary>
    public static StoreLocation Resolve(string? option, string? setting, string defaultFolder) =>
        Parse(!string.IsNullOrWhiteSpace(option) ? option
            : !string.IsNullOrWhiteSpace(setting) ? setting
            : Path.Combine(defaultFolder, DefaultFile));

    /// <summary>The default folder for a run written to <paramref name="outputDir"/>: its parent, shared by all runs.</summary>
    public static string DefaultFolderOf(string outputDir) =>
        Path.GetDirectoryName(Path.GetFullPath(outputDir).TrimEnd(Path.DirectorySeparatorChar)) ?? ".";

    public static StoreLocation Parse(string value)
    {
        value = value.Trim();
        if (value.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || value.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
            return Postgres(FromUrl(value));
        if (value.Contains('=') && value.Contains("host", StringComparison.OrdinalIgnoreCase) && IsNpgsql(value))
            return Postgres(new NpgsqlConnectionStringBuilder(value));
        var file = value.StartsWith("Data Source=", StringComparison.OrdinalIgnoreCase) ? value["Data Source=".Length..].Split(';')[0] : value;
        var full = Path.GetFullPath(file);
        return new StoreLocation(StoreKind.Sqlite, $"Data Source={full};Pooling=False", full);
    }

    private static bool IsNpgsql(string value)
    {
        try
        {
            return !string.IsNullOrEmpty(new NpgsqlConnectionStringBuilder(value).Host);
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static StoreLocation Postgres(NpgsqlConnectionStringBuilder b)
    {
        var display = $"postgresql://{(string.IsNullOrEmpty(b.Username) ? "" : b.Username + "@")}{b.Host}:{b.Port}/{b.Database}";
        return new StoreLocation(StoreKind.Postgres, b.ConnectionString, display);
    }

    /// <summary>postgresql://user:password@host:port/database?key=value (libpq's URL form, which Npgsql does not read itself).</summary>
    private static NpgsqlConnectionStringBuilder FromUrl(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
            throw new FormatException($"'{url}' is not a PostgreSQL URL; write postgresql://user:password@host:5432/database");
        var b = new NpgsqlConnectionStringBuilder { Host = uri.Host, Port = uri.Port > 0 ? uri.Port : 5432 };
        if (uri.AbsolutePath.Trim('/') is { Length: > 0 } db) b.Database = Uri.UnescapeDataString(db);
        if (uri.UserInfo.Split(':', 2) is [var user, ..] && user.Length > 0) b.Username = Uri.UnescapeDataString(user);
        if (uri.UserInfo.Split(':', 2) is [_, var password]) b.Password = Uri.UnescapeDataString(password);
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
            if (pair.Split('=', 2) is [var k, var v])
                b[Uri.UnescapeDataString(k)] = Uri.UnescapeDataString(v);
        return b;
    }
}
