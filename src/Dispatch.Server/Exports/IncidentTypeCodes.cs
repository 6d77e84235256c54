namespace Dispatch.Server.Exports;

/// <summary>
/// How our incident types read in the standards: the CAP 1.2 &lt;category&gt; (one of its fixed list) and the text we
/// put in EIDO's incidentTypeCommonRegistryText. Types are free text in this service; a type not listed here is
/// exported as category Other with the type itself as the internal text.
/// </summary>
public static class IncidentTypeCodes
{
    private static readonly Dictionary<string, (string CapCategory, string EidoType)> Known = new(StringComparer.OrdinalIgnoreCase)
    {
        ["intrusion"] = ("Security", "Burglary"),
        ["suspicious-person"] = ("Security", "Suspicious"),
        ["public-order"] = ("Security", "Disturbance"),
        ["disturbance"] = ("Security", "Disturbance"),
        ["assault"] = ("Security", "Assault"),
        ["theft"] = ("Security", "Theft"),
        ["person-down"] = ("Health", "Medical"),
        ["fire"] = ("Fire", "Fire"),
        ["vehicle"] = ("Transport", "Traffic"),
        ["traffic-accident"] = ("Transport", "TrafficCollision"),
        ["traffic accident"] = ("Transport", "TrafficCollision"),
        ["traffic accident with injuries"] = ("Transport", "TrafficCollision"),
        ["panic-alarm"] = ("Security", "Alarm"),
        ["sensor-alarm"] = ("Safety", "Alarm"),
    };

    /// <summary>The types this table knows, for tests and documentation.</summary>
    public static IReadOnlyCollection<string> KnownTypes => Known.Keys;

    public static string CapCategory(string type) => Known.TryGetValue(type.Trim(), out var codes) ? codes.CapCategory : "Other";

    public static string EidoType(string type) => Known.TryGetValue(type.Trim(), out var codes) ? codes.EidoType : "Other";
}
