using System.Net;
using System.Text.Json;
using Dispatch.Server.Tests.Live;
using Dispatch.Testing;
using Microsoft.Data.Sqlite;

namespace Dispatch.Server.Tests.Basemap;

/// <summary>Background tiles from an MBTiles file (Dispatch:Basemap:TileFile), served by the real host beneath the roads.</summary>
public sealed class BackgroundTilesTests
{
    // A 1x1 PNG: what a tile is does not matter here, only that the same bytes come back as PNG.
    private static readonly byte[] Png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==");

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_tile_of_the_mbtiles_file_is_served_by_its_slippy_address_and_a_missing_one_is_404()
    {
        using var folder = new TempDirectory("dispatch-mbtiles");
        var file = folder.File("city.mbtiles");
        await using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Pooling = false }.ToString()))
        {
            await connection.OpenAsync(Cancel);
            await using var command = connection.CreateCommand();

            // MBTiles numbers rows from the south (TMS): slippy row 5 at zoom 4 is row 16 - 1 - 5 = 10.
            command.CommandText = """
                CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);
                INSERT INTO tiles VALUES (4, 13, 10, $png);
                """;
            command.Parameters.AddWithValue("$png", Png);
            await command.ExecuteNonQueryAsync(Cancel);
        }

        using var cluster = new LiveCluster(grids: 1);
        await using var host = LiveTestHost.StartPrimary(cluster, new Dictionary<string, string?>
        {
            ["Dispatch:Basemap:TileFile"] = file,
            ["Dispatch:Basemap:TileAttribution"] = "tiles: test",
        });
        using var http = TestAccounts.Http(host.BaseAddress, TestAccounts.Officer);

        var info = JsonDocument.Parse(await http.GetStringAsync("/api/basemap", Cancel)).RootElement;
        using var tile = await http.GetAsync("/api/basemap/background/4/13/5", Cancel);
        using var missing = await http.GetAsync("/api/basemap/background/4/13/6", Cancel);

        Assert.Equal("/api/basemap/background/{z}/{x}/{y}", info.GetProperty("background").GetProperty("tileUrl").GetString());
        Assert.Equal("tiles: test", info.GetProperty("background").GetProperty("attribution").GetString());
        Assert.Equal(HttpStatusCode.OK, tile.StatusCode);
        Assert.Equal("image/png", tile.Content.Headers.ContentType?.MediaType);
        Assert.Equal(Png, await tile.Content.ReadAsByteArrayAsync(Cancel));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }
}
