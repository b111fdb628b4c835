using System.Security.Cryptography;
using System.Text;

namespace Air780Bridge.Twin;

/// <summary>
/// The LuatOS agent (firmware-scripts/*.lua) a twin runs: by default the copy embedded in this assembly at build
/// time, or a working copy on disk (<c>--agent DIR</c>) for agent development. The Lua VM loads scripts from a
/// directory, so the embedded copy is written once per content hash to a folder under the temp directory.
/// </summary>
public sealed class AgentScripts
{
    private const string ResourcePrefix = "agent/";
    public const string Main = "main.lua";

    private static readonly Lazy<AgentScripts> EmbeddedCopy = new(LoadEmbedded);
    private readonly IReadOnlyDictionary<string, byte[]>? _files;
    private readonly Lazy<string> _directory;

    private AgentScripts(string source, IReadOnlyDictionary<string, byte[]>? files, Func<string> directory)
    {
        Source = source;
        _files = files;
        _directory = new Lazy<string>(directory, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The agent built into this binary.</summary>
    public static AgentScripts Embedded => EmbeddedCopy.Value;

    /// <summary>Where the scripts come from, for messages: "built-in agent" or the folder.</summary>
    public string Source { get; }

    /// <summary>A folder holding main.lua and the modules it requires.</summary>
    public string Directory => _directory.Value;

    /// <summary>A working copy of the agent; throws <see cref="ArgumentException"/> naming what is missing.</summary>
    public static AgentScripts FromDirectory(string path)
    {
        var full = Path.GetFullPath(path);
        if (!System.IO.Directory.Exists(full))
            throw new ArgumentException($"agent folder {path} does not exist; `air780 agent export {path}` writes a copy of the built-in agent there");
        if (!File.Exists(Path.Combine(full, Main)))
            throw new ArgumentException($"agent folder {path} has no {Main}; point --agent at a copy of firmware-scripts (`air780 agent export DIR` writes one)");
        return new AgentScripts(full, null, () => full);
    }

    /// <summary>The file names and contents, for export (embedded copy) or read from the working copy.</summary>
    public IReadOnlyDictionary<string, byte[]> Files => _files
        ?? System.IO.Directory.GetFiles(Directory, "*.lua").ToDictionary(p => Path.GetFileName(p), File.ReadAllBytes);

    /// <summary>Checks that main.lua is still there (a working copy may have been moved); the message says which folder.</summary>
    public string? Problem() => File.Exists(Path.Combine(Directory, Main)) ? null : $"no {Main} in {Directory} ({Source})";

    /// <summary>Writes the agent files into <paramref name="target"/> (created if needed); returns the paths written.</summary>
    public IReadOnlyList<string> Export(string target)
    {
        System.IO.Directory.CreateDirectory(target);
        var written = new List<string>();
        foreach (var (name, bytes) in Files.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            var path = Path.Combine(target, name);
            File.WriteAllBytes(path, bytes);
            written.Add(path);
        }
        return written;
    }

    private static AgentScripts LoadEmbedded()
    {
        var assembly = typeof(AgentScripts).Assembly;
        var files = assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)).ToDictionary(
            n => n[ResourcePrefix.Length..],
            n =>
            {
                using var stream = assembly.GetManifestResourceStream(n)!;
                using var copy = new MemoryStream();
                stream.CopyTo(copy);
                return copy.ToArray();
            });
        if (!files.ContainsKey(Main))
            throw new InvalidOperationException($"this build has no embedded {Main}; it was built without firmware-scripts");
        return new AgentScripts("built-in agent", files, () => Extract(files));
    }

    /// <summary>Writes the files to temp/air780-agent-HASH once; concurrent processes write to temporary names and move them in.</summary>
    private static string Extract(IReadOnlyDictionary<string, byte[]> files)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (name, bytes) in files.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            sha.AppendData(Encoding.UTF8.GetBytes(name));
            sha.AppendData(bytes);
        }
        var dir = Path.Combine(Path.GetTempPath(), "air780-agent-" + Convert.ToHexString(sha.GetHashAndReset())[..16].ToLowerInvariant());
        System.IO.Directory.CreateDirectory(dir);
        foreach (var (name, bytes) in files)
        {
            var path = Path.Combine(dir, name);
            if (File.Exists(path) && File.ReadAllBytes(path).AsSpan().SequenceEqual(bytes))
                continue;
            var temp = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
            File.WriteAllBytes(temp, bytes);
            File.Move(temp, path, overwrite: true);
        }
        return dir;
    }
}
