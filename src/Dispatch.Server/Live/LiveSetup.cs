using System.Text.Json.Serialization;
using Dispatch.Server.Alerts;
using Dispatch.Server.Units;

namespace Dispatch.Server.Live;

public static class LiveSetup
{
    /// <summary>SignalR hubs, the host's live board and its one observer, the publishing filter on the silo.</summary>
    public static WebApplicationBuilder AddLive(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<LiveOptions>().Bind(builder.Configuration.GetSection(LiveOptions.SectionName));
        services.AddSignalR()
            .AddJsonProtocol(o => o.PayloadSerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        services.AddSingleton<LiveBoard>();
        services.AddSingleton<OperationsAudience>();
        services.AddSingleton<LiveHostObserver>();
        services.AddSingleton<LiveHostService>();
        services.AddHostedService(sp => sp.GetRequiredService<LiveHostService>());
        services.AddSingleton<AlertDesk>();
        services.AddSingleton<DirectiveDesk>();
        services.AddSingleton(TimeProvider.System);
        builder.UseOrleans(silo => silo.AddIncomingGrainCallFilter<LivePublishingFilter>());
        return builder;
    }

    /// <summary>The hubs, the operator page at / and the patrol terminal at /terminal (static files bundled at build time).</summary>
    public static WebApplication MapLive(this WebApplication app)
    {
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.MapGet("/terminal", () => Results.Redirect("/terminal.html"));
        app.MapHub<OperationsHub>(OperationsHub.Path);
        app.MapHub<TerminalHub>(TerminalHub.Path);
        app.MapAlertApi();
        return app;
    }
}
