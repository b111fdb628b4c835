using System.CommandLine;
using Air780Bridge.Twin;

namespace Air780Bridge.Cli.Commands;

/// <summary>`--agent DIR`: twins run a working copy of the agent instead of the one built into air780.</summary>
internal static class AgentOption
{
    public static Option<string?> Create() => new("--agent")
    {
        Description = "run the twins on the agent scripts in this folder (a working copy; `air780 agent export DIR` writes one) instead of the built-in agent",
    };

    /// <summary>The chosen agent; a bad folder is an <see cref="ArgumentException"/> (exit 2) naming what is missing.</summary>
    public static AgentScripts Resolve(ParseResult result, Option<string?> option) =>
        result.GetValue(option) is { } dir ? AgentScripts.FromDirectory(dir) : AgentScripts.Embedded;
}
