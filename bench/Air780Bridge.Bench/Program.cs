using Air780Bridge.Bench;

// Benchmarks measure speed and efficiency targets; unit tests never time anything.
// As `air780 broker` does, before any socket exists; set the variable to 0 to measure the thread-pool path.
Air780Bridge.Harness.Tap.InlineSocketCompletions.Enable();
var which = args.FirstOrDefault() ?? "codec";
try
{
    var options = new BenchArgs(args.Skip(1));
    return which switch
    {
        "codec" => CodecBench.Run(TimeSpan.FromSeconds(2)),
        "scale" => await ScaleBench.RunAsync(options),
        "link" => await LinkBench.RunAsync(options),
        "reliability" when OperatingSystem.IsLinux() => await ReliabilityBench.RunAsync(options),
        "startup" => await StartupBench.RunAsync(options),
        "tap" => await TapBench.RunAsync(options),
        "suite" => await SuiteBench.RunAsync(options),
        "serial" when OperatingSystem.IsLinux() => await SerialBench.RunAsync(options),
        "soak" => await MemoryBench.SoakAsync(options),
        "attack" => await MemoryBench.AttackAsync(options),
        _ => Usage(),
    };
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return Usage();
}

static int Usage()
{
    Console.Error.WriteLine("""
        usage: dotnet run -c Release --project bench/Air780Bridge.Bench -- <benchmark> [options]
          codec                          frame/CBOR wire efficiency and host decode speed
          scale [--modules 100] [--seconds 60] [--keepalive 15] [--tolerance-ms 750] [--link pty|tcp] [--json artifacts/bench/scale.json]
          reliability [--frames 1000000] [--connects 100] [--cycles 100] [--abuse-requests 20000] [--json artifacts/bench/reliability.json]   (Linux)
          startup [--exe artifacts/publish/RID/air780] [--dll src/Air780Bridge.Cli/bin/Release/net10.0/air780.dll] [--runs 20] [--target-ms 150]
          suite [--rig rigs/twin.json] [--target-ratio 1.2] [--target-s 30] [--sequential yes|no]
          tap   [--brokers mqttnet,mosquitto] [--seconds 3] [--rounds 3] [--inflight 64] [--samples 4000] [--payload 64]
          soak  [--rate 1000] [--seconds 120] [--bound-mib 32] [--sample 10]   (the full soak: --seconds 3600)
          attack [--connections 16] [--mib 16] [--bound-mib 2]
          serial [--rounds 5] [--samples 400] [--ports 16] [--idle-seconds 10] [--json artifacts/bench/serial.json]   (Linux)
          link  [--baud 115200,921600] [--seconds 10] [--payload 1024] [--inflight 8] [--link pty|tcp] [--protocols 2,1] [--json artifacts/bench/link.json]
        """);
    return 2;
}
