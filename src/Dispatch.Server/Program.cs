using Dispatch.Server.Alerts;
using Dispatch.Server.ApiDocument;
using Dispatch.Server.Basemap;
using Dispatch.Server.City;
using Dispatch.Server.Coverage;
using Dispatch.Server.EarlyWarning;
using Dispatch.Server.Exports;
using Dispatch.Server.GridEvents;
using Dispatch.Server.Health;
using Dispatch.Server.Hosting;
using Dispatch.Server.Incidents;
using Dispatch.Server.Metrics;
using Dispatch.Server.Live;
using Dispatch.Server.Roads;
using Dispatch.Server.Security;
using Dispatch.Server.Video;

var builder = WebApplication.CreateBuilder(args);
WebApplication app;
try
{
    builder.AddSettingsBesideTheBinary();
    builder.AddDispatchOptions();
    builder.AddDispatchSecurity();
    builder.AddDispatchTls();
    builder.AddCity();
    builder.AddRoads();
    builder.AddDispatchSilo();
    builder.AddDispatchGrains();
    builder.AddDispatchHealth();
    builder.AddCameraAlerts();
    builder.AddDispatchMetrics();
    builder.AddLive();
    builder.AddCoverage();
    builder.AddEarlyWarning();
    builder.AddIncidentExports(); // after AddLive: wraps its event sink
    builder.AddVideo();
    builder.AddBasemap();
    builder.AddApiDocument();
    builder.AddGridEvents();
    app = builder.Build();
}
catch (Exception ex) when (Startup.IsConfigurationError(ex))
{
    return await Startup.ReportAsync(ex);
}

app.UseDispatchSecurity();
app.MapDispatchHealth();
app.MapAuthApi();
app.MapAdminApi();
app.MapCityApi();
app.MapCameraAlerts();
app.MapDispatchMetrics();
app.MapLive();
app.MapCoverage();
app.MapEarlyWarning();
app.MapIncidentExports();
app.MapVideo();
app.MapIncidentsApi();
app.MapBasemap();
app.MapGridEvents();
app.MapApiDocument();
// Started callbacks run last-registered first: the banner, then the security lines, then how to stop.
app.PrintStopHint();
app.PrintSecurityBanner();
app.PrintStartupBanner();

return await app.RunWithStartupErrorsReportedAsync();

/// <summary>Entry point, visible to the host's tests.</summary>
public partial class Program;
