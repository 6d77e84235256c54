using System.Globalization;
using Dispatch.Domain.City;

namespace Dispatch.Domain.GridEvents;

/// <summary>A department that works grid events (城管, 供电, 水务...).</summary>
public sealed class GridEventDepartment
{
    public string Name { get; set; } = "";

    public string? NameEn { get; set; }
}

/// <summary>A kind of grid event: its names, the department it goes to and its time limit.</summary>
public sealed class GridEventCategory
{
    public string Name { get; set; } = "";

    public string? NameEn { get; set; }

    /// <summary>The department it goes to unless a route says otherwise.</summary>
    public string Department { get; set; } = "";

    /// <summary>Hours from the report within which it must be resolved (the SLA); past them it is escalated to the district.</summary>
    public double SlaHours { get; set; } = 24;
}

/// <summary>An exception to the categories' departments: a category (or "*") in some grids or districts goes elsewhere.</summary>
public sealed class GridEventRoute
{
    /// <summary>A category id, or "*" for every category.</summary>
    public string Category { get; set; } = "*";

    /// <summary>Grid ids the route covers (empty: any grid, unless <see cref="Districts"/> says).</summary>
    public List<string> Grids { get; set; } = [];

    /// <summary>District ids the route covers (empty: any district, unless <see cref="Grids"/> says).</summary>
    public List<string> Districts { get; set; } = [];

    public string Department { get; set; } = "";

    public bool Covers(string category, string gridId, string districtId) =>
        (Category == "*" || Category == category)
        && (Grids.Count == 0 && Districts.Count == 0 || Grids.Contains(gridId) || Districts.Contains(districtId));
}

/// <summary>Where a grid event goes: the department, why, and its time limit.</summary>
public sealed record GridEventRouting(string Department, string Reason, TimeSpan Sla);

/// <summary>
/// The departments, the categories and the routing exceptions (appsettings "Dispatch:GridEvents"). The defaults are
/// a Chinese city's usual split; configuration adds to them or replaces entries by id. Routing: the first route in
/// order that covers the event's category and grid (or district) decides the department, else the category's own.
/// </summary>
public class GridEventCatalog
{
    public const int MaxIdLength = 64;

    public Dictionary<string, GridEventDepartment> Departments { get; } = new(StringComparer.Ordinal)
    {
        ["police"] = new() { Name = "公安", NameEn = "Police" },
        ["traffic"] = new() { Name = "交警", NameEn = "Traffic police" },
        ["city-management"] = new() { Name = "城管", NameEn = "City management" },
        ["water"] = new() { Name = "水务", NameEn = "Water" },
        ["power"] = new() { Name = "供电", NameEn = "Power" },
        ["environment"] = new() { Name = "生态环境", NameEn = "Environment" },
        ["housing"] = new() { Name = "住建", NameEn = "Housing and construction" },
        ["petitions"] = new() { Name = "信访", NameEn = "Petitions" },
        ["community"] = new() { Name = "社区", NameEn = "Community office" },
    };

    public Dictionary<string, GridEventCategory> Categories { get; } = new(StringComparer.Ordinal)
    {
        ["dispute"] = new() { Name = "矛盾纠纷", NameEn = "Dispute between neighbours", Department = "community", SlaHours = 24 },
        ["hazard"] = new() { Name = "安全隐患", NameEn = "Safety hazard", Department = "housing", SlaHours = 24 },
        ["street-light"] = new() { Name = "路灯损坏", NameEn = "Broken street light", Department = "power", SlaHours = 48 },
        ["illegal-parking"] = new() { Name = "违章停车", NameEn = "Illegal parking", Department = "traffic", SlaHours = 4 },
        ["suspicious-person"] = new() { Name = "可疑人员", NameEn = "Suspicious person", Department = "police", SlaHours = 2 },
        ["water-leak"] = new() { Name = "供水漏水", NameEn = "Water leak", Department = "water", SlaHours = 12 },
        ["rubbish"] = new() { Name = "垃圾堆放", NameEn = "Rubbish dumped", Department = "city-management", SlaHours = 24 },
        ["noise"] = new() { Name = "噪音扰民", NameEn = "Noise", Department = "environment", SlaHours = 24 },
        ["petition"] = new() { Name = "信访诉求", NameEn = "Petition", Department = "petitions", SlaHours = 72 },
        ["other"] = new() { Name = "其他", NameEn = "Other", Department = "community", SlaHours = 72 },
    };

    public List<GridEventRoute> Routes { get; set; } = [];

    /// <summary>The department, reason and SLA of a new event; null when the category is unknown.</summary>
    public GridEventRouting? Route(string category, string gridId, string districtId)
    {
        if (!Categories.TryGetValue(category, out var kind))
        {
            return null;
        }

        var sla = TimeSpan.FromHours(kind.SlaHours);
        for (var i = 0; i < Routes.Count; i++)
        {
            if (Routes[i].Covers(category, gridId, districtId))
            {
                return new GridEventRouting(Routes[i].Department, string.Create(CultureInfo.InvariantCulture,
                    $"route {i} ({Routes[i].Category} in {(Routes[i].Grids.Contains(gridId) ? $"grid {gridId}" : Routes[i].Districts.Contains(districtId) ? $"district {districtId}" : "any grid")})"), sla);
            }
        }

        return new GridEventRouting(kind.Department, $"category {category}", sla);
    }

    /// <summary>Every fault, each naming its key under <paramref name="prefix"/> (e.g. "Dispatch:GridEvents:"); grids and districts are checked against <paramref name="city"/> when given.</summary>
    public IReadOnlyList<string> ValidateCatalog(string prefix, CityModel? city)
    {
        var errors = new List<string>();
        if (Departments.Count == 0)
        {
            errors.Add($"{prefix}Departments must name at least one department");
        }

        foreach (var (id, department) in Departments)
        {
            if (CheckId(id) is { } bad)
            {
                errors.Add($"{prefix}Departments:{id}: {bad}");
            }

            if (string.IsNullOrWhiteSpace(department?.Name))
            {
                errors.Add($"{prefix}Departments:{id}:Name must not be empty");
            }
        }

        if (Categories.Count == 0)
        {
            errors.Add($"{prefix}Categories must name at least one category");
        }

        foreach (var (id, category) in Categories)
        {
            if (CheckId(id) is { } bad)
            {
                errors.Add($"{prefix}Categories:{id}: {bad}");
            }

            if (category is null || string.IsNullOrWhiteSpace(category.Name))
            {
                errors.Add($"{prefix}Categories:{id}:Name must not be empty");
                continue;
            }

            if (!Departments.ContainsKey(category.Department))
            {
                errors.Add($"{prefix}Categories:{id}:Department '{category.Department}' is not one of the departments ({string.Join(", ", Departments.Keys.Order(StringComparer.Ordinal))})");
            }

            if (!double.IsFinite(category.SlaHours) || category.SlaHours is <= 0 or > 24 * 365)
            {
                errors.Add(string.Create(CultureInfo.InvariantCulture, $"{prefix}Categories:{id}:SlaHours must be within (0, 8760], got {category.SlaHours}"));
            }
        }

        for (var i = 0; i < Routes.Count; i++)
        {
            var route = Routes[i];
            var key = string.Create(CultureInfo.InvariantCulture, $"{prefix}Routes:{i}");
            if (route is null)
            {
                errors.Add($"{key} must not be empty");
                continue;
            }

            if (route.Category != "*" && !Categories.ContainsKey(route.Category))
            {
                errors.Add($"{key}:Category '{route.Category}' is not a category (or \"*\")");
            }

            if (!Departments.ContainsKey(route.Department))
            {
                errors.Add($"{key}:Department '{route.Department}' is not one of the departments");
            }

            if (city is not null)
            {
                foreach (var grid in route.Grids.Where(g => city.Grids.All(x => x.Id != g)))
                {
                    errors.Add($"{key}:Grids names unknown grid '{grid}'");
                }

                foreach (var district in route.Districts.Where(d => city.FindDistrict(d) is null))
                {
                    errors.Add($"{key}:Districts names unknown district '{district}'");
                }
            }
        }

        return errors;
    }

    /// <summary>Null when <paramref name="id"/> may be a department or category id (it appears in URLs and accounts).</summary>
    public static string? CheckId(string? id) =>
        string.IsNullOrWhiteSpace(id) || id.Length > MaxIdLength || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')
            ? $"id '{id}' must be 1..{MaxIdLength} ASCII letters, digits, '-' or '_'"
            : null;
}
