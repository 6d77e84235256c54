using Dispatch.Server.City;
using Dispatch.Server.Health;
using Dispatch.Server.Hosting;

var builder = WebApplication.CreateBuilder(args);

builder.AddDispatchOptions();
builder.AddCity();
builder.AddDispatchSilo();
builder.AddDispatchHealth();

var app = builder.Build();

app.MapDispatchHealth();
app.MapCityApi();
app.PrintStartupBanner();

await app.RunWithStartupErrorsReportedAsync();

/// <summary>Entry point, visible to the host's tests.</summary>
public partial class Program;
