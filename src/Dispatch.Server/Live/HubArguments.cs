using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.ExceptionServices;
using System.Text.Json;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.Options;

namespace Dispatch.Server.Live;

/// <summary>How hub refusals quote what the caller sent: bounded, so a huge value is not echoed back.</summary>
public static class HubArguments
{
    public const int MaxShownLength = 64;

    public static string Show(string? value) =>
        value is null ? "(null)" : value.Length <= MaxShownLength ? value : $"{value[..MaxShownLength]}… ({value.Length} characters)";
}

/// <summary>
/// The hubs' JSON protocol, which also says what was wrong with a call that cannot be bound to its method: SignalR alone
/// answers "Failed to invoke 'X' due to an error on the server". A wrong argument count, or an argument that is not of
/// its parameter's type, is answered with the method, the parameter's position and name, what it must be and (bounded)
/// what was sent, as a <see cref="HubException"/> so SignalR passes the message on.
/// </summary>
public sealed class NamingHubProtocol : IHubProtocol
{
    private readonly JsonHubProtocol _inner;
    private readonly JsonSerializerOptions _payload;
    private readonly Dictionary<string, List<ParameterInfo[]>> _parameters = new(StringComparer.OrdinalIgnoreCase);

    public NamingHubProtocol(IOptions<JsonHubProtocolOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _inner = new JsonHubProtocol(options);
        _payload = options.Value.PayloadSerializerOptions;
        foreach (var hub in new[] { typeof(OperationsHub), typeof(TerminalHub) })
        {
            foreach (var method in hub.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly).Where(m => !m.IsSpecialName))
            {
                (_parameters.TryGetValue(method.Name, out var list) ? list : _parameters[method.Name] = []).Add(method.GetParameters());
            }
        }
    }

    public string Name => _inner.Name;

    public int Version => _inner.Version;

    public TransferFormat TransferFormat => _inner.TransferFormat;

    public bool IsVersionSupported(int version) => _inner.IsVersionSupported(version);

    public ReadOnlyMemory<byte> GetMessageBytes(HubMessage message) => _inner.GetMessageBytes(message);

    public void WriteMessage(HubMessage message, IBufferWriter<byte> output) => _inner.WriteMessage(message, output);

    public bool TryParseMessage(ref ReadOnlySequence<byte> input, IInvocationBinder binder, [NotNullWhen(true)] out HubMessage? message)
    {
        var before = input;
        if (!_inner.TryParseMessage(ref input, binder, out message))
        {
            return false;
        }

        if (message is InvocationBindingFailureMessage failure && failure.BindingFailure.SourceException is not HubException)
        {
            var raw = before.Slice(0, before.Length - input.Length);
            message = new InvocationBindingFailureMessage(failure.InvocationId, failure.Target,
                ExceptionDispatchInfo.Capture(new HubException(Describe(failure.Target, raw, binder))));
        }

        return true;
    }

    private string Describe(string target, ReadOnlySequence<byte> raw, IInvocationBinder binder)
    {
        IReadOnlyList<Type> types;
        try
        {
            types = binder.GetParameterTypes(target);
        }
        catch (Exception ex) when (ex is HubException or InvalidOperationException)
        {
            return $"unknown hub method '{HubArguments.Show(target)}'";
        }

        var names = NamesOf(target, types);
        var signature = $"{target}({string.Join(", ", names)})";
        JsonElement arguments;
        try
        {
            var text = raw.ToArray().AsSpan().TrimEnd((byte)0x1e);
            using var document = JsonDocument.Parse(text.ToArray());
            if (!document.RootElement.TryGetProperty("arguments", out var found) || found.ValueKind != JsonValueKind.Array)
            {
                return $"{signature}: 'arguments' must be a list of {types.Count}";
            }

            arguments = found.Clone();
        }
        catch (JsonException)
        {
            return $"{signature}: the call is not valid JSON";
        }

        var given = arguments.GetArrayLength();
        if (given != types.Count)
        {
            return $"{signature} takes {types.Count} argument{(types.Count == 1 ? "" : "s")}, got {given}";
        }

        var index = 0;
        foreach (var argument in arguments.EnumerateArray())
        {
            try
            {
                JsonSerializer.Deserialize(argument, types[index], _payload);
            }
            catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException or FormatException or ArgumentException)
            {
                return $"{signature}: argument {index + 1} '{names[index]}' must be {Describe(types[index])}, got {HubArguments.Show(argument.GetRawText())}";
            }

            index++;
        }

        return $"{signature}: the arguments do not match the method";
    }

    private string[] NamesOf(string target, IReadOnlyList<Type> types)
    {
        if (_parameters.TryGetValue(target, out var overloads))
        {
            var match = overloads.FirstOrDefault(p => p.Length == types.Count && p.Select(x => x.ParameterType).SequenceEqual(types));
            if (match is not null)
            {
                return [.. match.Select(p => p.Name ?? "?")];
            }
        }

        return [.. types.Select((_, i) => $"arg{i + 1}")];
    }

    private static string Describe(Type type)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        return underlying switch
        {
            _ when underlying == typeof(double) || underlying == typeof(float) || underlying == typeof(decimal) => "a number",
            _ when underlying == typeof(int) || underlying == typeof(long) || underlying == typeof(short) => "a whole number",
            _ when underlying == typeof(bool) => "true or false",
            _ when underlying == typeof(string) => "text (a JSON string)",
            _ when underlying.IsEnum => $"one of {string.Join(", ", Enum.GetNames(underlying))}",
            _ when underlying.IsArray => $"a list of {Describe(underlying.GetElementType()!)}",
            _ => $"an object ({underlying.Name})",
        };
    }
}
