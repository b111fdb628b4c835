namespace Air780Bridge.Corpus.Tests.Support;

/// <summary>The false verdicts the corpus found (README.md "Findings" has the traces). Each is expected by the test
/// that finds it until the check is fixed; a fixed check makes that test fail until its entry here is removed.</summary>
public static class Findings
{
    /// <summary>F1: the will check takes the will topic from any CONNECT and, with --client-id, blames another
    /// client's will delivery (after an abrupt loss) on the judged client's clean DISCONNECT.</summary>
    public static readonly FalseVerdict WillBlamedOnCleanDisconnect = new("will.on-abrupt-loss-only",
        "F1: another client's will delivery is blamed on this client's clean DISCONNECT");
}
