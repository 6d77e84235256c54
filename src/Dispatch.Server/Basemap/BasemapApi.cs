using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Dispatch.Domain.Roads;
using Dispatch.Server.Incidents;
using Dispatch.Server.Roads;
using Dispatch.Server.Security;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Dispatch.Server.Basemap;

/// <summary>
/// The map's background (appsettings "Dispatch:Basemap"). By default the pages draw the loaded road network as the
/// basemap, offline. A site with map tiles of its own adds them beneath: raster tiles from a URL template
/// (<see cref="TileUrl"/>) or from an MBTiles file the host serves (<see cref="TileFile"/>).
/// </summary>
public sealed class BasemapOptions
{
    public const string SectionName = "Dispatch:Basemap";

    /// <summary>Draw the road network (by class, with street names). On by default.</summary>
    public bool Roads { get; set; } = true;

    /// <summary>Raster tiles from a URL template with {z}, {x}, {y} (and optionally {s}), e.g. a local tile server; empty for none.</summary>
    public string? TileUrl { get; set; }

    /// <summary>Raster tiles from an MBTiles file (PNG, JPEG or WebP tiles), relative to the content root; empty for none.</summary>
    public string? TileFile { get; set; }

    /// <summary>Credit shown for the tiles (their licence usually asks for it).</summary>
    public string? TileAttribution { get; set; }

    /// <summary>Deepest zoom the tiles have; the pages zoom further by scaling them.</summary>
    public int TileMaxZoom { get; set; } = 19;

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!string.IsNullOrWhiteSpace(TileUrl) && !string.IsNullOrWhiteSpace(TileFile))
        {
            errors.Add($"{SectionName}: set TileUrl or TileFile, not both");
        }

        if (!string.IsNullOrWhiteSpace(TileUrl))
        {
            var usable = TileUrl.Contains("{z}", StringComparison.Ordinal) && TileUrl.Contains("{x}", StringComparison.Ordinal) && TileUrl.Contains("{y}", StringComparison.Ordinal)
                && (TileUrl.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || TileUrl.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || TileUrl.StartsWith('/'));
            if (!usable)
            {
                errors.Add($"{SectionName}:TileUrl must be an http(s) or host-relative URL with {{z}}, {{x}} and {{y}}, got '{TileUrl}'");
            }
        }

        if (TileMaxZoom is < 1 or > RoadTiles.MaxZoom)
        {
            errors.Add($"{SectionName}:TileMaxZoom must be within 1..{RoadTiles.MaxZoom}, got {TileMaxZoom}");
        }

        return errors;
    }
}

/// <summary>What a page needs to set up its basemap (GET /api/basemap).</summary>
public sealed record BasemapInfo(RoadLayerInfo? Roads, BackgroundTilesInfo? Background);

/// <summary>The road layer: its tile URL template, the zooms it has, the network's bounds [south, west, north, east].</summary>
public sealed record RoadLayerInfo(string TileUrl, int MinZoom, int MaxZoom, IReadOnlyList<double> Bounds, int Lines, string Source);

/// <summary>Background raster tiles.</summary>
public sealed record BackgroundTilesInfo(string Kind, string TileUrl, int MaxZoom, string? Attribution);

/// <summary>
/// Serves the basemap: the road network cut into tiles (<see cref="RoadTiles"/>) as compact JSON, each cut once and
/// kept, and background tiles from an MBTiles file when one is configured.
/// </summary>
public sealed class BasemapDesk
{
    /// <summary>Tiles kept in memory before the cache starts over (a city at every zoom is a few thousand).</summary>
    private const int MaxCachedTiles = 20_000;

    private static readonly string[] ClassNames = [.. Enum.GetValues<RoadClass>().Select(RoadClasses.ToHighwayTag)];

    private readonly Lazy<RoadTiles?> _tiles;
    private readonly ConcurrentDictionary<(int, int, int), byte[]> _cache = new();
    private readonly string? _tileFile;

    public BasemapDesk(LoadedRoads roads, IOptions<BasemapOptions> options, IWebHostEnvironment environment)
    {
        Options = options.Value;
        Source = roads.Source;
        _tiles = new(() => Options.Roads && roads.Roads.Count > 0 ? new RoadTiles(roads.Roads) : null);
        _tileFile = string.IsNullOrWhiteSpace(Options.TileFile) ? null : Path.GetFullPath(Options.TileFile, environment.ContentRootPath);
    }

    public BasemapOptions Options { get; }

    public string Source { get; }

    public RoadTiles? Tiles => _tiles.Value;

    public BasemapInfo Info()
    {
        RoadLayerInfo? roads = null;
        if (Tiles is { Bounds: { } b } tiles)
        {
            roads = new RoadLayerInfo(BasemapApi.RoadTilePath, 0, RoadTiles.MaxZoom, [b.South, b.West, b.North, b.East], tiles.LineCount, Source);
        }

        BackgroundTilesInfo? background = null;
        if (!string.IsNullOrWhiteSpace(Options.TileUrl))
        {
            background = new BackgroundTilesInfo("raster", Options.TileUrl, Options.TileMaxZoom, Options.TileAttribution);
        }
        else if (_tileFile is not null)
        {
            background = new BackgroundTilesInfo("raster", BasemapApi.BackgroundTilePath, Options.TileMaxZoom, Options.TileAttribution);
        }

        return new BasemapInfo(roads, background);
    }

    /// <summary>The road tile as JSON: {"z","x","y","extent","classes":[...],"names":[[name,nameEn]...],"lines":[[class,name,x0,y0,x1,y1,...]...]}.</summary>
    public byte[] RoadTileJson(int z, int x, int y)
    {
        if (_cache.TryGetValue((z, x, y), out var cached))
        {
            return cached;
        }

        var tile = Tiles!.Tile(z, x, y);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteNumber("z", z);
            writer.WriteNumber("x", x);
            writer.WriteNumber("y", y);
            writer.WriteNumber("extent", RoadTiles.Extent);
            writer.WriteStartArray("classes");
            foreach (var name in ClassNames)
            {
                writer.WriteStringValue(name);
            }

            writer.WriteEndArray();
            writer.WriteStartArray("names");
            foreach (var (name, nameEn) in tile.Names)
            {
                writer.WriteStartArray();
                writer.WriteStringValue(name);
                if (nameEn is null)
                {
                    writer.WriteNullValue();
                }
                else
                {
                    writer.WriteStringValue(nameEn);
                }

                writer.WriteEndArray();
            }

            writer.WriteEndArray();
            writer.WriteStartArray("lines");
            foreach (var line in tile.Lines)
            {
                writer.WriteStartArray();
                writer.WriteNumberValue((int)line.Class);
                writer.WriteNumberValue(line.Name);
                foreach (var v in line.Points)
                {
                    writer.WriteNumberValue(v);
                }

                writer.WriteEndArray();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        var bytes = buffer.ToArray();
        if (_cache.Count >= MaxCachedTiles)
        {
            _cache.Clear();
        }

        _cache[(z, x, y)] = bytes;
        return bytes;
    }

    /// <summary>A background tile from the MBTiles file (which numbers rows from the south), or null when it has none there.</summary>
    public async Task<(byte[] Data, string ContentType)?> BackgroundTileAsync(int z, int x, int y, CancellationToken cancellationToken)
    {
        if (_tileFile is null || !File.Exists(_tileFile))
        {
            return null;
        }

        var builder = new SqliteConnectionStringBuilder { DataSource = _tileFile, Mode = SqliteOpenMode.ReadOnly };
        await using var connection = new SqliteConnection(builder.ToString());
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT tile_data FROM tiles WHERE zoom_level = $z AND tile_column = $x AND tile_row = $y";
        command.Parameters.AddWithValue("$z", z);
        command.Parameters.AddWithValue("$x", x);
        command.Parameters.AddWithValue("$y", (1 << z) - 1 - y);
        if (await command.ExecuteScalarAsync(cancellationToken) is not byte[] data || data.Length == 0)
        {
            return null;
        }

        return (data, ImageType(data));
    }

    private static string ImageType(byte[] data) =>
        data.Length > 3 && data[0] == 0x89 && data[1] == 'P' ? "image/png"
        : data.Length > 2 && data[0] == 0xFF && data[1] == 0xD8 ? "image/jpeg"
        : data.Length > 11 && Encoding.ASCII.GetString(data, 8, 4) == "WEBP" ? "image/webp"
        : "application/octet-stream";
}

public static class BasemapApi
{
    public const string RoadTilePath = "/api/basemap/roads/{z}/{x}/{y}";
    public const string BackgroundTilePath = "/api/basemap/background/{z}/{x}/{y}";

    public static WebApplicationBuilder AddBasemap(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(BasemapOptions.SectionName).Get<BasemapOptions>() ?? new BasemapOptions();
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(BasemapOptions.SectionName, typeof(BasemapOptions), errors);
        }

        builder.Services.AddSingleton(Microsoft.Extensions.Options.Options.Create(options));
        builder.Services.AddSingleton<BasemapDesk>();
        return builder;
    }

    /// <summary>
    /// GET /api/basemap (what to draw), GET /api/basemap/roads/{z}/{x}/{y} (a road tile, JSON), GET /api/basemap/background/{z}/{x}/{y}
    /// (a tile of the configured MBTiles file). A bad tile address answers 400 naming the value; no road network 404.
    /// </summary>
    public static WebApplication MapBasemap(this WebApplication app)
    {
        // Cut the low zooms while the host starts, so the first page does not wait for them.
        app.Lifetime.ApplicationStarted.Register(() => Task.Run(() => app.Services.GetRequiredService<BasemapDesk>().Tiles));

        app.MapGet("/api/basemap", (BasemapDesk desk) => Results.Ok(desk.Info()))
            .RequireAuthorization(Policies.Authenticated).WithName("GetBasemap")
            .WithSummary("What the pages draw beneath the city: road tiles and optional background tiles")
            .Produces<BasemapInfo>();

        app.MapGet("/api/basemap/roads/{z}/{x}/{y}", (string z, string x, string y, BasemapDesk desk, HttpContext http) =>
            {
                var (address, error) = ParseAddress(z, x, y);
                if (error is not null)
                {
                    return Results.BadRequest(new ApiError(error));
                }

                if (desk.Tiles is null)
                {
                    return Results.NotFound(new ApiError("no road network is drawn: none is loaded, or Dispatch:Basemap:Roads is false"));
                }

                // The network never changes while the host runs: a page may keep a tile for an hour.
                http.Response.Headers.CacheControl = "public, max-age=3600";
                return Results.Bytes(desk.RoadTileJson(address.Z, address.X, address.Y), "application/json");
            })
            .RequireAuthorization(Policies.Authenticated).WithName("GetRoadTile")
            .WithSummary("The road network in one Web Mercator tile: lines by class in tile units (0..512), with street names")
            .Produces(StatusCodes.Status200OK, contentType: "application/json")
            .Produces<ApiError>(StatusCodes.Status400BadRequest)
            .Produces<ApiError>(StatusCodes.Status404NotFound);

        app.MapGet("/api/basemap/background/{z}/{x}/{y}", async (string z, string x, string y, BasemapDesk desk, HttpContext http, CancellationToken cancellationToken) =>
            {
                var (address, error) = ParseAddress(z, x, y);
                if (error is not null)
                {
                    return Results.BadRequest(new ApiError(error));
                }

                var tile = await desk.BackgroundTileAsync(address.Z, address.X, address.Y, cancellationToken);
                if (tile is not { } found)
                {
                    return Results.NotFound(new ApiError($"no background tile {address.Z}/{address.X}/{address.Y}"));
                }

                http.Response.Headers.CacheControl = "public, max-age=86400";
                return Results.Bytes(found.Data, found.ContentType);
            })
            .RequireAuthorization(Policies.Authenticated).WithName("GetBackgroundTile")
            .WithSummary("A raster tile of the configured MBTiles file (Dispatch:Basemap:TileFile)")
            .Produces(StatusCodes.Status200OK, contentType: "image/png")
            .Produces<ApiError>(StatusCodes.Status400BadRequest)
            .Produces<ApiError>(StatusCodes.Status404NotFound);
        return app;
    }

    private static ((int Z, int X, int Y) Address, string? Error) ParseAddress(string z, string x, string y)
    {
        static bool Whole(string text, out int value) => int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
        var yText = y.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? y[..^5] : y.EndsWith(".png", StringComparison.OrdinalIgnoreCase) ? y[..^4] : y;
        if (!Whole(z, out var zoom))
        {
            return (default, $"zoom must be a whole number, got '{Short(z)}'");
        }

        if (!Whole(x, out var column))
        {
            return (default, $"x must be a whole number, got '{Short(x)}'");
        }

        if (!Whole(yText, out var row))
        {
            return (default, $"y must be a whole number, got '{Short(y)}'");
        }

        return ((zoom, column, row), RoadTiles.Validate(zoom, column, row));
    }

    private static string Short(string text) => text.Length <= 32 ? text : text[..32] + "...";
}
