using Air780Bridge.Client.Transport;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;

namespace Air780Bridge.Rigs.RigFiles;

/// <summary>
/// Rig file validation in three passes: (1) a reader walk that checks the JSON against the model's own
/// serializer contract (unknown or duplicate properties, wrong value kinds) and records the line of every
/// value, (2) deserialization, (3) semantic checks that name a line from (1). System.Text.Json reports only
/// the first problem and its line; the walk lets a user fix every problem of a file in one go.
/// </summary>
internal static partial class RigFileLoader
{
    private static readonly JsonSerializerOptions Json = RigFileJson.Default.Options;

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    private static partial Regex NamePattern();

    public static RigFile Parse(string json, string source, RigLoadOptions options)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var lines = new LineIndex(bytes);
        var errors = new List<RigFileError>();
        void Error(int line, string message) => errors.Add(new RigFileError(source, line, message));

        try
        {
            var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            if (!reader.Read())
                throw new RigFileException([new RigFileError(source, 1, "the file is empty; a rig file is a JSON object, see rigs/twin.json")]);
            new ShapeWalker(lines, Error).Walk(ref reader, Json.GetTypeInfo(typeof(RigFile)), "", allowNull: false);
            if (reader.Read())
                Error(lines.LineAt(reader.TokenStartIndex), "text after the end of the rig object; a rig file holds exactly one JSON object");
        }
        catch (JsonException e)
        {
            throw new RigFileException([new RigFileError(source, (int)(e.LineNumber ?? 0) + 1, $"not valid JSON: {TrimJsonMessage(e.Message)} (usually a missing ',' at the end of the previous line, or one '}}' or ']' too many)")]);
        }
        if (errors.Count > 0) throw Sorted(errors);

        RigFile rig;
        try
        {
            rig = JsonSerializer.Deserialize(bytes, RigFileJson.Default.RigFile)!;
        }
        catch (JsonException e)
        {
            // The walk catches what it can name better; this is the remainder (e.g. a number too large for int).
            throw new RigFileException([new RigFileError(source, (int)(e.LineNumber ?? 0) + 1, $"{e.Path}: {TrimJsonMessage(e.Message)}")]);
        }

        rig = rig with { SourcePath = source, Name = rig.Name ?? Path.GetFileNameWithoutExtension(source) };
        new SemanticChecks(rig, options, lines, Error).Run();
        if (errors.Count > 0) throw Sorted(errors);
        return rig;
    }

    private static RigFileException Sorted(List<RigFileError> errors) => new([.. errors.OrderBy(e => e.Line)]);

    // JsonException messages end with " Path: $ | LineNumber: 3 | BytePositionInLine: 7." which the file:line prefix already says.
    private static string TrimJsonMessage(string message)
    {
        var cut = message.IndexOf(" Path: ", StringComparison.Ordinal);
        if (cut < 0) cut = message.IndexOf(" LineNumber: ", StringComparison.Ordinal);
        return (cut < 0 ? message : message[..cut]).TrimEnd('.', ' ');
    }

    /// <summary>Maps byte offsets and value paths ("modules[1].connection") to 1-based lines.</summary>
    internal sealed class LineIndex(byte[] utf8)
    {
        private readonly int[] _lineStarts = [0, .. utf8.Select((b, i) => (b, i)).Where(x => x.b == (byte)'\n').Select(x => x.i + 1)];
        private readonly Dictionary<string, int> _paths = new(StringComparer.Ordinal);

        public int LineAt(long offset)
        {
            var i = Array.BinarySearch(_lineStarts, (int)offset);
            return (i >= 0 ? i : ~i - 1) + 1;
        }

        public void Record(string path, int line) => _paths[path] = line;

        /// <summary>The line of the value at <paramref name="path"/>, or of its closest ancestor present in the file.</summary>
        public int Of(string path)
        {
            while (true)
            {
                if (_paths.TryGetValue(path, out var line)) return line;
                if (path.Length == 0) return 1;
                var cut = Math.Max(path.LastIndexOf('.'), path.LastIndexOf('['));
                path = cut < 0 ? "" : path[..cut];
            }
        }
    }

    private sealed class ShapeWalker(LineIndex lines, Action<int, string> error)
    {
        public void Walk(ref Utf8JsonReader r, JsonTypeInfo type, string path, bool allowNull)
        {
            var line = lines.LineAt(r.TokenStartIndex);
            lines.Record(path, line);
            var where = path.Length == 0 ? "the rig file" : $"\"{path}\"";
            if (r.TokenType == JsonTokenType.Null)
            {
                if (!allowNull) error(line, $"{where} is null; give it a value or remove the line to use the default");
                return;
            }
            switch (type.Kind)
            {
                case JsonTypeInfoKind.Object when r.TokenType != JsonTokenType.StartObject:
                    error(line, $"{where} must be an object {{ ... }}, not {Describe(r.TokenType)}");
                    r.Skip();
                    return;
                case JsonTypeInfoKind.Object:
                    WalkObject(ref r, type, path);
                    return;
                case JsonTypeInfoKind.Enumerable when r.TokenType != JsonTokenType.StartArray:
                    error(line, $"{where} must be a list [ ... ], not {Describe(r.TokenType)}");
                    r.Skip();
                    return;
                case JsonTypeInfoKind.Enumerable:
                    var element = Json.GetTypeInfo(type.ElementType!);
                    for (var i = 0; r.Read() && r.TokenType != JsonTokenType.EndArray; i++)
                        Walk(ref r, element, $"{path}[{i}]", allowNull: false);
                    return;
                default:
                    var leaf = Nullable.GetUnderlyingType(type.Type) ?? type.Type;
                    var expected = Leaf(leaf);
                    if (expected is not null && !Fits(expected, r.TokenType))
                        error(line, $"{where} must be {expected}, not {Describe(r.TokenType)}");
                    else if (leaf == typeof(int) && !r.TryGetInt32(out _))
                        error(line, $"{where} must be a whole number up to {int.MaxValue}, not {Encoding.UTF8.GetString(r.ValueSpan)}");
                    r.Skip();
                    return;
            }
        }

        private void WalkObject(ref Utf8JsonReader r, JsonTypeInfo type, string path)
        {
            var seen = new Dictionary<string, int>(StringComparer.Ordinal);
            while (r.Read() && r.TokenType != JsonTokenType.EndObject)
            {
                var name = r.GetString()!;
                var line = lines.LineAt(r.TokenStartIndex);
                r.Read();
                if (seen.TryGetValue(name, out var first))
                    error(line, $"property \"{name}\" appears twice in {Owner(path)} (first on line {first}); keep one");
                seen.TryAdd(name, line);
                var property = type.Properties.FirstOrDefault(p => p.Name == name && p.Set is not null);
                if (property is null)
                {
                    error(line, UnknownProperty(name, type, path));
                    r.Skip();
                    continue;
                }
                Walk(ref r, Json.GetTypeInfo(property.PropertyType), path.Length == 0 ? name : $"{path}.{name}", property.IsSetNullable);
            }
        }

        private static string Owner(string path) => path.Length == 0 ? "the rig" : $"\"{path}\"";

        private static string UnknownProperty(string name, JsonTypeInfo type, string path)
        {
            var known = type.Properties.Where(p => p.Set is not null).Select(p => p.Name).ToList();
            var guess = known.FirstOrDefault(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase))
                        ?? known.Select(k => (k, d: Distance(k, name))).Where(x => x.d <= 2).OrderBy(x => x.d).Select(x => x.k).FirstOrDefault();
            var fix = guess is not null ? $"did you mean \"{guess}\"?" : $"known properties: {string.Join(", ", known)}";
            return $"unknown property \"{name}\" in {Owner(path)}; {fix}";
        }

        private static string? Leaf(Type t) =>
            t == typeof(string) ? "a string" :
            t == typeof(bool) ? "true or false" :
            t == typeof(int) || t == typeof(long) || t == typeof(double) ? "a number" : null;

        private static bool Fits(string expected, JsonTokenType token) => expected switch
        {
            "a string" => token == JsonTokenType.String,
            "true or false" => token is JsonTokenType.True or JsonTokenType.False,
            _ => token == JsonTokenType.Number,
        };

        private static string Describe(JsonTokenType token) => token switch
        {
            JsonTokenType.StartObject => "an object",
            JsonTokenType.StartArray => "a list",
            JsonTokenType.String => "a string",
            JsonTokenType.Number => "a number",
            JsonTokenType.True or JsonTokenType.False => "a boolean",
            _ => "null",
        };

        // Levenshtein distance, for "did you mean" on typos; names are short so the O(n*m) table is fine.
        private static int Distance(string a, string b)
        {
            var d = new int[a.Length + 1, b.Length + 1];
            for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
            for (var j = 0; j <= b.Length; j++) d[0, j] = j;
            for (var i = 1; i <= a.Length; i++)
                for (var j = 1; j <= b.Length; j++)
                    d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1),
                        d[i - 1, j - 1] + (char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 1]) ? 0 : 1));
            return d[a.Length, b.Length];
        }

        internal static string? Suggest(string value, IEnumerable<string> known) =>
            known.Select(k => (k, d: Distance(k, value))).Where(x => x.d <= 3).OrderBy(x => x.d).Select(x => x.k).FirstOrDefault();
    }

    private sealed class SemanticChecks(RigFile rig, RigLoadOptions options, LineIndex lines, Action<int, string> error)
    {
        public void Run()
        {
            if (!NamePattern().IsMatch(rig.Name!))
                error(lines.Of("name"), $"rig name \"{rig.Name}\" may only contain letters, digits, '-', '_' and '.' (it names the output folder)");
            CheckModules();
            CheckBroker();
            CheckSuites(rig.Suites, "suites");
            if (rig.Parallelism < 1)
                error(lines.Of("parallelism"), $"\"parallelism\" is {rig.Parallelism}; it must be at least 1 (1 runs one module at a time)");
            if (rig.ScenarioParallelism < 1)
                error(lines.Of("scenarioParallelism"), $"\"scenarioParallelism\" is {rig.ScenarioParallelism}; it must be at least 1 (1 runs one scenario of a module at a time)");
            if (rig.Timeouts.ScenarioSeconds < 1)
                error(lines.Of("timeouts.scenarioSeconds"), $"\"timeouts.scenarioSeconds\" is {rig.Timeouts.ScenarioSeconds}; it must be at least 1");
            if (rig.Timeouts.RunSeconds < rig.Timeouts.ScenarioSeconds)
                error(lines.Of("timeouts.runSeconds"), $"\"timeouts.runSeconds\" ({rig.Timeouts.RunSeconds}) is shorter than \"timeouts.scenarioSeconds\" ({rig.Timeouts.ScenarioSeconds}); raise it so at least one scenario can finish");
            CheckOutput();
        }

        private void CheckModules()
        {
            if (rig.Modules.Count == 0)
            {
                error(lines.Of("modules"), "the rig has no modules; add one, e.g. \"modules\": [ { \"name\": \"m1\", \"connection\": \"twin:\" } ]");
                return;
            }
            var names = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
            var endpoints = new Dictionary<string, (string Module, int Line)>(StringComparer.Ordinal);
            for (var i = 0; i < rig.Modules.Count; i++)
            {
                var m = rig.Modules[i];
                var at = $"modules[{i}]";
                var who = m.Name.Length == 0 ? $"modules[{i}]" : $"module \"{m.Name}\"";
                if (m.Name.Length == 0)
                    error(lines.Of(at), $"{who} has no \"name\"; give each module a unique name such as \"m{i + 1}\"");
                else if (!NamePattern().IsMatch(m.Name))
                    error(lines.Of($"{at}.name"), $"{who}: name may only contain letters, digits, '-', '_' and '.' (it names report sections and JUnit suites)");
                else if (names.TryGetValue(m.Name, out var firstLine))
                    error(lines.Of($"{at}.name"), $"{who}: the name is already used by the module on line {firstLine}; module names must be unique");
                else
                    names[m.Name] = lines.Of($"{at}.name");

                if (m.Connection.Length == 0)
                    error(lines.Of(at), $"{who} has no \"connection\"; use one of {Transports.ExampleList}");
                else if (!LinkAddress.TryParse(m.Connection, out var connection, out var why))
                    error(lines.Of($"{at}.connection"), $"{who}: {why}");
                else if (!connection.IsTwin)
                {
                    var key = connection.Resource;
                    var line = lines.Of($"{at}.connection");
                    if (endpoints.TryGetValue(key, out var other))
                        error(line, $"{who}: connection \"{m.Connection}\" is also used by module \"{other.Module}\" (line {other.Line}); each module needs its own port");
                    else
                        endpoints[key] = (m.Name, line);
                }

                if (m.Imei is { } imei && ImeiProblem(imei) is { } problem)
                    error(lines.Of($"{at}.imei"), $"{who}: imei \"{imei}\" {problem}; copy it from the module label or from `air780 hello`, or remove \"imei\"");

                if (!options.KnownProfiles.Contains(m.Profile, StringComparer.Ordinal))
                {
                    var guess = ShapeWalker.Suggest(m.Profile, options.KnownProfiles);
                    error(lines.Of($"{at}.profile"), $"{who}: unknown firmware profile \"{m.Profile}\"; "
                        + (guess is not null ? $"did you mean \"{guess}\"? " : "") + $"known profiles: {string.Join(", ", options.KnownProfiles)}");
                }

                if (m.Defects is { Count: > 0 } defects)
                {
                    if (!m.Connection.StartsWith("twin:", StringComparison.Ordinal))
                        error(lines.Of($"{at}.defects"), $"{who}: \"defects\" can only be planted in a twin (connection \"twin:\"); remove it for a real module");
                    foreach (var d in defects.Where(d => !TwinDefects.ByName.ContainsKey(d)))
                        error(lines.Of($"{at}.defects"), $"{who}: unknown defect \"{d}\"; known: {string.Join(", ", TwinDefects.ByName.Keys)}");
                }

                if (m.Overrides is { } o)
                {
                    if (o.ScenarioTimeoutSeconds is < 1)
                        error(lines.Of($"{at}.overrides.scenarioTimeoutSeconds"), $"{who}: \"overrides.scenarioTimeoutSeconds\" is {o.ScenarioTimeoutSeconds}; it must be at least 1");
                    if (o.Suites is { } suites) CheckSuites(suites, $"{at}.overrides.suites");
                    if (o.Exclude is { } exclude) CheckPatterns(exclude, $"{at}.overrides.exclude");
                    if (o.BrokerAddress is { } address && !DialableAddress(address, out var bad))
                        error(lines.Of($"{at}.overrides.brokerAddress"), $"{who}: \"overrides.brokerAddress\": {bad}");
                }
            }
        }

        private void CheckBroker()
        {
            var b = rig.Broker;
            if (!b.IsEmbedded)
            {
                if (!HostPort.TryParseMqttUrl(b.Upstream, out _))
                    error(lines.Of("broker.upstream"), $"\"broker.upstream\" is \"{b.Upstream}\"; use \"embedded\" or the external broker as mqtt://host:port (the wire tap speaks plain MQTT to it)");
            }
            if (!HostPort.TryParse(b.Listen, out _, out var why))
                error(lines.Of("broker.listen"), $"\"broker.listen\": {why}");
            if (b.Remote is { } remote)
            {
                if (!HostPort.TryParseMqttUrl(remote, out _, HostPort.MqttsScheme))
                    error(lines.Of("broker.remote"), $"\"broker.remote\" is \"{remote}\"; write the remote harness as mqtts://host:port (its TLS port: the control channel is TLS only)");
                if (b.RemoteCa is { } ca && !File.Exists(ca))
                    error(lines.Of("broker.remoteCa"), $"\"broker.remoteCa\": no file \"{ca}\"; write the remote harness's CA there with `air780 broker --write-ca {ca}`");
                if (!b.IsEmbedded)
                    error(lines.Of("broker.remote"), "\"broker.remote\" and \"broker.upstream\" exclude each other: a remote harness has its own broker; remove one");
                if (b.ControlUser is null)
                    error(lines.Of("broker.remote"), "\"broker.remote\" needs \"controlUser\": the user given to `air780 broker --control-user` on that host");
                else if (b.EffectiveControlPassword is null)
                    error(lines.Of("broker.controlUser"), $"no password for control user \"{b.ControlUser}\"; set {RigBroker.ControlPasswordVariable} in the environment (or \"controlPassword\" in the file)");
            }
            if (b.TlsPort is < 0 or > 65535)
                error(lines.Of("broker.tlsPort"), $"\"broker.tlsPort\" is {b.TlsPort}; use 0 (a free port) or a port 1-65535");
            if (b.Public is { } pub && !DialableAddress(pub, out var bad))
                error(lines.Of("broker.public"), $"\"broker.public\": {bad}");
        }

        private static bool DialableAddress(string text, out string? problem)
        {
            problem = HostPort.TryParse(text, out var hp, out var why) ? hp.Port == 0 ? $"\"{text}\" has port 0, which a module cannot dial; give the real port" : null : why;
            return problem is null;
        }

        private void CheckSuites(IReadOnlyList<RigSuite> suites, string at)
        {
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            for (var i = 0; i < suites.Count; i++)
            {
                var s = suites[i];
                var path = $"{at}[{i}]";
                if (s.Name.Length == 0)
                    error(lines.Of(path), $"\"{path}\" has no \"name\"; name a suite, or \"*\" for every suite");
                else if (!seen.Add(s.Name))
                    error(lines.Of($"{path}.name"), $"suite \"{s.Name}\" is listed twice in \"{at}\"; merge its include/exclude lists into one entry");
                else if (s.Name != "*" && options.KnownSuites is { } known && !known.Contains(s.Name, StringComparer.OrdinalIgnoreCase))
                {
                    var guess = ShapeWalker.Suggest(s.Name, known);
                    error(lines.Of($"{path}.name"), $"unknown suite \"{s.Name}\"; " + (guess is not null ? $"did you mean \"{guess}\"? " : "") + $"known suites: {string.Join(", ", known)}");
                }
                CheckPatterns(s.Include, $"{path}.include");
                CheckPatterns(s.Exclude, $"{path}.exclude");
            }
        }

        private void CheckPatterns(IReadOnlyList<string> patterns, string at)
        {
            for (var i = 0; i < patterns.Count; i++)
                if (string.IsNullOrWhiteSpace(patterns[i]))
                    error(lines.Of($"{at}[{i}]"), $"\"{at}[{i}]\" is an empty pattern; write a scenario id or a pattern such as \"keepalive.*\"");
        }

        private void CheckOutput()
        {
            if (string.IsNullOrWhiteSpace(rig.Output))
            {
                error(lines.Of("output"), $"\"output\" is empty; remove it to use \"{RigFile.DefaultOutput}\" or name a folder");
                return;
            }
            foreach (Match placeholder in Regex.Matches(rig.Output, @"\{[^}]*\}"))
                if (placeholder.Value is not "{rig}" and not "{time}")
                    error(lines.Of("output"), $"\"output\" has unknown placeholder {placeholder.Value}; only {{rig}} and {{time}} are substituted");
        }

        // IMEIs are 15 digits whose last digit is a Luhn check digit (3GPP TS 23.003 §6.2.1).
        private static string? ImeiProblem(string imei)
        {
            if (imei.Length != 15 || !imei.All(char.IsAsciiDigit)) return "is not 15 digits";
            var sum = 0;
            for (var i = 0; i < 14; i++)
            {
                var d = imei[i] - '0';
                if (i % 2 == 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
                sum += d;
            }
            var check = (10 - sum % 10) % 10;
            return check == imei[14] - '0' ? null : $"fails its check digit (expected last digit {check})";
        }
    }
}

/// <summary>The rig file's serializer contract, source-generated (Native-AOT safe); the shape walk reads the same
/// metadata (properties, settable, nullable) that deserialization uses.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow, RespectNullableAnnotations = true)]
[JsonSerializable(typeof(RigFile))]
internal sealed partial class RigFileJson : JsonSerializerContext;
