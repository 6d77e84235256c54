using System.Globalization;
using System.Text.RegularExpressions;

namespace Dispatch.Server.Exports;

/// <summary>One receiver of incident documents (appsettings "Dispatch:Exports:Webhooks:N").</summary>
public sealed class WebhookEndpoint
{
    /// <summary>A short name shown in the dead-letter list.</summary>
    public string Name { get; set; } = "";

    /// <summary>An absolute http(s) URL the documents are POSTed to.</summary>
    public string Url { get; set; } = "";

    /// <summary>"cap" (CAP 1.2 XML) or "eido" (NENA EIDO JSON).</summary>
    public string Format { get; set; } = "cap";

    /// <summary>The shared secret of the HMAC-SHA256 signature (header X-Dispatch-Signature); at least 16 characters.</summary>
    public string Secret { get; set; } = "";
}

/// <summary>How incidents leave the service as CAP 1.2 and NENA EIDO documents (appsettings "Dispatch:Exports").</summary>
public sealed partial class ExportOptions
{
    public const string SectionName = "Dispatch:Exports";

    /// <summary>CAP &lt;sender&gt;: who issues the messages, unique worldwide (no spaces, commas, &lt; or &amp;).</summary>
    public string Sender { get; set; } = "dispatch@jinan.example";

    /// <summary>CAP &lt;senderName&gt;: the agency's name as people read it.</summary>
    public string SenderName { get; set; } = "济南市公安局指挥中心 (demo)";

    /// <summary>The agency identifier (a domain name) used in EIDO ids and references.</summary>
    public string AgencyId { get; set; } = "psap.jinan.example";

    /// <summary>EIDO issuingElementIdentification: the functional element that creates the documents.</summary>
    public string IssuingElement { get; set; } = "dispatch.jinan.example";

    /// <summary>CAP &lt;scope&gt;: Public, Restricted or Private.</summary>
    public string Scope { get; set; } = "Restricted";

    /// <summary>CAP &lt;restriction&gt; when the scope is Restricted.</summary>
    public string Restriction { get; set; } = "public-safety agencies only";

    /// <summary>CAP &lt;addresses&gt; when the scope is Private (space-separated).</summary>
    public string Addresses { get; set; } = "";

    /// <summary>CAP &lt;language&gt; of the info block (RFC 3066 tag).</summary>
    public string Language { get; set; } = "zh-CN";

    /// <summary>Offset from UTC that document times are written in (CAP forbids "Z": UTC is written -00:00).</summary>
    public double UtcOffsetHours { get; set; } = 8;

    /// <summary>CAP &lt;status&gt;: Actual for real incidents; Exercise or Test on training systems.</summary>
    public string Status { get; set; } = "Actual";

    /// <summary>Radius of the CAP area circle around the incident (the arrival radius is a good value).</summary>
    public double AreaRadiusMeters { get; set; } = 100;

    public List<WebhookEndpoint> Webhooks { get; set; } = [];

    /// <summary>Attempts per delivery before it goes to the dead-letter list.</summary>
    public int MaxAttempts { get; set; } = 8;

    /// <summary>Wait before the first retry; doubled on each further retry up to <see cref="MaxRetrySeconds"/>, with ±20 % jitter.</summary>
    public double FirstRetrySeconds { get; set; } = 2;

    public double MaxRetrySeconds { get; set; } = 300;

    /// <summary>How long one POST may take.</summary>
    public double RequestTimeoutSeconds { get; set; } = 10;

    /// <summary>SQLite file of the outbox and dead letters; empty for exports.db beside the grain database.</summary>
    public string OutboxPath { get; set; } = "";

    public TimeSpan UtcOffset => TimeSpan.FromHours(UtcOffsetHours);

    /// <summary>Every setting that is wrong, each naming its key and value.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        void Check(bool ok, string key, string rule, object? value)
        {
            if (!ok)
            {
                errors.Add(string.Create(CultureInfo.InvariantCulture, $"{SectionName}:{key} {rule}, got '{value}'"));
            }
        }

        Check(CapToken().IsMatch(Sender ?? ""), nameof(Sender), "must be non-empty without spaces, commas, < or &", Sender);
        Check(CapToken().IsMatch(AgencyId ?? ""), nameof(AgencyId), "must be non-empty without spaces, commas, < or &", AgencyId);
        Check(!string.IsNullOrWhiteSpace(IssuingElement), nameof(IssuingElement), "must not be empty", IssuingElement);
        Check(Scope is "Public" or "Restricted" or "Private", nameof(Scope), "must be Public, Restricted or Private", Scope);
        Check(Scope != "Restricted" || !string.IsNullOrWhiteSpace(Restriction), nameof(Restriction), "must be given when Scope is Restricted", Restriction);
        Check(Scope != "Private" || !string.IsNullOrWhiteSpace(Addresses), nameof(Addresses), "must be given when Scope is Private", Addresses);
        Check(Status is "Actual" or "Exercise" or "System" or "Test" or "Draft", nameof(Status), "must be Actual, Exercise, System, Test or Draft", Status);
        Check(LanguageTag().IsMatch(Language ?? ""), nameof(Language), "must be a language tag such as zh-CN", Language);
        Check(double.IsFinite(UtcOffsetHours) && UtcOffsetHours is >= -14 and <= 14 && Math.Abs((UtcOffsetHours * 4) - Math.Round(UtcOffsetHours * 4)) < 1e-9,
            nameof(UtcOffsetHours), "must be within -14..14 in quarter hours", UtcOffsetHours);
        Check(double.IsFinite(AreaRadiusMeters) && AreaRadiusMeters is >= 1 and <= 100_000, nameof(AreaRadiusMeters), "must be within 1..100000", AreaRadiusMeters);
        Check(MaxAttempts is >= 1 and <= 100, nameof(MaxAttempts), "must be within 1..100", MaxAttempts);
        Check(double.IsFinite(FirstRetrySeconds) && FirstRetrySeconds is > 0 and <= 3600, nameof(FirstRetrySeconds), "must be within (0, 3600]", FirstRetrySeconds);
        Check(double.IsFinite(MaxRetrySeconds) && MaxRetrySeconds >= FirstRetrySeconds && MaxRetrySeconds <= 86_400, nameof(MaxRetrySeconds), "must be within FirstRetrySeconds..86400", MaxRetrySeconds);
        Check(double.IsFinite(RequestTimeoutSeconds) && RequestTimeoutSeconds is > 0 and <= 300, nameof(RequestTimeoutSeconds), "must be within (0, 300]", RequestTimeoutSeconds);
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Webhooks.Count; i++)
        {
            var hook = Webhooks[i];
            var key = string.Create(CultureInfo.InvariantCulture, $"Webhooks:{i}");
            Check(!string.IsNullOrWhiteSpace(hook.Name) && names.Add(hook.Name), $"{key}:Name", "must be given and unique", hook.Name);
            Check(Uri.TryCreate(hook.Url, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps), $"{key}:Url", "must be an absolute http(s) URL", hook.Url);
            Check(hook.Format is "cap" or "eido", $"{key}:Format", "must be cap or eido", hook.Format);
            Check(hook.Secret is { Length: >= 16 }, $"{key}:Secret", "must be at least 16 characters", hook.Secret is null ? null : $"({hook.Secret.Length} characters)");
        }

        return errors;
    }

    [GeneratedRegex(@"^[^\s,<&]+$")]
    private static partial Regex CapToken();

    [GeneratedRegex(@"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")]
    private static partial Regex LanguageTag();
}
