using System.Text.Json;
using System.Text.Json.Serialization;
using Dispatch.Abstractions.Common;
using Microsoft.Extensions.Options;

namespace Dispatch.Server.Coverage;

public static class CoverageApi
{
    // Enums as names, as the pages read them from the hubs.
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    public static WebApplicationBuilder AddCoverage(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(LiveCoverageOptions.SectionName).Get<LiveCoverageOptions>() ?? new LiveCoverageOptions();
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(LiveCoverageOptions.SectionName, typeof(LiveCoverageOptions), errors);
        }

        builder.Services.AddOptions<LiveCoverageOptions>().Bind(builder.Configuration.GetSection(LiveCoverageOptions.SectionName));
        builder.Services.AddSingleton<CoverageDesk>();
        builder.Services.AddSingleton<MoveUpDesk>();
        return builder;
    }

    /// <summary>
    /// GET /api/coverage: 1/3/5-minute coverage from the available units and stations now, and the grids that lost
    /// coverage at the restore tier. GET /api/coverage/move-ups: recommended moves of idle units to restore it.
    /// POST /api/coverage/move-ups/accept: sends each accepted move to its unit's terminal as a patrol directive.
    /// Without a road network each answers 404 with the reason.
    /// </summary>
    public static WebApplication MapCoverage(this WebApplication app)
    {
        // Resolved only once started: options are validated at start, and a bad value must be reported, not thrown here.
        app.Lifetime.ApplicationStarted.Register(() => Task.Run(() => app.Services.GetRequiredService<CoverageDesk>().Warm()));

        // ?cells=false leaves the cells out: a page showing only the panels needs a few hundred bytes, not the layer.
        app.MapGet("/api/coverage", async (bool? cells, CoverageDesk coverage, CancellationToken cancellationToken) =>
        {
            if (!coverage.Available)
            {
                return NoRoads();
            }

            var view = await coverage.CoverageAsync(cancellationToken);
            return Results.Json(cells == false ? view with { Cells = [] } : view, Json);
        }).RequireAuthorization(Security.Policies.ViewBoard).WithName("GetCoverage");

        app.MapGet("/api/coverage/move-ups", async (CoverageDesk coverage, CancellationToken cancellationToken) =>
            coverage.Available ? Results.Json(await coverage.MoveUpsAsync(cancellationToken), Json) : NoRoads())
            .RequireAuthorization(Security.Policies.ViewBoard).WithName("GetMoveUps");

        app.MapPost("/api/coverage/move-ups/accept", async (MoveUpAcceptRequest? request, CoverageDesk coverage, MoveUpDesk moveUps, HttpContext http) =>
        {
            if (moveUps.Validate(request) is { } refusal)
            {
                return refusal.Conflict ? Results.Conflict(new { error = refusal.Error }) : Results.BadRequest(new { error = refusal.Error });
            }

            var accepted = await moveUps.AcceptAsync(request!, Actors.Operator(http.User.Identity!.Name!));
            coverage.ForgetMoveUps();
            return Results.Json(accepted, Json);
        }).RequireAuthorization(Security.Policies.Command).WithName("AcceptMoveUps");
        return app;
    }

    private static IResult NoRoads() => Results.NotFound(new { error = "no road network is loaded (Dispatch:Roads); coverage is measured on roads" });
}
