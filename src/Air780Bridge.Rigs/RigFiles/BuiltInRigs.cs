namespace Air780Bridge.Rigs.RigFiles;

/// <summary>Rigs compiled into the binary (rigs/twin.json): `air780 run twin` needs no checkout and no file.</summary>
public static class BuiltInRigs
{
    private const string Prefix = "rigs/";

    public static IReadOnlyList<string> Names { get; } = typeof(BuiltInRigs).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)).Select(n => Path.GetFileNameWithoutExtension(n[Prefix.Length..])).Order().ToList();

    /// <summary>The rig's JSON for a built-in name ("twin"); null for any other text.</summary>
    public static string? Find(string name)
    {
        if (!Names.Contains(name))
            return null;
        using var stream = typeof(BuiltInRigs).Assembly.GetManifestResourceStream($"{Prefix}{name}.json")!;
        return new StreamReader(stream).ReadToEnd();
    }

    /// <summary>How errors and reports name a built-in rig.</summary>
    public static string SourceOf(string name) => $"{name} (built-in rig)";
}
