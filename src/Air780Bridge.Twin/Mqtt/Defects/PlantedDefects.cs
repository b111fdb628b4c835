namespace Air780Bridge.Twin.Mqtt;

/// <summary>The one list of planted defects: each <see cref="TwinDefect"/> and the wrapper that plants it.</summary>
internal static class PlantedDefects
{
    static readonly IReadOnlyDictionary<TwinDefect, Func<IMqttWire, IMqttWire>> Wrappers = new Dictionary<TwinDefect, Func<IMqttWire, IMqttWire>>
    {
        [TwinDefect.SentBeforePuback] = wire => new SentBeforePubackDefect(wire),
        [TwinDefect.SlowPing] = wire => new SlowPingDefect(wire),
        [TwinDefect.TlsHandshakeRace] = wire => new TlsHandshakeRaceDefect(wire),
    };

    /// <summary>The firmware's wire with <paramref name="defects"/> planted around it (in enum order, so the chain is the same every run).</summary>
    public static IMqttWire Plant(IMqttWire wire, IEnumerable<TwinDefect> defects) =>
        defects.Order().Aggregate(wire, (inner, defect) => Wrappers.TryGetValue(defect, out var wrap)
            ? wrap(inner)
            : throw new InvalidOperationException($"twin: defect {defect} has no wrapper; register it in {nameof(PlantedDefects)}"));
}
