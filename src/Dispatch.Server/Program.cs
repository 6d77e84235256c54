using Dispatch.Server.City;
using Dispatch.Server.Health;
using Dispatch.Server.Hosting;
using Dispatch.Server.Live;

var builder = WebApplication.CreateBuilder(args);

builder.AddDispatchOptions();
builder.AddCity();
builder.AddDispatchSilo();
builder.AddDispatchGrains();
builder.AddDispatchHealth();
builder.AddLive();

var app = builder.Build();

app.MapDispatchHealth();
app.MapCityApi();
app.MapLive();
app.PrintStartupBanner();

await app.RunWithStartupErrorsReportedAsync();

/// <summary>Entry point, visible to the host's tests.</summary>
public partial class Program;
