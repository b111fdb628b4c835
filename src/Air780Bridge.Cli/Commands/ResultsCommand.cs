using System.CommandLine;
using Air780Bridge.Results;

namespace Air780Bridge.Cli.Commands;

/// <summary>`air780 results import DIR...`: replays runs into the store (a run whose store was down, or runs from another PC).</summary>
internal static class ResultsCommand
{
    public static Command Create()
    {
        var dirs = new Argument<string[]>("dir") { Description = "run folders (holding results.json) or results.json files", Arity = ArgumentArity.OneOrMore };
        var store = ResultsOptions.Store();
        var import = new Command("import", "Store the runs in these folders (their results.json); a run already stored is not stored twice") { dirs, store };
        import.SetAction((result, ct) => ExitCodes.Guard(async () =>
        {
            var location = ResultsOptions.Resolve(result.GetValue(store));
            await using var results = await OpenAsync(location, ct);
            foreach (var dir in result.GetValue(dirs)!)
            {
                var saved = await ResultRecorder.ImportAsync(results, dir, ct);
                Console.WriteLine(saved.AlreadyStored ? $"{dir}: already stored as run {saved.Id}" : $"{dir}: stored as run {saved.Id} in {location.Display}");
            }
            return ExitCodes.Ok;
        }));
        return new Command("results", "The results store: every run of every station") { import };
    }

    /// <summary>Opens the store, turning a store that cannot be reached into a usage error that names it.</summary>
    public static async Task<IResultStore> OpenAsync(StoreLocation location, CancellationToken ct)
    {
        try
        {
            return await ResultStore.OpenAsync(location, ct);
        }
        catch (ResultStoreException e)
        {
            throw new InvalidOperationException(e.Message + "; check --results or the Results:Database setting", e);
        }
    }
}
