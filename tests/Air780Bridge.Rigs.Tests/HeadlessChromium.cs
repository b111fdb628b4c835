using Air780Bridge.Tests;
using System.Diagnostics;

namespace Air780Bridge.Rigs.Tests;

/// <summary>Renders an HTML file to a PNG with Debian's chromium, as a person opening the report would see it.</summary>
internal static class HeadlessChromium
{
    public static void Screenshot(string html, string png, int width = 1400, int height = 2400)
    {
        Assert.True(File.Exists(ChromiumFactAttribute.Chromium), $"{ChromiumFactAttribute.Chromium} is not installed; CI=true needs it (apt-get install -y chromium, as .ci/run does)");
        using var temp = new TempDirectory("rigs-chromium-");
        var profile = temp.Path;
        var start = new ProcessStartInfo(ChromiumFactAttribute.Chromium)
        {
            RedirectStandardError = true, RedirectStandardOutput = true,
            ArgumentList =
            {
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", $"--user-data-dir={profile}", $"--screenshot={png}",
                $"--window-size={width},{height}", new Uri(html).AbsoluteUri,
            },
        };
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(90)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("chromium did not finish the screenshot within 90 s");
        }
        Assert.True(File.Exists(png), $"no screenshot; chromium said: {stderr.Result}");
        Assert.True(new FileInfo(png).Length > 50_000, $"screenshot is only {new FileInfo(png).Length} bytes");
        // For looking at the design: RIGS_REPORT_KEEP=<dir> keeps the page and its screenshot.
        if (Environment.GetEnvironmentVariable("RIGS_REPORT_KEEP") is { Length: > 0 } keep)
        {
            Directory.CreateDirectory(keep);
            File.Copy(html, Path.Combine(keep, Path.GetFileName(html)), overwrite: true);
            File.Copy(png, Path.Combine(keep, Path.GetFileName(png)), overwrite: true);
        }
    }
}
