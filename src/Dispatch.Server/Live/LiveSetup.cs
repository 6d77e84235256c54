using System.Text.Json.Serialization;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;
using Dispatch.Grains.Hosting;
using Dispatch.Server.Security;
using Dispatch.Server.Units;
using Microsoft.AspNetCore.SignalR.Protocol;

namespace Dispatch.Server.Live;

public static class LiveSetup
{
    /// <summary>SignalR hubs, the host's live board and its one observer, the publishing filter on the silo.</summary>
    public static WebApplicationBuilder AddLive(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<LiveOptions>().Bind(builder.Configuration.GetSection(LiveOptions.SectionName));
        services.AddSignalR()
            .AddJsonProtocol(o =>
            {
                o.PayloadSerializerOptions.Converters.Add(new JsonStringEnumConverter());

                // "NaN" and "Infinity" reach the hub, which refuses them by name, instead of failing in binding.
                o.PayloadSerializerOptions.NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals;
            });
        // Calls that cannot be bound to their method are answered naming the argument (see NamingHubProtocol).
        services.RemoveAll<IHubProtocol>();
        services.AddSingleton<IHubProtocol, NamingHubProtocol>();
        services.AddSingleton<TerminalSignOns>();
        services.AddSingleton<LiveBoard>();
        services.AddSingleton<OperationsAudience>();
        services.AddSingleton<LiveRelay>();
        services.AddSingleton<LiveHostObserver>();
        services.AddSingleton<LiveHostService>();
        services.AddHostedService(sp => sp.GetRequiredService<LiveHostService>());
        services.AddSingleton<DirectiveDesk>();
        services.AddSingleton<TerminalRoutes>();
        services.AddOptions<PositionIntakeOptions>().Bind(builder.Configuration.GetSection(PositionIntakeOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<PositionIntakeOptions>>(new PositionOptionsValidation());
        services.AddSingleton<PositionIntake>();
        services.AddHostedService(sp => sp.GetRequiredService<PositionIntake>());
        services.TryAddSingleton(TimeProvider.System);
        services.Replace(ServiceDescriptor.Singleton<IDispatchEventSink, LiveEventSink>());
        return builder;
    }

    /// <summary>The hubs, the operator page at / and the patrol terminal at /terminal (static files bundled at build time).</summary>
    public static WebApplication MapLive(this WebApplication app)
    {
        var pages = new PhysicalFileProvider(FindWebRoot(app.Environment));
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = pages });
        app.UseStaticFiles(new StaticFileOptions { FileProvider = pages });
        app.MapGet("/terminal", () => Results.Redirect("/terminal.html")).RequireAuthorization(Policies.Authenticated).WithName("TerminalPage");

        // A connection ends when its cookie or token does: an idle page session cannot live on in an open websocket.
        app.MapHub<OperationsHub>(OperationsHub.Path, o => o.CloseOnAuthenticationExpiration = true);
        app.MapHub<TerminalHub>(TerminalHub.Path, o => o.CloseOnAuthenticationExpiration = true);
        return app;
    }

    private sealed class PositionOptionsValidation : IValidateOptions<PositionIntakeOptions>
    {
        public ValidateOptionsResult Validate(string? name, PositionIntakeOptions options)
        {
            var errors = options.Validate();
            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }
    }

    /// <summary>
    /// The pages beside the sources (dotnet run, tests) or beside the binary (./dispatch.sh run starts the
    /// built binary from the repository root; a container runs the published output).
    /// </summary>
    private static string FindWebRoot(IWebHostEnvironment environment)
    {
        string?[] candidates = [environment.WebRootPath, Path.Combine(environment.ContentRootPath, "wwwroot"), Path.Combine(AppContext.BaseDirectory, "wwwroot")];
        return candidates.FirstOrDefault(c => c is not null && File.Exists(Path.Combine(c, "index.html")))
            ?? Path.Combine(AppContext.BaseDirectory, "wwwroot");
    }
}
