namespace Dispatch.Server.Security;

/// <summary>The roles a person or device holds; the names are what accounts, tokens and external providers carry.</summary>
public static class Roles
{
    /// <summary>Command center: watches the board, opens and closes incidents, assigns, accepts move-ups, sends directives.</summary>
    public const string Operator = "operator";

    /// <summary>An operator who also reads the audit log and manages accounts.</summary>
    public const string Supervisor = "supervisor";

    /// <summary>A patrol officer: acts on the terminal hub for the one unit signed onto for the shift.</summary>
    public const string Officer = "officer";

    /// <summary>A read-only wall display.</summary>
    public const string Viewer = "viewer";

    /// <summary>Accounts, gateway credentials, metrics; no operational commands.</summary>
    public const string Admin = "admin";

    /// <summary>A grid worker (网格员): reports grid events from a grid, follows and rates its own reports.</summary>
    public const string GridWorker = "grid-worker";

    /// <summary>A department (城管, 供电...) working its grid events; the account lists "department:&lt;id&gt;" entries among its units.</summary>
    public const string Department = "department";

    /// <summary>A camera gateway, authenticated by its own credential (never held by an account).</summary>
    public const string Gateway = "gateway";

    /// <summary>A Prometheus scraper holding the scrape token (never held by an account).</summary>
    public const string MetricsScraper = "metrics";

    /// <summary>Roles an account may hold.</summary>
    public static readonly IReadOnlyList<string> AccountRoles = [Operator, Supervisor, Officer, Viewer, Admin, GridWorker, Department];
}

/// <summary>Claim types of a Dispatch principal.</summary>
public static class DispatchClaims
{
    public const string Name = "name";
    public const string Role = "role";

    /// <summary>A unit an officer may sign onto: a unit id, "station:&lt;station id&gt;" for every unit of a station, or "*".</summary>
    public const string Unit = "dispatch:unit";

    /// <summary>How the principal authenticated: "password", "token", "oidc", "gateway", "scrape-token".</summary>
    public const string Method = "dispatch:auth";

    public const string AnyUnit = "*";
    public const string StationPrefix = "station:";
}

/// <summary>Authorization policy names: every hub method, endpoint and gRPC method names one of these.</summary>
public static class Policies
{
    /// <summary>Read the board: the map, incidents, alerts and snapshots, cameras, coverage, the city (viewer, operator, supervisor, admin).</summary>
    public const string ViewBoard = "view-board";

    /// <summary>Change the operational picture: incidents, assignments, alerts, directives, move-ups, camera approvals (operator, supervisor).</summary>
    public const string Command = "command";

    /// <summary>
    /// Watch cameras live and play alerts' clips (operator, supervisor, viewer, officer). The video endpoints narrow it:
    /// a viewer only where Dispatch:Video:ViewersMayWatch allows, an officer only its own unit's incident cameras and no clips.
    /// </summary>
    public const string WatchVideo = "watch-video";

    /// <summary>Read the audit log (supervisor, admin).</summary>
    public const string ReadAudit = "read-audit";

    /// <summary>Read failed webhook deliveries and put them back in line (supervisor, admin).</summary>
    public const string ManageExports = "manage-exports";

    /// <summary>Create and unlock accounts (supervisor, admin).</summary>
    public const string ManageAccounts = "manage-accounts";

    /// <summary>Grant the admin role to an account (admin).</summary>
    public const string GrantAdmin = "grant-admin";

    /// <summary>Create gateways and rotate their credentials (admin).</summary>
    public const string ManageGateways = "manage-gateways";

    /// <summary>Use the terminal hub (officer); acting for a unit additionally needs <see cref="ActForUnit"/>.</summary>
    public const string Terminal = "terminal";

    /// <summary>Resource policy: the officer may sign onto the unit (its id is the resource).</summary>
    public const string ActForUnit = "act-for-unit";

    /// <summary>Deliver alerts and heartbeats (a gateway; its cameras are checked per camera).</summary>
    public const string Gateway = "gateway";

    /// <summary>Scrape /metrics (the scrape token, or admin).</summary>
    public const string Metrics = "metrics";

    /// <summary>gRPC server reflection: any authenticated principal (a gateway or a person).</summary>
    public const string Authenticated = "authenticated";

    /// <summary>Rate one's own grid event reports (grid-worker).</summary>
    public const string GridWorker = "grid-worker";

    /// <summary>Report grid events (grid-worker, operator, supervisor).</summary>
    public const string ReportGridEvents = "report-grid-events";

    /// <summary>Read grid events, each scoped in the handler: all (viewer, operator, supervisor), a department's (department), one's own (grid-worker).</summary>
    public const string ReadGridEvents = "read-grid-events";

    /// <summary>Take grid events through their steps: the command centre all steps, a department its own queue's (department, operator, supervisor).</summary>
    public const string WorkGridEvents = "work-grid-events";
}
