namespace Air780Bridge.Corpus.Tests.Support;

/// <summary>A Fail the corpus found on a compliant third-party client: a defect of the check, written up in
/// README.md and /work/notes/corpus-findings.md; tests expect it until the check is fixed, then its entry goes.</summary>
public sealed record FalseVerdict(string CheckId, string Finding);
