using System.Diagnostics.CodeAnalysis;
using Air780Bridge.Client.Link;
using Microsoft.Extensions.Configuration;
using Serilog;
using Serilog.Events;
using Serilog.Settings.Configuration;

namespace Air780Bridge.Cli;

/// <summary>the built-in appsettings.json, one next to the binary, --config FILE plus AIR780_* environment variables; logs go to stderr so stdout stays parseable.</summary>
internal static class Settings
{
    public static IConfiguration Load(string? path)
    {
        var builder = new ConfigurationBuilder()
            .AddJsonStream(typeof(Settings).Assembly.GetManifestResourceStream("appsettings.json")!)
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true);
        if (path is not null)
        {
            if (!File.Exists(path))
                throw new FileNotFoundException($"config file {path} does not exist; omit --config to use the defaults");
            builder.AddJsonFile(Path.GetFullPath(path), optional: false);
        }
        return builder.AddEnvironmentVariables("AIR780_").Build();
    }

    // Serilog finds "WriteTo": [{"Name": "Console"}] by reflecting over these types' methods: keep them in a trimmed (Native AOT) build.
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicMethods, typeof(ConsoleLoggerConfigurationExtensions))]
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicMethods, typeof(FileLoggerConfigurationExtensions))]
    public static void ConfigureLogging(IConfiguration config, LogEventLevel? level)
    {
        // Sinks named explicitly: a single-file build has no assembly list for Serilog to scan.
        var sinks = new ConfigurationReaderOptions(typeof(ConsoleLoggerConfigurationExtensions).Assembly, typeof(FileLoggerConfigurationExtensions).Assembly);
        var logger = new LoggerConfiguration().ReadFrom.Configuration(config, sinks);
        if (level is { } l)
            logger.MinimumLevel.Is(l);
        Log.Logger = logger.CreateLogger();
    }

    public static LinkOptions Link(IConfiguration config)
    {
        var section = config.GetSection("Air780");
        TimeSpan Seconds(string key, double fallback) => TimeSpan.FromSeconds(section.GetValue(key, fallback));
        return new LinkOptions
        {
            RequestTimeout = Seconds("RequestTimeoutSeconds", 5),
            CreditTimeout = Seconds("CreditTimeoutSeconds", 1),
            PingInterval = Seconds("PingIntervalSeconds", 5),
            ReconnectFor = Seconds("ReconnectForSeconds", 120),
        };
    }
}
