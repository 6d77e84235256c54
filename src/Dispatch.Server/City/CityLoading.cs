using Dispatch.Domain.City;

namespace Dispatch.Server.City;

/// <summary>Where the city comes from: a GeoJSON file, or the generated demo city.</summary>
public sealed class CityOptions
{
    public const string SectionName = "Dispatch:City";

    /// <summary>Path of a city GeoJSON file (docs/city-format.md); empty for the demo city.</summary>
    public string? Path { get; set; }

    /// <summary>Seed of the generated demo city, used when <see cref="Path"/> is empty.</summary>
    public int DemoSeed { get; set; } = 7;
}

/// <summary>The city this host serves, with its GeoJSON text rendered once.</summary>
public sealed class LoadedCity(CityModel model, string source)
{
    private readonly Lazy<string> _geoJson = new(() => CityGeoJson.Write(model));

    public CityModel Model { get; } = model;

    /// <summary>"demo (seed 7)" or the file path, for the start-up banner.</summary>
    public string Source { get; } = source;

    public string GeoJson => _geoJson.Value;
}

public static class CityLoading
{
    /// <summary>
    /// Loads the city while the host is built, so a missing or malformed file stops the start
    /// with the file's own error (feature index and reason).
    /// </summary>
    public static WebApplicationBuilder AddCity(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(CityOptions.SectionName).Get<CityOptions>() ?? new CityOptions();
        builder.Services.AddSingleton(Load(options, builder.Environment.ContentRootPath));
        builder.Services.AddSingleton(sp => sp.GetRequiredService<LoadedCity>().Model);
        return builder;
    }

    public static LoadedCity Load(CityOptions options, string contentRoot)
    {
        if (string.IsNullOrWhiteSpace(options.Path))
        {
            return new LoadedCity(DemoCity.Generate(options.DemoSeed), $"demo (seed {options.DemoSeed})");
        }

        var path = System.IO.Path.GetFullPath(options.Path, contentRoot);
        if (!File.Exists(path))
        {
            throw new CityFormatException(-1, $"{CityOptions.SectionName}:Path: no file at '{path}'");
        }

        using var stream = File.OpenRead(path);
        return new LoadedCity(CityGeoJson.Read(stream), path);
    }
}
