namespace Air780Bridge.Client;

/// <summary>The port or socket cannot be opened; the message says why and what to do.</summary>
public sealed class LinkUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>No answer from the module in time.</summary>
public sealed class LinkTimeoutException(string message) : TimeoutException(message);

/// <summary>The link went away while a request was in flight.</summary>
public sealed class LinkLostException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The module answered with an ERROR frame: <see cref="Kind"/> per docs/protocol.md §5.3, the text as the module gave it.</summary>
public sealed class ModuleErrorException(string kind, string text) : Exception($"module error ({kind}): {text}")
{
    public string Kind { get; } = kind;
    public string Text { get; } = text;
}

/// <summary>The module rebooted (its boot id changed) while the call was in flight; the call's effect is unknown.</summary>
public sealed class ModuleRebootedException(string oldBootId, string newBootId)
    : Exception($"the module rebooted during the call (boot id {oldBootId} -> {newBootId}); MQTT client handles are gone")
{
    public string NewBootId { get; } = newBootId;
}
