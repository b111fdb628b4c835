using System.Text.Json.Serialization;
using Air780Bridge.Rigs.Results;

namespace Air780Bridge.Station;

[JsonConverter(typeof(JsonStringEnumConverter<SlotState>))]
public enum SlotState
{
    /// <summary>The station is stopped; modules plugged in are not tested.</summary>
    Stopped,
    /// <summary>The port is empty: plug the next module in.</summary>
    WaitingForModule,
    /// <summary>Another process holds the port's lock (<see cref="SlotView.Message"/> says who).</summary>
    PortBusy,
    Testing,
    /// <summary>Tested; the result is shown until the module is taken out.</summary>
    RemoveModule,
}

/// <summary>What the operator sees of one slot; a snapshot, safe to hand to another thread or serialize.</summary>
public sealed record SlotView
{
    public required string Name { get; init; }
    public required string Connection { get; init; }
    public SlotState State { get; init; }
    public string? Message { get; init; }
    public string? CurrentScenario { get; init; }
    public int ScenariosDone { get; init; }
    public int ScenariosTotal { get; init; }
    /// <summary>Modules this slot has tested since the station started.</summary>
    public int Tested { get; init; }
    public SlotResult? Last { get; init; }
}

/// <summary>The last module a slot tested.</summary>
/// <param name="Report">report.html, relative to the station's output folder.</param>
/// <param name="RunId">Its id in the results store; null when storing failed (<paramref name="StoreError"/> says why).</param>
public sealed record SlotResult(
    Verdict Verdict, string? Imei, string? Iccid, string? Firmware, DateTimeOffset Finished, VerdictCounts Counts, string? Error,
    string Report, long? RunId, string? StoreError)
{
    public string Word => Verdict.IsSuccess() ? "PASS" : "FAIL";
}
