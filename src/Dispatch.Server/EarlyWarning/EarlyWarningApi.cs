using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Dispatch.Abstractions.Common;
using Dispatch.Server.Security;
using Microsoft.Extensions.Options;

namespace Dispatch.Server.EarlyWarning;

public static class EarlyWarningApi
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    public static WebApplicationBuilder AddEarlyWarning(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(EarlyWarningOptions.SectionName).Get<EarlyWarningOptions>() ?? new EarlyWarningOptions();
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(EarlyWarningOptions.SectionName, typeof(EarlyWarningOptions), errors);
        }

        builder.Services.AddSingleton(Options.Create(options));
        builder.Services.AddSingleton<IIncidentHistory, IncidentTableHistory>();
        builder.Services.AddSingleton<HotspotDesk>();
        builder.Services.AddSingleton<AlertRateWatch>();
        return builder;
    }

    /// <summary>
    /// GET /api/early-warning/hotspots[?refresh=true]: the hotspots of the incident history (map layer).
    /// GET /api/early-warning/daily[?date=YYYY-MM-DD][&amp;district=ID...]: the day's warnings per district.
    /// POST /api/early-warning/hotspots/{hotspotId}/patrol: patrol directives for the nearest free units.
    /// GET /api/early-warning/alert-rates: cameras and sensor groups alerting far above their own rate now.
    /// </summary>
    public static WebApplication MapEarlyWarning(this WebApplication app)
    {
        app.MapGet("/api/early-warning/hotspots", async (bool? refresh, HotspotDesk desk, CancellationToken cancellationToken) =>
            Results.Json(await desk.HotspotsAsync(refresh == true, cancellationToken), Json))
            .RequireAuthorization(Policies.ViewBoard).WithName("GetHotspots");

        app.MapGet("/api/early-warning/daily", async (string? date, string[]? district, HotspotDesk desk, Dispatch.Domain.City.CityModel city, CancellationToken cancellationToken) =>
        {
            DateOnly day;
            if (string.IsNullOrEmpty(date))
            {
                day = desk.Today;
            }
            else if (!DateOnly.TryParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day))
            {
                return Results.BadRequest(new { error = $"date must be YYYY-MM-DD, got '{(date.Length > 32 ? date[..32] : date)}'" });
            }

            var unknown = district?.FirstOrDefault(d => city.Grids.All(g => g.Id != d));
            if (unknown is not null)
            {
                return Results.BadRequest(new { error = $"unknown district '{(unknown.Length > 64 ? unknown[..64] : unknown)}'" });
            }

            return Results.Json(await desk.DailyAsync(day, district is { Length: > 0 } ? district.ToHashSet(StringComparer.Ordinal) : null, cancellationToken), Json);
        }).RequireAuthorization(Policies.ViewBoard).WithName("GetDailyWarnings");

        app.MapPost("/api/early-warning/hotspots/{hotspotId}/patrol", async (string hotspotId, HotspotPatrolRequest? request, HotspotDesk desk, HttpContext http, CancellationToken cancellationToken) =>
        {
            var (patrol, refusal) = await desk.PatrolAsync(hotspotId, request, Actors.Operator(http.User.Identity?.Name ?? "console"), cancellationToken);
            return refusal switch
            {
                null => Results.Json(patrol, Json),
                { NotFound: true } => Results.NotFound(new { error = refusal.Error }),
                { Conflict: true } => Results.Conflict(new { error = refusal.Error }),
                _ => Results.BadRequest(new { error = refusal.Error }),
            };
        }).RequireAuthorization(Policies.Command).WithName("PatrolHotspot");

        app.MapGet("/api/early-warning/alert-rates", (AlertRateWatch watch) => Results.Json(new { warnings = watch.Warnings() }, Json))
            .RequireAuthorization(Policies.ViewBoard).WithName("GetAlertRateWarnings");
        return app;
    }
}
