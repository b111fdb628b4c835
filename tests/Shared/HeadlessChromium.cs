using System.Diagnostics;

namespace Air780Bridge.Tests;

/// <summary>Debian's chromium, headless, as a person opening a page would see it: screenshots and the DOM after scripts ran.</summary>
internal static class HeadlessChromium
{
    public const string Executable = "/usr/bin/chromium";

    public static void Screenshot(string htmlOrUrl, string png, int width = 1400, int height = 2400, int minBytes = 50_000)
    {
        var stderr = Run([$"--screenshot={png}", $"--window-size={width},{height}", AsUrl(htmlOrUrl)], out _);
        Assert.True(File.Exists(png), $"no screenshot; chromium said: {stderr}");
        Assert.True(new FileInfo(png).Length > minBytes, $"screenshot is only {new FileInfo(png).Length} bytes");
        // For looking at the design: RIGS_REPORT_KEEP=<dir> keeps the page and its screenshot.
        if (Environment.GetEnvironmentVariable("RIGS_REPORT_KEEP") is { Length: > 0 } keep)
        {
            Directory.CreateDirectory(keep);
            if (File.Exists(htmlOrUrl))
                File.Copy(htmlOrUrl, Path.Combine(keep, Path.GetFileName(htmlOrUrl)), overwrite: true);
            File.Copy(png, Path.Combine(keep, Path.GetFileName(png)), overwrite: true);
        }
    }

    /// <summary>The page's DOM once its scripts have run for <paramref name="scriptMs"/> of virtual time.</summary>
    public static string DumpDom(string url, int scriptMs = 3000)
    {
        var stderr = Run(["--dump-dom", $"--virtual-time-budget={scriptMs}", url], out var dom);
        Assert.True(dom.Length > 0, $"chromium printed no DOM; it said: {stderr}");
        return dom;
    }

    private static string AsUrl(string htmlOrUrl) => Uri.TryCreate(htmlOrUrl, UriKind.Absolute, out var u) && u.Scheme is "http" or "https" ? htmlOrUrl : new Uri(htmlOrUrl).AbsoluteUri;

    private static string Run(IEnumerable<string> args, out string stdout)
    {
        using var temp = new TempDirectory("chromium-");
        var start = new ProcessStartInfo(Executable) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[]
                 {
                     "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", $"--user-data-dir={temp.Path}",
                 }.Concat(args))
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(90)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("chromium did not finish within 90 s");
        }
        stdout = output.Result;
        return stderr.Result;
    }
}
