using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml;
using System.Xml.Linq;
using Dispatch.Abstractions.Incidents;
using Dispatch.Domain.City;
using Dispatch.Domain.Plans;
using Microsoft.Extensions.Options;

namespace Dispatch.Server.Exports;

/// <summary>What a document announces about the incident: its opening, a change, or its end.</summary>
public enum IncidentEvent
{
    Opened = 0,
    Updated = 1,
    Closed = 2,
}

/// <summary>
/// An incident as a CAP 1.2 alert message (OASIS, urn:oasis:names:tc:emergency:cap:1.2) and as a NENA EIDO 1.0 JSON
/// object (NENA-STA-021). Both are written from the incident's own view; nothing is looked up elsewhere except grid
/// names from the city.
/// </summary>
public sealed class IncidentDocuments(IOptions<ExportOptions> options, CityModel city)
{
    public const string CapNamespace = "urn:oasis:names:tc:emergency:cap:1.2";
    public const string CapMediaType = "application/cap+xml";
    public const string EidoMediaType = "application/json";

    private static readonly XNamespace Cap = CapNamespace;
    private readonly ExportOptions _options = options.Value;

    /// <summary>What the incident's first step records: its creation and its first dispatch, committed together.</summary>
    private static readonly HashSet<string> FirstStepKinds = new(StringComparer.Ordinal)
    {
        TimelineKinds.Created, TimelineKinds.TierPlanned, TimelineKinds.StationCommitted, TimelineKinds.UnitAssigned,
        TimelineKinds.ClaimRefused, TimelineKinds.TierAtRisk,
    };

    /// <summary>
    /// The event the incident's current state announces: closed once it ended, opened while it holds only what its
    /// first step recorded (creation and first dispatch), else updated.
    /// </summary>
    public static IncidentEvent EventOf(IncidentView incident) => incident.Status != IncidentStatus.Open
        ? IncidentEvent.Closed
        : incident.Timeline.All(e => FirstStepKinds.Contains(e.Kind)) ? IncidentEvent.Opened : IncidentEvent.Updated;

    /// <summary>The CAP message for the incident's current state, as UTF-8 XML text.</summary>
    public string CapXml(IncidentView incident, IncidentEvent? announced = null)
    {
        var document = CapDocument(incident, announced);
        var builder = new StringBuilder();
        using (var writer = XmlWriter.Create(new Utf8StringWriter(builder), new XmlWriterSettings { Indent = true, Encoding = Encoding.UTF8 }))
        {
            document.Save(writer);
        }

        return builder.ToString();
    }

    /// <param name="announced">The change being announced (the webhook knows it); null for the current state's own.</param>
    public XDocument CapDocument(IncidentView incident, IncidentEvent? announced = null)
    {
        ArgumentNullException.ThrowIfNull(incident);
        var o = _options;
        var ev = announced ?? EventOf(incident);
        var msgType = ev switch
        {
            IncidentEvent.Opened => "Alert",
            _ when incident.Status == IncidentStatus.Cancelled => "Cancel",
            _ => "Update",
        };
        var ended = incident.Status != IncidentStatus.Open;
        var version = incident.Timeline.Count;
        var sent = incident.Timeline.Count > 0 ? incident.Timeline[^1].At : incident.CreatedAt;
        var grid = city.FindGrid(incident.Location);

        var alert = new XElement(Cap + "alert",
            new XElement(Cap + "identifier", Identifier(incident.IncidentId, version)),
            new XElement(Cap + "sender", o.Sender),
            new XElement(Cap + "sent", CapTime(sent)),
            new XElement(Cap + "status", o.Status),
            new XElement(Cap + "msgType", msgType),
            new XElement(Cap + "source", $"dispatch incident {incident.IncidentId}"),
            new XElement(Cap + "scope", o.Scope),
            o.Scope == "Restricted" ? new XElement(Cap + "restriction", o.Restriction) : null,
            o.Scope == "Private" ? new XElement(Cap + "addresses", o.Addresses) : null,
            msgType == "Alert" ? null : new XElement(Cap + "references", $"{o.Sender},{Identifier(incident.IncidentId, 1)},{CapTime(incident.CreatedAt)}"),
            new XElement(Cap + "incidents", Token(incident.IncidentId)),
            new XElement(Cap + "info",
                new XElement(Cap + "language", o.Language),
                new XElement(Cap + "category", IncidentTypeCodes.CapCategory(incident.Type)),
                new XElement(Cap + "event", incident.Type),
                new XElement(Cap + "responseType", ended ? "AllClear" : "Monitor"),
                new XElement(Cap + "urgency", ended ? "Past" : incident.Priority is IncidentPriority.Critical or IncidentPriority.High ? "Immediate" : "Expected"),
                new XElement(Cap + "severity", incident.Priority switch
                {
                    IncidentPriority.Critical => "Extreme",
                    IncidentPriority.High => "Severe",
                    IncidentPriority.Normal => "Moderate",
                    _ => "Minor",
                }),
                new XElement(Cap + "certainty", Certainty(incident)),
                new XElement(Cap + "eventCode", new XElement(Cap + "valueName", "dispatch:type"), new XElement(Cap + "value", incident.Type)),
                new XElement(Cap + "effective", CapTime(incident.CreatedAt)),
                new XElement(Cap + "onset", CapTime(incident.CreatedAt)),
                incident.EndedAt is { } endedAt ? new XElement(Cap + "expires", CapTime(endedAt)) : null,
                new XElement(Cap + "senderName", o.SenderName),
                new XElement(Cap + "headline", Headline(incident, grid)),
                new XElement(Cap + "description", string.IsNullOrWhiteSpace(incident.Description) ? incident.Type : incident.Description),
                Parameter("priority", ((int)incident.Priority).ToString(CultureInfo.InvariantCulture)),
                Parameter("status", incident.Status.ToString()),
                Parameter("source", incident.Source.ToString()),
                incident.Disposition is { Length: > 0 } disposition ? Parameter("disposition", disposition) : null,
                incident.Assignments.Count > 0 ? Parameter("units", string.Join(' ', incident.Assignments.Select(a => $"{a.UnitId}:{a.State}"))) : null,
                incident.Tiers.Select(t => Parameter($"tier:{t.Name}", t.Outcome.ToString())),
                new XElement(Cap + "area",
                    new XElement(Cap + "areaDesc", grid is null ? "incident location" : $"{grid.Name} ({grid.Id})"),
                    new XElement(Cap + "circle", string.Create(CultureInfo.InvariantCulture,
                        $"{incident.Location.Latitude:0.######},{incident.Location.Longitude:0.######} {o.AreaRadiusMeters / 1000:0.###}")),
                    grid is null ? null : new XElement(Cap + "geocode", new XElement(Cap + "valueName", "dispatch:grid"), new XElement(Cap + "value", grid.Id)))));
        return new XDocument(new XDeclaration("1.0", "utf-8", null), alert);
    }

    /// <summary>The EIDO for the incident's current state.</summary>
    public JsonObject Eido(IncidentView incident)
    {
        ArgumentNullException.ThrowIfNull(incident);
        var o = _options;
        var agency = o.AgencyId;
        var tracking = $"urn:emergency:uid:incidentid:{Token(incident.IncidentId)}:{agency}";
        var updated = incident.Timeline.Count > 0 ? incident.Timeline[^1].At : incident.CreatedAt;
        var grid = city.FindGrid(incident.Location);
        JsonObject Prologue(string id, DateTimeOffset at) => new()
        {
            ["$id"] = id,
            ["lastUpdateTimeStamp"] = JsonTime(at),
            ["updatedByAgencyReference"] = Ref(agency),
        };

        var locationId = $"{tracking}:location:0";
        var location = Prologue(locationId, incident.CreatedAt);
        location["locationTypeDescriptionRegistryText"] = "Incident";
        location["locationByValue"] = PidfLo(incident, locationId);
        location["locationDescriptionText"] = grid is null ? "incident location" : $"{grid.Name} ({grid.Id})";

        var notes = new JsonArray();
        foreach (var entry in incident.Timeline)
        {
            var note = Prologue(string.Create(CultureInfo.InvariantCulture, $"{tracking}:notes:{entry.Sequence}"), entry.At);
            note["notesActionComments"] = $"<p>{WebUtility.HtmlEncode($"{entry.Kind}: {entry.Text}")}</p>";
            notes.Add(note);
        }

        var resources = new JsonArray();
        foreach (var assignment in incident.Assignments)
        {
            var resource = Prologue(string.Create(CultureInfo.InvariantCulture, $"{tracking}:resource:{assignment.UnitId}:{assignment.AssignmentNumber}"),
                assignment.EndedAt ?? assignment.ArrivedAt ?? assignment.AssignedAt);
            resource["agentReference"] = new JsonArray();
            resource["emergencyResourceTypeCommonRegistryText"] = "Police Unit";
            resource["emergencyResourceName"] = assignment.UnitId;
            resource["resourceAttributeRegistryText"] = new JsonArray();
            resource["primaryUnitStatusRegistryText"] = assignment.State switch
            {
                AssignmentState.Dispatched => "Dispatched",
                AssignmentState.Acknowledged => "Dispatched",
                AssignmentState.EnRoute => "Enroute",
                AssignmentState.OnScene => "OnScene",
                _ => "Available",
            };
            resource["secondaryUnitStatusRegistryText"] = new JsonArray();
            resource["unitStatusInternal"] = new JsonArray(assignment.State.ToString(), $"tier:{assignment.TierName}");
            if (assignment.State is AssignmentState.Dispatched or AssignmentState.Acknowledged or AssignmentState.EnRoute && double.IsFinite(assignment.EtaSeconds))
            {
                resource["eta"] = JsonTime(assignment.AssignedAt + TimeSpan.FromSeconds(assignment.EtaSeconds));
            }

            resource["activeOnIncidentId"] = tracking;
            resources.Add(resource);
        }

        var incidentComponent = Prologue($"{tracking}:incident:0", updated);
        incidentComponent["incidentTypeCommonRegistryText"] = IncidentTypeCodes.EidoType(incident.Type);
        incidentComponent["incidentTypeInternalText"] = incident.Type;
        incidentComponent["incidentStatusCommonRegistryText"] = new JsonArray(incident.Status switch
        {
            IncidentStatus.Open => incident.Assignments.Any(a => a.State == AssignmentState.OnScene) ? "OnScene" : incident.Assignments.Count > 0 ? "Dispatched" : "Received",
            IncidentStatus.Closed => "Closed",
            _ => "Cancelled",
        });
        incidentComponent["incidentStatusInternalText"] = new JsonArray(incident.Status.ToString());
        incidentComponent["internalIncidentId"] = incident.IncidentId;
        incidentComponent["incidentPriorityInternalText"] = $"P{(int)incident.Priority} {incident.Priority}";
        if (grid is not null)
        {
            incidentComponent["beatOrDispatchGroupText"] = grid.Id;
        }

        incidentComponent["locationReference"] = new JsonArray(Ref(locationId));
        incidentComponent["notesReference"] = new JsonArray([.. notes.Select(n => (JsonNode?)Ref(n!["$id"]!.GetValue<string>()))]);
        if (incident.Status != IncidentStatus.Open)
        {
            var disposition = Prologue($"{tracking}:disposition:0", incident.EndedAt ?? updated);
            disposition["dispositionCommonRegistryCode"] = incident.Status == IncidentStatus.Cancelled ? "Cancelled" : "Resolved";
            disposition["dispositionPrimaryIndicator"] = true;
            disposition["dispositionDescriptionText"] = incident.Disposition ?? "";
            incidentComponent["dispositionComponent"] = new JsonArray(disposition);
        }

        var agencyComponent = Prologue(agency, updated);
        agencyComponent["agencyRoleDescriptionRegistryText"] = new JsonArray("Dispatch");
        agencyComponent["agencyType"] = new JsonArray("police");
        agencyComponent["incidentOwningAgencyIndicator"] = true;

        var eido = Prologue(tracking, updated);
        eido["eidoVersion"] = "1.0";
        eido["issuingElementIdentification"] = o.IssuingElement;
        eido["incidentComponent"] = incidentComponent;
        eido["agencyComponent"] = new JsonArray(agencyComponent);
        eido["locationComponent"] = new JsonArray(location);
        eido["notesComponent"] = notes;
        if (resources.Count > 0)
        {
            var dispatch = Prologue($"{tracking}:dispatch:0", updated);
            dispatch["agencyReference"] = Ref(agency);
            dispatch["emergencyResourceReference"] = new JsonArray([.. resources.Select(r => (JsonNode?)Ref(r!["$id"]!.GetValue<string>()))]);
            eido["dispatchComponent"] = new JsonArray(dispatch);
            eido["emergencyResourceComponent"] = resources;
        }

        return eido;
    }

    public string EidoJson(IncidentView incident) => Eido(incident).ToJsonString(new JsonSerializerOptions { WriteIndented = true });

    /// <summary>CAP identifiers must not hold spaces, commas, &lt; or &amp;; ours hold only the agency and the incident id.</summary>
    private string Identifier(string incidentId, int version) =>
        string.Create(CultureInfo.InvariantCulture, $"{Token(_options.AgencyId)}.{Token(incidentId)}.{version}");

    private static string Token(string text) => string.Concat(text.Select(c => char.IsWhiteSpace(c) || c is ',' or '<' or '&' ? '-' : c));

    /// <summary>CAP time: seconds, a numeric offset, never "Z" (UTC is -00:00).</summary>
    private string CapTime(DateTimeOffset at)
    {
        var local = at.ToOffset(_options.UtcOffset);
        var text = local.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
        return _options.UtcOffset == TimeSpan.Zero ? text[..^6] + "-00:00" : text;
    }

    private string JsonTime(DateTimeOffset at) => at.ToOffset(_options.UtcOffset).ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture);

    private static JsonObject Ref(string id) => new() { ["$ref"] = id };

    private static XElement Parameter(string name, string value) =>
        new(Cap + "parameter", new XElement(Cap + "valueName", $"dispatch:{name}"), new XElement(Cap + "value", value));

    /// <summary>Observed once a unit is on scene or an operator placed it; a call is likely; a camera or sensor only possible.</summary>
    private static string Certainty(IncidentView incident) =>
        incident.Assignments.Any(a => a.ArrivedAt is not null) || incident.Source == IncidentSource.Operator ? "Observed"
        : incident.Source == IncidentSource.Call ? "Likely"
        : "Possible";

    private static string Headline(IncidentView incident, GridSpec? grid)
    {
        var text = $"{incident.Type} (P{(int)incident.Priority}){(grid is null ? "" : $" — {grid.Name}")}";
        return text.Length <= 160 ? text : text[..160];
    }

    /// <summary>The point as a PIDF-LO presence document (RFC 4119 with a GML point, RFC 5491), as EIDO carries locations by value.</summary>
    private string PidfLo(IncidentView incident, string locationId)
    {
        XNamespace pidf = "urn:ietf:params:xml:ns:pidf";
        XNamespace gp = "urn:ietf:params:xml:ns:pidf:geopriv10";
        XNamespace gml = "http://www.opengis.net/gml";
        var presence = new XElement(pidf + "presence",
            new XAttribute(XNamespace.Xmlns + "gp", gp),
            new XAttribute(XNamespace.Xmlns + "gml", gml),
            new XAttribute("entity", $"pres:{Token(incident.IncidentId)}@{_options.AgencyId}"),
            new XElement(pidf + "tuple", new XAttribute("id", Token(locationId).Replace(':', '-')),
                new XElement(pidf + "status",
                    new XElement(gp + "geopriv",
                        new XElement(gp + "location-info",
                            new XElement(gml + "Point", new XAttribute("srsName", "urn:ogc:def:crs:EPSG::4326"),
                                new XElement(gml + "pos", string.Create(CultureInfo.InvariantCulture, $"{incident.Location.Latitude:0.######} {incident.Location.Longitude:0.######}")))),
                        new XElement(gp + "usage-rules"))),
                new XElement(pidf + "timestamp", JsonTime(incident.CreatedAt))));
        return presence.ToString(SaveOptions.DisableFormatting);
    }

    /// <summary>A StringWriter that declares UTF-8, so the XML declaration says what the HTTP body is.</summary>
    private sealed class Utf8StringWriter(StringBuilder builder) : StringWriter(builder, CultureInfo.InvariantCulture)
    {
        public override Encoding Encoding => Encoding.UTF8;
    }
}
