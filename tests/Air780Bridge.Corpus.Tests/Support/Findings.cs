using Air780Bridge.Harness.Checks;
namespace Air780Bridge.Corpus.Tests.Support;

/// <summary>A false verdict the corpus found: a Fail on a compliant client, or a Pass on a violation. It is a defect
/// of the check, written up in README.md and /work/notes/corpus-findings.md.</summary>
public sealed record FalseVerdict(string CheckId, string Finding);

/// <summary>The false verdicts found so far. The test that finds one expects it until the check is fixed; a fixed
/// check then fails that test until its entry here is removed, so this list is always the current truth.</summary>
public static class Findings
{
    /// <summary>F1: the will check takes the will topic from any CONNECT and, with --client-id, blames another
    /// client's will delivery (after an abrupt loss) on the judged client's clean DISCONNECT.</summary>
    public static readonly FalseVerdict WillBlamedOnCleanDisconnect = new(CheckIds.WillOnAbruptLossOnly,
        "F1: another client's will delivery is blamed on this client's clean DISCONNECT");

    /// <summary>F4: keepalive.limit measures only gaps between two client packets, so a client silent until the
    /// broker closes it is never judged (issue 9 lists it; the corpus reproduces it with a raw client).</summary>
    public static readonly FalseVerdict SilenceUntilCloseNotMeasured = new(CheckIds.KeepaliveLimit,
        "F4: the silence up to the broker's close is not measured, so a silent client passes");

    /// <summary>F3: the LuatOS 3/4-keepalive ping timer is judged without a firmware profile, so a plain MQTT 3.1.1
    /// client that pings at its keepalive fails it.</summary>
    public static readonly FalseVerdict LuatosPingPeriodWithoutProfile = new(CheckIds.KeepalivePingPeriod,
        "F3: the LuatOS 3/4-keepalive ping period is applied without a firmware profile");

    /// <summary>F5: reconnect.no-resend (LuatOS keeps no session) is judged without a firmware profile, so a client
    /// that re-sends an unacknowledged QoS 1 PUBLISH with DUP, as [MQTT-4.4.0-1] requires, fails it.</summary>
    public static readonly FalseVerdict ResendJudgedByLuatosRule = new(CheckIds.ReconnectNoResend,
        "F5: the LuatOS no-resend rule is applied without a firmware profile and fails the re-send [MQTT-4.4.0-1] requires");
}
