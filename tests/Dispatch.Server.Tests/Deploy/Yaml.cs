using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace Dispatch.Server.Tests.Deploy;

/// <summary>YAML read as plain maps, lists and strings (merge keys and anchors resolved, as Docker Compose does).</summary>
public static class Yaml
{
    private static readonly IDeserializer Deserializer = new DeserializerBuilder().Build();

    /// <summary>Every document of <paramref name="text"/> (a Kubernetes manifest may hold several).</summary>
    public static IReadOnlyList<object?> Documents(string text)
    {
        var parser = new MergingParser(new Parser(new StringReader(text)));
        parser.Consume<StreamStart>();
        var documents = new List<object?>();
        while (!parser.Accept<StreamEnd>(out _))
        {
            documents.Add(Deserializer.Deserialize<object?>(parser));
        }

        return documents;
    }

    public static object? Document(string text) => Documents(text).Single();

    /// <summary>The value under <paramref name="path"/> ("a.b.c"), or null where any step is missing.</summary>
    public static object? At(object? node, string path)
    {
        foreach (var key in path.Split('.'))
        {
            node = node is Dictionary<object, object> map && map.TryGetValue(key, out var value) ? value : null;
        }

        return node;
    }

    public static string? Text(object? node, string path) => At(node, path) as string;

    public static IReadOnlyList<object> List(object? node, string path) => At(node, path) as List<object> ?? [];

    public static IReadOnlyDictionary<string, object?> Map(object? node, string path) =>
        At(node, path) is Dictionary<object, object> map
            ? map.ToDictionary(p => (string)p.Key, p => (object?)p.Value, StringComparer.Ordinal)
            : new Dictionary<string, object?>(StringComparer.Ordinal);
}
