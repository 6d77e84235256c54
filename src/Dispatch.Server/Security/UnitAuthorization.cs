using Dispatch.Domain.City;
using Microsoft.AspNetCore.Authorization;

namespace Dispatch.Server.Security;

/// <summary>The officer may act for the unit given as the resource.</summary>
public sealed class UnitRequirement : IAuthorizationRequirement;

/// <summary>
/// Which units an officer may sign onto: the account's (or token's) unit claims name unit ids, "station:&lt;id&gt;" for
/// every unit of a station, or "*" for all (a shared test or training terminal).
/// </summary>
public sealed class UnitAuthorizationHandler(CityModel city) : AuthorizationHandler<UnitRequirement, string>
{
    private readonly Dictionary<string, string> _stationOfUnit = city.Units.ToDictionary(u => u.Id, u => u.HomeStationId, StringComparer.Ordinal);

    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, UnitRequirement requirement, string resource)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!context.User.IsInRole(Roles.Officer) || !_stationOfUnit.TryGetValue(resource, out var station))
        {
            return Task.CompletedTask;
        }

        foreach (var claim in context.User.FindAll(DispatchClaims.Unit))
        {
            if (claim.Value == DispatchClaims.AnyUnit || claim.Value == resource
                || (claim.Value.StartsWith(DispatchClaims.StationPrefix, StringComparison.Ordinal) && claim.Value.AsSpan(DispatchClaims.StationPrefix.Length).SequenceEqual(station)))
            {
                context.Succeed(requirement);
                break;
            }
        }

        return Task.CompletedTask;
    }
}
