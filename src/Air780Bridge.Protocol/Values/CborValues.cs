using System.Collections;
using System.Formats.Cbor;
using System.Text;

namespace Air780Bridge.Protocol.Values;

/// <summary>A body that is not the CBOR subset of docs/protocol.md §2.</summary>
public sealed class ProtocolFormatException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Lua values as CBOR (docs/protocol.md §2). Decoded shapes: null, bool, long, double, byte[] (every Lua
/// string: it arrives as a byte string), string (text strings), object?[] (arrays) and
/// Dictionary&lt;object, object?&gt; (maps; byte-string keys become UTF-8 text so "qos" can be looked up as "qos").
/// </summary>
public static class CborValues
{
    public static byte[] Encode(object? value)
    {
        var writer = new CborWriter(CborConformanceMode.Lax, convertIndefiniteLengthEncodings: false, allowMultipleRootLevelValues: false);
        Write(writer, value);
        return writer.Encode();
    }

    /// <summary>Encodes the items as one CBOR array (request and result bodies).</summary>
    public static byte[] EncodeArray(params object?[] items) => Encode(items);

    public static object? Decode(ReadOnlyMemory<byte> body)
    {
        var (value, tail) = DecodePrefix(body);
        return tail.Length == 0 ? value : throw TrailingBytes(tail.Length);
    }

    /// <summary>The error for bytes after a body's CBOR value where its form has no raw tail.</summary>
    public static ProtocolFormatException TrailingBytes(int count) => new($"{count} bytes after the CBOR value");

    /// <summary>Decodes the CBOR value at the start of <paramref name="body"/>; the bytes after it are the raw tail of a compact body (docs/protocol.md §5.4, §6.1).</summary>
    public static (object? Value, ReadOnlyMemory<byte> Tail) DecodePrefix(ReadOnlyMemory<byte> body)
    {
        try
        {
            var reader = new CborReader(body, CborConformanceMode.Lax);
            var value = Read(reader);
            return (value, body[(body.Length - reader.BytesRemaining)..]);
        }
        catch (CborContentException e)
        {
            throw new ProtocolFormatException($"malformed CBOR: {e.Message}", e);
        }
        // Overflow: a negative integer below -2^63 (major type 1 with an argument >= 2^63) has no Lua equivalent.
        catch (Exception e) when (e is InvalidOperationException or OverflowException or ArgumentException)
        {
            throw new ProtocolFormatException($"malformed CBOR: {e.Message}", e);
        }
    }

    /// <summary>Decodes a body that must be an array (RESULT, ERROR).</summary>
    public static object?[] DecodeArray(ReadOnlyMemory<byte> body) =>
        Decode(body) as object?[] ?? throw new ProtocolFormatException("expected a CBOR array body");

    /// <summary>Decodes a body that must start with an array (REQUEST, EVENT), returning the raw tail after it.</summary>
    public static (object?[] Items, ReadOnlyMemory<byte> Tail) DecodeArrayPrefix(ReadOnlyMemory<byte> body) =>
        DecodePrefix(body) is (object?[] items, var tail) ? (items, tail) : throw new ProtocolFormatException("expected a CBOR array body");

    private static void Write(CborWriter writer, object? value)
    {
        switch (value)
        {
            case null: writer.WriteNull(); break;
            case bool b: writer.WriteBoolean(b); break;
            case byte[] bytes: writer.WriteByteString(bytes); break;
            case ReadOnlyMemory<byte> memory: writer.WriteByteString(memory.Span); break;
            case string text: writer.WriteTextString(text); break;
            case sbyte or short or int or long: writer.WriteInt64(Convert.ToInt64(value)); break;
            case byte or ushort or uint: writer.WriteUInt64(Convert.ToUInt64(value)); break;
            case ulong u: writer.WriteUInt64(u); break;
            case float or double: WriteDouble(writer, Convert.ToDouble(value)); break;
            case IDictionary map:
                writer.WriteStartMap(map.Count);
                foreach (DictionaryEntry entry in map)
                {
                    Write(writer, entry.Key);
                    Write(writer, entry.Value);
                }
                writer.WriteEndMap();
                break;
            case IEnumerable sequence:
                var items = sequence.Cast<object?>().ToList();
                writer.WriteStartArray(items.Count);
                foreach (var item in items)
                    Write(writer, item);
                writer.WriteEndArray();
                break;
            default:
                throw new ArgumentException($"{value.GetType().Name} has no Lua equivalent; use null, bool, integers, double, string, byte[], arrays or dictionaries");
        }
    }

    // CborWriter picks the shortest float form; the protocol promises doubles (0xFB), which any agent decodes.
    private static void WriteDouble(CborWriter writer, double value)
    {
        Span<byte> encoded = stackalloc byte[9];
        encoded[0] = 0xFB;
        System.Buffers.Binary.BinaryPrimitives.WriteDoubleBigEndian(encoded[1..], value);
        writer.WriteEncodedValue(encoded);
    }

    // Every element takes at least one byte, so a count beyond the remaining bytes is a lie, not a reason to allocate.
    private static int Count(CborReader reader, int? count) =>
        count is not { } n ? throw new ProtocolFormatException("indefinite lengths are not allowed")
        : n > reader.BytesRemaining ? throw new ProtocolFormatException($"element count {n} exceeds the {reader.BytesRemaining} bytes left")
        : n;

    private static object? Read(CborReader reader)
    {
        switch (reader.PeekState())
        {
            case CborReaderState.Null: reader.ReadNull(); return null;
            case CborReaderState.Boolean: return reader.ReadBoolean();
            case CborReaderState.UnsignedInteger:
                var u = reader.ReadUInt64();
                return u <= long.MaxValue ? (long)u : throw new ProtocolFormatException($"integer {u} exceeds the 64-bit range of a Lua integer");
            case CborReaderState.NegativeInteger: return reader.ReadInt64();
            case CborReaderState.HalfPrecisionFloat:
            case CborReaderState.SinglePrecisionFloat:
            case CborReaderState.DoublePrecisionFloat: return reader.ReadDouble();
            case CborReaderState.ByteString: return reader.ReadByteString();
            case CborReaderState.TextString: return reader.ReadTextString();
            case CborReaderState.StartArray:
                var length = Count(reader, reader.ReadStartArray());
                var array = new object?[length];
                for (var i = 0; i < length; i++)
                    array[i] = Read(reader);
                reader.ReadEndArray();
                return array;
            case CborReaderState.StartMap:
                var count = Count(reader, reader.ReadStartMap());
                var map = new Dictionary<object, object?>(count);
                for (var i = 0; i < count; i++)
                {
                    object key = Read(reader) switch
                    {
                        byte[] bytes => Encoding.UTF8.GetString(bytes),
                        string text => text,
                        long integer => integer,
                        var other => throw new ProtocolFormatException($"map key of type {other?.GetType().Name ?? "null"} is not allowed"),
                    };
                    map[key] = Read(reader);
                }
                reader.ReadEndMap();
                return map;
            case var state:
                throw new ProtocolFormatException($"CBOR item {state} is outside the protocol's subset");
        }
    }
}
