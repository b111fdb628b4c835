using System.Text.RegularExpressions;
using Air780Bridge.Tests;

namespace Air780Bridge.Cli.Tests;

/// <summary>
/// No two types in src/ share a name, across projects or within one (parts of one partial type aside): a name
/// found in a stack trace, a log or a review then means one thing. Read from the sources, so every project counts
/// whether or not this test references it.
/// </summary>
public sealed partial class TypeNameTests
{
    [GeneratedRegex(@"^[ \t]*(?<mods>(?:(?:public|internal|private|protected|file|static|sealed|abstract|partial|readonly|ref|unsafe|new)\s+)*)(?:record\s+struct|record\s+class|class|record|struct|interface|enum)\s+(?<name>[A-Za-z_]\w*)", RegexOptions.Multiline)]
    private static partial Regex TypeDeclaration();

    [Fact]
    public void No_two_types_in_src_share_a_name()
    {
        var src = Repository.File("src");
        var declarations =
            from file in Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            let relative = Path.GetRelativePath(src, file).Replace('\\', '/')
            where !relative.Split('/').Any(part => part is "bin" or "obj")
            let text = File.ReadAllText(file)
            from Match m in TypeDeclaration().Matches(text)
            select (Name: m.Groups["name"].Value, Project: relative.Split('/')[0], Partial: m.Groups["mods"].Value.Contains("partial"),
                Where: $"src/{relative}:{text.AsSpan(0, m.Index).Count('\n') + 1}");
        var clashes = declarations
            .GroupBy(d => d.Name)
            // One partial type may be spread over files of its project; anything else twice is a clash.
            .Where(g => g.Select(d => d.Project).Distinct().Count() > 1 || g.Count(d => !d.Partial) + (g.Any(d => d.Partial) ? 1 : 0) > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(d => d.Where))}")
            .ToList();
        Assert.True(clashes.Count == 0, "types sharing a name (rename one so each says what it is):\n" + string.Join("\n", clashes));
        Assert.Contains(declarations, d => d.Name == "VirtualModule"); // the scan reads the sources at all
    }
}
