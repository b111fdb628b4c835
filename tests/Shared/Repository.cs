namespace Air780Bridge.Tests;

/// <summary>The checkout the tests run in, found by walking up from the test binaries to Air780Bridge.sln.</summary>
internal static class Repository
{
    public static string Root { get; } = Find();

    public static string File(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (System.IO.File.Exists(Path.Combine(dir.FullName, "Air780Bridge.sln")))
                return dir.FullName;
        throw new InvalidOperationException($"Air780Bridge.sln not found above {AppContext.BaseDirectory}; run the tests from inside the repository.");
    }
}
