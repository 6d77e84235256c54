using Orleans.Storage;

namespace Dispatch.Storage;

/// <summary>Which SQL database the relational provider talks to.</summary>
public enum RelationalDialect
{
    /// <summary>One embedded SQLite file (single host, the default).</summary>
    Sqlite = 0,

    /// <summary>A PostgreSQL server shared by every silo of a cluster.</summary>
    PostgreSql = 1,
}

/// <summary>Where the relational tables live.</summary>
public abstract class RelationalDatabaseOptions
{
    public RelationalDialect Dialect { get; set; } = RelationalDialect.Sqlite;

    /// <summary>
    /// A Microsoft.Data.Sqlite connection string (<c>Data Source=dispatch.db</c>) or an Npgsql one
    /// (<c>Host=...;Database=...;Username=...</c>), matching <see cref="Dialect"/>.
    /// </summary>
    public string? ConnectionString { get; set; }
}

/// <summary>Options of one named relational grain storage provider.</summary>
public sealed class RelationalStorageOptions : RelationalDatabaseOptions, IStorageProviderSerializerOptions
{
    /// <summary>Serializer of grain state; when left null, the silo's default grain storage serializer is used.</summary>
    public IGrainStorageSerializer GrainStorageSerializer { get; set; } = null!;

    /// <summary>
    /// SQLite: writes that arrive together share one transaction and one commit (each in its own savepoint, each
    /// acknowledged only after the commit). Off: one transaction per write. PostgreSQL takes concurrent writers
    /// itself and ignores this.
    /// </summary>
    public bool GroupCommit { get; set; } = true;
}

/// <summary>Options of the relational incident journal.</summary>
public sealed class RelationalJournalOptions : RelationalDatabaseOptions;
