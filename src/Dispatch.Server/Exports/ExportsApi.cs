using Dispatch.Abstractions.Incidents;
using Dispatch.Abstractions.Units;
using Dispatch.Grains.Hosting;
using Dispatch.Server.Hosting;
using Dispatch.Server.Security;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Dispatch.Server.Exports;

/// <summary>
/// Hands every incident change to the <see cref="WebhookOutbox"/> and then to the sink it wraps (the host's live
/// sink). Both only hand the change on, as <see cref="IDispatchEventSink"/> asks.
/// </summary>
public sealed class ExportingEventSink(IDispatchEventSink inner, WebhookOutbox outbox) : IDispatchEventSink
{
    public ValueTask IncidentChangedAsync(IncidentView incident, IReadOnlyList<TimelineEntry> appended)
    {
        outbox.IncidentChanged(incident, appended);
        return inner.IncidentChangedAsync(incident, appended);
    }

    public ValueTask UnitChangedAsync(UnitView unit) => inner.UnitChangedAsync(unit);

    public ValueTask UnitsMovedAsync(IReadOnlyList<UnitPositionReport> positions) => inner.UnitsMovedAsync(positions);
}

public static class ExportsApi
{
    public const int MaxDeadLetters = 500;

    /// <summary>
    /// CAP/EIDO documents and the webhook outbox. Call after AddLive: the outbox wraps the event sink registered then.
    /// </summary>
    public static WebApplicationBuilder AddIncidentExports(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(ExportOptions.SectionName).Get<ExportOptions>() ?? new ExportOptions();
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(ExportOptions.SectionName, typeof(ExportOptions), errors);
        }

        var services = builder.Services;
        var outboxPath = OutboxPath(builder, options);
        services.AddSingleton(Options.Create(options));
        services.AddSingleton<IncidentDocuments>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new WebhookOutbox(
            sp.GetRequiredService<IOptions<ExportOptions>>(),
            sp.GetRequiredService<IncidentDocuments>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<WebhookOutbox>>(),
            outboxPath));
        services.AddHostedService(sp => sp.GetRequiredService<WebhookOutbox>());

        // The one hook into the engine's change events: wrap whatever sink the host registered (the live sink).
        var existing = services.LastOrDefault(d => d.ServiceType == typeof(IDispatchEventSink) && !d.IsKeyedService)
            ?? throw new InvalidOperationException("AddIncidentExports must follow AddDispatchGrains and AddLive: no IDispatchEventSink is registered yet");
        services.Replace(ServiceDescriptor.Singleton<IDispatchEventSink>(sp =>
            new ExportingEventSink(Resolve(existing, sp), sp.GetRequiredService<WebhookOutbox>())));
        return builder;
    }

    /// <summary>
    /// GET /api/incidents/{id}/cap (CAP 1.2 XML) and /eido (NENA EIDO JSON) of the incident's current state;
    /// GET /api/exports/dead-letters (supervisors: failed webhook deliveries, with counts by state);
    /// POST /api/exports/dead-letters/{deliveryId}/retry (puts one back in line).
    /// </summary>
    public static WebApplication MapIncidentExports(this WebApplication app)
    {
        app.MapGet("/api/incidents/{incidentId}/cap", async (string incidentId, IGrainFactory grains, IncidentDocuments documents) =>
            await FindAsync(grains, incidentId) is { } incident
                ? Results.Text(documents.CapXml(incident), IncidentDocuments.CapMediaType + "; charset=utf-8")
                : UnknownIncident(incidentId))
            .RequireAuthorization(Policies.ViewBoard).WithName("GetIncidentCap");

        app.MapGet("/api/incidents/{incidentId}/eido", async (string incidentId, IGrainFactory grains, IncidentDocuments documents) =>
            await FindAsync(grains, incidentId) is { } incident
                ? Results.Text(documents.EidoJson(incident), IncidentDocuments.EidoMediaType + "; charset=utf-8")
                : UnknownIncident(incidentId))
            .RequireAuthorization(Policies.ViewBoard).WithName("GetIncidentEido");

        app.MapGet("/api/exports/dead-letters", async (int? limit, WebhookOutbox outbox, CancellationToken cancellationToken) =>
        {
            if (limit is < 1 or > MaxDeadLetters)
            {
                return Results.BadRequest(new { error = $"limit must be within 1..{MaxDeadLetters}, got {limit}" });
            }

            if (!outbox.Enabled)
            {
                return Results.Json(new { enabled = false, counts = new OutboxCounts(0, 0, 0), deadLetters = Array.Empty<DeadLetter>() });
            }

            return Results.Json(new
            {
                enabled = true,
                counts = await outbox.CountsAsync(cancellationToken),
                dropped = outbox.Dropped,
                deadLetters = await outbox.DeadLettersAsync(limit ?? 100, cancellationToken),
            });
        }).RequireAuthorization(Policies.ManageExports).WithName("GetDeadLetters");

        app.MapPost("/api/exports/dead-letters/{deliveryId:long}/retry", async (long deliveryId, WebhookOutbox outbox, CancellationToken cancellationToken) =>
            outbox.Enabled && await outbox.RetryAsync(deliveryId, cancellationToken)
                ? Results.Ok(new { deliveryId, requeued = true })
                : Results.NotFound(new { error = $"no dead letter with id {deliveryId}" }))
            .RequireAuthorization(Policies.ManageExports).WithName("RetryDeadLetter");
        return app;
    }

    private static async Task<IncidentView?> FindAsync(IGrainFactory grains, string incidentId) =>
        string.IsNullOrWhiteSpace(incidentId) || incidentId.Length > 128 ? null : await grains.GetGrain<IIncidentGrain>(incidentId).GetAsync();

    private static IResult UnknownIncident(string incidentId) =>
        Results.NotFound(new { error = $"unknown incident '{(incidentId.Length > 64 ? incidentId[..64] + "..." : incidentId)}'" });

    private static IDispatchEventSink Resolve(ServiceDescriptor descriptor, IServiceProvider services) =>
        (IDispatchEventSink)(descriptor.ImplementationInstance
            ?? descriptor.ImplementationFactory?.Invoke(services)
            ?? ActivatorUtilities.CreateInstance(services, descriptor.ImplementationType!));

    private static string OutboxPath(WebApplicationBuilder builder, ExportOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.OutboxPath))
        {
            return Path.GetFullPath(options.OutboxPath, builder.Environment.ContentRootPath);
        }

        var storage = builder.Configuration.GetSection(StorageOptions.SectionName).Get<StorageOptions>() ?? new StorageOptions();
        var database = Path.GetFullPath(storage.SqlitePath, builder.Environment.ContentRootPath);
        return Path.Combine(Path.GetDirectoryName(database)!, "exports.db");
    }
}
