namespace Dispatch.Server.City;

public static class CityApi
{
    public const string GeoJsonContentType = "application/geo+json";

    /// <summary>GET /api/city: the loaded city as GeoJSON (grids, stations, units, cameras).</summary>
    public static IEndpointRouteBuilder MapCityApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/city", (LoadedCity city) => Results.Text(city.GeoJson, GeoJsonContentType))
            .RequireAuthorization(Security.Policies.ViewBoard).WithName("GetCity");
        return endpoints;
    }
}
