using Dispatch.Server.City;
using Dispatch.Server.Health;
using Dispatch.Server.Hosting;
using Dispatch.Server.Live;

var builder = WebApplication.CreateBuilder(args);
WebApplication app;
try
{
    builder.AddSettingsBesideTheBinary();
    builder.AddDispatchOptions();
    builder.AddCity();
    builder.AddDispatchSilo();
    builder.AddDispatchGrains();
    builder.AddDispatchHealth();
    builder.AddLive();
    app = builder.Build();
}
catch (Exception ex) when (Startup.IsConfigurationError(ex))
{
    return await Startup.ReportAsync(ex);
}

app.MapDispatchHealth();
app.MapCityApi();
app.MapLive();
app.PrintStartupBanner();

return await app.RunWithStartupErrorsReportedAsync();

/// <summary>Entry point, visible to the host's tests.</summary>
public partial class Program;
