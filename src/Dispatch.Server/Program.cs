using Dispatch.Server.Alerts;
using Dispatch.Server.City;
using Dispatch.Server.Coverage;
using Dispatch.Server.EarlyWarning;
using Dispatch.Server.Exports;
using Dispatch.Server.Health;
using Dispatch.Server.Hosting;
using Dispatch.Server.Metrics;
using Dispatch.Server.Live;
using Dispatch.Server.Roads;
using Dispatch.Server.Video;

var builder = WebApplication.CreateBuilder(args);
WebApplication app;
try
{
    builder.AddSettingsBesideTheBinary();
    builder.AddDispatchOptions();
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
    app = builder.Build();
}
catch (Exception ex) when (Startup.IsConfigurationError(ex))
{
    return await Startup.ReportAsync(ex);
}

app.MapDispatchHealth();
app.MapCityApi();
app.MapCameraAlerts();
app.MapDispatchMetrics();
app.MapLive();
app.MapCoverage();
app.MapEarlyWarning();
app.MapIncidentExports();
app.MapVideo();
app.PrintStartupBanner();

return await app.RunWithStartupErrorsReportedAsync();

/// <summary>Entry point, visible to the host's tests.</summary>
public partial class Program;
