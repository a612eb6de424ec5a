using System.Buffers.Binary;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PrecisionAnalyzers.Runtime.Tests.Fuzzing;

/// <summary>
/// JSON-aware mutations of a JSON document (or of a safetensors header, whose length prefix is rewritten to match): a
/// duplicated key, a value of another type, a huge or odd number, a removed member, deep nesting, invalid UTF-8 in a
/// string, a very long string, a repeated array element, a subtree moved elsewhere. What a JSON tree cannot hold (a
/// duplicate key, raw invalid bytes, nesting beyond the writer's depth) is written as a marker and replaced in the bytes.
/// </summary>
internal static class JsonMutator
{
    private const string DuplicateMarker = "\u0001dup";
    private const string InvalidUtf8Marker = "\u0001bad";
    private const string DeepMarker = "\u0001deep";

    private static readonly JsonSerializerOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly string[] OddNumbers =
        ["1e308", "-1e308", "1e400", "-1", "0", "-0", "0.5", "2147483648", "4294967296", "9223372036854775807", "9223372036854775808",
         "-9223372036854775809", "1e15", "1e-320", "123456789012345678901234567890", "3.0", "1E+2", "-2147483649"];

    private static readonly byte[][] InvalidSequences = [[0xFF], [0xC3, 0x28], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xC0, 0xAF], [0xE2, 0x82]];

    /// <summary>A JSON-level mutation of <paramref name="input"/>, or false when it does not hold JSON this can parse.</summary>
    public static bool TryMutate(Random random, byte[] input, out byte[] mutated)
    {
        try
        {
            return TryMutateJson(random, input, out mutated);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or JsonException or FormatException)
        {
            // The tree of an earlier mutation that JsonNode materialises lazily (invalid UTF-8, a duplicate key): bytes only.
            mutated = input;
            return false;
        }
    }

    private static bool TryMutateJson(Random random, byte[] input, out byte[] mutated)
    {
        mutated = input;
        var safetensors = input.Length > 8 && input[0] != (byte)'{' && input[8] == (byte)'{';
        var start = safetensors ? 8 : 0;
        var length = input.Length - start;
        if (safetensors)
        {
            var declared = BinaryPrimitives.ReadInt64LittleEndian(input);
            if (declared <= 0 || declared > length)
            {
                return false;
            }

            length = (int)declared;
        }

        JsonNode? root;
        try
        {
            root = JsonNode.Parse(input.AsSpan(start, length), documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false });
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException)
        {
            return false;
        }

        if (root is null)
        {
            return false;
        }

        var places = new List<(JsonNode? Parent, string? Key, int Index, JsonNode? Node)>();
        Collect(root, null, null, -1, places);
        var (parent, key, index, node) = places[random.Next(places.Count)];
        string? duplicateKey = null;
        switch (random.Next(10))
        {
            case 0:
                Replace(parent, key, index, random.Next(6) switch
                {
                    0 => JsonValue.Create("text"),
                    1 => JsonValue.Create(random.Next(-5, 100_000)),
                    2 => JsonValue.Create(random.Next(2) == 0),
                    3 => new JsonArray(JsonValue.Create(1), JsonValue.Create("x")),
                    4 => new JsonObject { ["type"] = "BPE" },
                    _ => null,
                }, ref root);
                break;
            case 1:
                Replace(parent, key, index, JsonNode.Parse(OddNumbers[random.Next(OddNumbers.Length)]), ref root);
                break;
            case 2:
                var objects = places.Where(p => p.Node is JsonObject { Count: > 0 }).ToList();
                if (objects.Count == 0)
                {
                    return false;
                }

                var target = (JsonObject)objects[random.Next(objects.Count)].Node!;
                var member = target.ElementAt(random.Next(target.Count));
                duplicateKey = member.Key;
                target[DuplicateMarker] = random.Next(2) == 0 ? member.Value?.DeepClone() : JsonValue.Create(random.Next(1000));
                break;
            case 3:
                if (parent is JsonObject removeFrom)
                {
                    removeFrom.Remove(key!);
                }
                else if (parent is JsonArray removeAt)
                {
                    removeAt.RemoveAt(index);
                }
                else
                {
                    return false;
                }

                break;
            case 4:
                Replace(parent, key, index, JsonValue.Create(DeepMarker), ref root);
                break;
            case 5:
                Replace(parent, key, index, JsonValue.Create("a" + InvalidUtf8Marker + "b"), ref root);
                break;
            case 6:
                Replace(parent, key, index, JsonValue.Create(new string((char)random.Next(0x20, 0x3000), random.Next(1, 100_000))), ref root);
                break;
            case 7:
                var arrays = places.Where(p => p.Node is JsonArray { Count: > 0 }).ToList();
                if (arrays.Count == 0)
                {
                    return false;
                }

                var array = (JsonArray)arrays[random.Next(arrays.Count)].Node!;
                var element = array[random.Next(array.Count)];
                for (var i = 1 + random.Next(8); i > 0; i--)
                {
                    array.Insert(random.Next(array.Count + 1), element?.DeepClone());
                }

                break;
            case 8:
                var (_, _, _, donor) = places[random.Next(places.Count)];
                if (donor is null || ReferenceEquals(donor, node) || IsAncestor(node, donor))
                {
                    return false;
                }

                Replace(parent, key, index, donor.DeepClone(), ref root);
                break;
            default:
                if (node is JsonValue value && value.TryGetValue<string>(out var text) && text.Length > 0)
                {
                    // An edited string: a token, a type name, a dtype, a module name that is almost right.
                    var chars = text.ToCharArray();
                    chars[random.Next(chars.Length)] = (char)random.Next(0x20, 0x7F);
                    Replace(parent, key, index, JsonValue.Create(new string(chars)), ref root);
                }
                else
                {
                    Replace(parent, key, index, JsonValue.Create(random.Next(int.MinValue, int.MaxValue)), ref root);
                }

                break;
        }

        var json = Encoding.UTF8.GetBytes(root?.ToJsonString(Options) ?? "null");
        json = ReplaceMarker(json, JsonSerializer.Serialize(DuplicateMarker, Options), duplicateKey is null ? null : Encoding.UTF8.GetBytes(JsonSerializer.Serialize(duplicateKey, Options)));
        json = ReplaceMarker(json, JsonSerializer.Serialize(InvalidUtf8Marker, Options)[1..^1], InvalidSequences[random.Next(InvalidSequences.Length)]);
        json = ReplaceMarker(json, JsonSerializer.Serialize(DeepMarker, Options), Deep(random));
        if (!safetensors)
        {
            mutated = json;
            return true;
        }

        var result = new byte[8 + json.Length + (input.Length - 8 - length)];
        BinaryPrimitives.WriteInt64LittleEndian(result, json.Length);
        json.CopyTo(result, 8);
        input.AsSpan(8 + length).CopyTo(result.AsSpan(8 + json.Length));
        mutated = result;
        return true;
    }

    private static void Collect(JsonNode? node, JsonNode? parent, string? key, int index, List<(JsonNode?, string?, int, JsonNode?)> places)
    {
        if (places.Count >= 20_000)
        {
            return;
        }

        places.Add((parent, key, index, node));
        switch (node)
        {
            case JsonObject o:
                foreach (var (name, child) in o)
                {
                    Collect(child, o, name, -1, places);
                }

                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                {
                    Collect(a[i], a, null, i, places);
                }

                break;
        }
    }

    private static bool IsAncestor(JsonNode? ancestor, JsonNode node)
    {
        for (var p = node.Parent; p is not null; p = p.Parent)
        {
            if (ReferenceEquals(p, ancestor))
            {
                return true;
            }
        }

        return false;
    }

    private static void Replace(JsonNode? parent, string? key, int index, JsonNode? value, ref JsonNode? root)
    {
        switch (parent)
        {
            case JsonObject o:
                o[key!] = value;
                break;
            case JsonArray a:
                a[index] = value;
                break;
            default:
                root = value;
                break;
        }
    }

    private static byte[] Deep(Random random)
    {
        var depth = random.Next(2) == 0 ? random.Next(60, 70) : random.Next(2, 5000);
        var builder = new StringBuilder();
        var objects = random.Next(2) == 0;
        for (var i = 0; i < depth; i++)
        {
            builder.Append(objects ? "{\"a\":" : "[");
        }

        builder.Append('1');
        for (var i = 0; i < depth; i++)
        {
            builder.Append(objects ? '}' : ']');
        }

        return Encoding.UTF8.GetBytes(builder.ToString());
    }

    private static byte[] ReplaceMarker(byte[] json, string marker, byte[]? replacement)
    {
        var pattern = Encoding.UTF8.GetBytes(marker);
        var at = json.AsSpan().IndexOf(pattern);
        if (at < 0 || replacement is null)
        {
            return json;
        }

        return [.. json.AsSpan(0, at), .. replacement, .. json.AsSpan(at + pattern.Length)];
    }
}
