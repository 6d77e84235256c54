using System.Data.Common;

namespace Dispatch.Storage.Dialects;

/// <summary>
/// What differs between the databases. Queries and commands are shared (<see cref="RelationalSql"/>):
/// both dialects speak <c>ON CONFLICT</c> and <c>RETURNING</c>, so only connections and table
/// definitions (column types) differ.
/// </summary>
internal interface ISqlDialect
{
    DbConnection CreateConnection(string connectionString);

    /// <summary>Run on every opened connection, or null.</summary>
    string? ConnectionSetupSql { get; }

    /// <summary>Run once before the schema, outside a transaction, or null.</summary>
    string? DatabaseSetupSql { get; }

    /// <summary>Creates every table if missing; run once in a transaction.</summary>
    string SchemaSql { get; }

    /// <summary>
    /// True when the database takes one writer at a time (SQLite): writers of this process then queue
    /// in memory instead of sleeping in the database's busy handler.
    /// </summary>
    bool HasSingleWriter { get; }

    /// <summary>True when <paramref name="exception"/> is a unique-index violation.</summary>
    bool IsUniqueViolation(DbException exception);

    static ISqlDialect For(RelationalDialect dialect) => dialect switch
    {
        RelationalDialect.Sqlite => SqliteDialect.Instance,
        RelationalDialect.PostgreSql => PostgreSqlDialect.Instance,
        _ => throw new ArgumentOutOfRangeException(nameof(dialect), dialect, $"Unknown relational dialect '{dialect}'."),
    };
}
