namespace Air780Bridge.Rigs.RigFiles;

/// <summary>One problem in a rig file. <see cref="Line"/> is 1-based; 0 when the file could not be read.</summary>
public sealed record RigFileError(string File, int Line, string Message)
{
    public override string ToString() => Line > 0 ? $"{File}:{Line}: {Message}" : $"{File}: {Message}";
}

/// <summary>A rig file that cannot be used; <see cref="Exception.Message"/> lists every error, one per line.</summary>
public sealed class RigFileException(IReadOnlyList<RigFileError> errors)
    : Exception(string.Join(Environment.NewLine, errors))
{
    public IReadOnlyList<RigFileError> Errors { get; } = errors;
}
