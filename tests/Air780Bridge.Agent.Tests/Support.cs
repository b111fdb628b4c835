using System.Diagnostics;
using System.Text;
using KeraLua;

namespace Air780Bridge.Agent.Tests;

/// <summary>Locations of the agent scripts and shared vectors, found from the test binary upwards.</summary>
internal static class Paths
{
    public static string Root => Air780Bridge.Tests.Repository.Root;
    public static string Firmware => Path.Combine(Root, "firmware-scripts");
    public static string Vectors => Path.Combine(Root, "tests", "vectors", "frames.json");
    public static string TestLua => Path.Combine(Root, "tests", "Air780Bridge.Agent.Tests", "lua");
    public const string Lua53 = "/usr/bin/lua5.3";
    public const string Luac53 = "/usr/bin/luac5.3";
}

/// <summary>Standard reflected CRC-32 (zlib), as the agent's crypto.crc32 shim returns it.</summary>
internal static class Crc32
{
    public static uint Compute(ReadOnlySpan<byte> data) => System.IO.Hashing.Crc32.HashToUInt32(data);
}

/// <summary>Skips a fact when an external tool is not installed (CI installs it).</summary>
public sealed class FactIfFileAttribute : FactAttribute
{
    public FactIfFileAttribute(string path)
    {
        if (!File.Exists(path)) Skip = $"{path} is not installed (apt-get install -y lua5.3)";
    }
}

/// <summary>A Lua 5.4 state (KeraLua) with the agent scripts on package.path and a LuatOS-like crypto.crc32.</summary>
internal sealed class LuaHost : IDisposable
{
    private readonly Lua _lua = new();

    // Static so the delegate outlives every state that holds a pointer to it.
    private static readonly LuaFunction Crc32Function = Crc32Lua;

    public LuaHost()
    {
        _lua.OpenLibs();
        _lua.NewTable();
        _lua.PushCFunction(Crc32Function);
        _lua.SetField(-2, "crc32");
        _lua.SetGlobal("crypto");
        Run($"package.path = {Literal(Paths.Firmware + "/?.lua;")} .. package.path");
    }

    // Returns a signed 32-bit value, as LuatOS does on its 32-bit VM, so the agent's masking is exercised.
    private static int Crc32Lua(IntPtr state)
    {
        var lua = Lua.FromIntPtr(state);
        lua.PushInteger(unchecked((int)Crc32.Compute(lua.ToBuffer(1))));
        return 1;
    }

    public void Run(string code)
    {
        _lua.SetTop(0);
        if (_lua.DoString(code)) throw new InvalidOperationException("Lua error: " + _lua.ToString(-1));
        _lua.SetTop(0);
    }

    private void Eval(string expression)
    {
        _lua.SetTop(0);
        if (_lua.DoString("return " + expression)) throw new InvalidOperationException("Lua error: " + _lua.ToString(-1));
    }

    public string Str(string expression)
    {
        Eval(expression);
        return Encoding.Latin1.GetString(_lua.ToBuffer(1) ?? throw new InvalidOperationException($"{expression} is not a string"));
    }

    public long Int(string expression)
    {
        Eval(expression);
        Assert.True(_lua.IsInteger(1), $"{expression} is not an integer");
        return _lua.ToInteger(1);
    }

    public bool Bool(string expression)
    {
        Eval(expression);
        return _lua.ToBoolean(1);
    }

    /// <summary>A Lua string literal holding exactly the given text (UTF-8).</summary>
    public static string Literal(string text)
    {
        var sb = new StringBuilder("\"");
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            if (char.IsAsciiLetterOrDigit((char)b) || b is (byte)' ' or (byte)'/' or (byte)'.' or (byte)'_' or (byte)'-' or (byte)'?' or (byte)';')
                sb.Append((char)b);
            else
                sb.Append('\\').Append(b.ToString("D3"));
        }
        return sb.Append('"').ToString();
    }

    public void Dispose() => _lua.Dispose();
}

/// <summary>Runs an external program and returns its exit code and output.</summary>
internal static class Tool
{
    public static (int Code, string Output) Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(60_000), $"{file} did not finish within 60 s");
        return (p.ExitCode, stdout.Result + stderr.Result);
    }
}
