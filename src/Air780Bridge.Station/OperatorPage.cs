using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Air780Bridge.Results;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Http = Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Air780Bridge.Station;

/// <summary>
/// The station's operator page: every slot live, the last result in large PASS/FAIL with the IMEI, Start and
/// Stop, links to the report and the module's history. Bound to loopback unless told otherwise.
/// </summary>
public sealed class OperatorPage : IAsyncDisposable
{
    public const int DefaultPort = 8780;
    /// <summary>Start/Stop must carry this header: a form on another web site cannot set it, so it cannot stop the line.</summary>
    public const string CommandHeader = "X-Air780-Command";

    private readonly WebApplication _app;

    private OperatorPage(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    public static async Task<OperatorPage> StartAsync(StationRunner station, IPAddress bind, int port, CancellationToken ct = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(bind, port));
        var app = builder.Build();
        var store = station.Options.Store;

        app.MapGet("/", () => Html(OperatorHtml.Page(station)));
        app.MapGet("/slots", () => Html(OperatorHtml.Slots(station)));
        app.MapGet("/api/state", () => Http.Results.Json(new StationState(station.Options.Station, station.Rig, station.IsRunning, station.Slots), StationJson.Default.StationState));
        app.MapPost("/api/start", (HttpRequest r) => Command(r, station.Start));
        app.MapPost("/api/stop", (HttpRequest r) => Command(r, station.Stop));
        app.MapGet("/reports/{**path}", (string path) =>
        {
            var root = Path.GetFullPath(station.Options.OutputRoot);
            var file = Path.GetFullPath(Path.Combine(root, path));
            return file.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal) && File.Exists(file)
                ? Http.Results.File(file, file.EndsWith(".html", StringComparison.Ordinal) ? "text/html; charset=utf-8" : null)
                : Http.Results.NotFound();
        });
        app.MapGet("/history/{imei}", async (string imei, CancellationToken c) => Html(OperatorHtml.History(imei, await HistoryAsync(store, imei, c))));
        app.MapGet("/api/history/{imei}", async (string imei, CancellationToken c) => Http.Results.Json(await HistoryAsync(store, imei, c), StationJson.Default.IReadOnlyListHistoryEntry));

        await app.StartAsync(ct);
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new OperatorPage(app, new Uri(bound.Replace("[::]", "localhost").TrimEnd('/') + "/"));
    }

    private static async Task<IReadOnlyList<HistoryEntry>> HistoryAsync(StoreLocation location, string imei, CancellationToken ct)
    {
        await using var store = await ResultStore.OpenAsync(location, ct);
        return await store.HistoryAsync(new HistoryQuery(Imei: imei), ct);
    }

    private static IResult Command(HttpRequest request, Action action)
    {
        if (!request.Headers.ContainsKey(CommandHeader))
            return Http.Results.BadRequest($"send the {CommandHeader} header (the page's buttons do)");
        action();
        return Http.Results.NoContent();
    }

    private static IResult Html(string html) => Http.Results.Content(html, "text/html; charset=utf-8");

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>/api/state: what a line dashboard polls.</summary>
internal sealed record StationState(string Station, string Rig, bool Running, IReadOnlyList<SlotView> Slots);

/// <summary>The page's JSON, source-generated (Native AOT); ASP.NET Core's defaults (camelCase).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(StationState))]
[JsonSerializable(typeof(IReadOnlyList<HistoryEntry>))]
internal sealed partial class StationJson : JsonSerializerContext;
