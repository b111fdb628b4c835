using Air780Bridge.Bench;

// Benchmarks measure speed and efficiency targets; unit tests never time anything.
var which = args.FirstOrDefault() ?? "codec";
return which switch
{
    "codec" => CodecBench.Run(TimeSpan.FromSeconds(2)),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: dotnet run --project bench/Air780Bridge.Bench -c Release -- codec");
    return 2;
}
