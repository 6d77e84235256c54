using Microsoft.OpenApi;

namespace Dispatch.Server.ApiDocument;

/// <summary>The HTTP API described as an OpenAPI document, by ASP.NET Core's own OpenAPI support.</summary>
public static class ApiDocumentSetup
{
    public const string DocumentName = "v1";

    /// <summary>Where the document is served.</summary>
    public const string Path = "/openapi/v1.json";

    public static WebApplicationBuilder AddApiDocument(this WebApplicationBuilder builder)
    {
        builder.Services.AddOpenApi(DocumentName, options => options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "Dispatch HTTP API",
                Version = "v1",
                Description = "Incidents, alerts and snapshots, cameras, coverage, early warning, exports and the basemap of the Dispatch host. "
                    + "Live updates travel over SignalR (/hubs/operations, /hubs/terminal); camera gateways use gRPC (protos/dispatch/v1).",
            };
            return Task.CompletedTask;
        }));
        return builder;
    }

    /// <summary>GET /openapi/v1.json.</summary>
    public static WebApplication MapApiDocument(this WebApplication app)
    {
        // The document describes the API to anyone who may call it: signed in, whatever the role.
        app.MapOpenApi("/openapi/{documentName}.json").RequireAuthorization(Security.Policies.Authenticated);
        return app;
    }
}
