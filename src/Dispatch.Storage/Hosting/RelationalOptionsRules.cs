using Microsoft.Extensions.Options;

namespace Dispatch.Storage;

/// <summary>What makes relational options usable; one wording for start-up validation and for direct construction.</summary>
internal static class RelationalOptionsRules
{
    public static string GrainStorageSubject(string providerName) => $"Relational grain storage '{providerName}'";

    public const string JournalSubject = "Relational incident journal";

    public const string IncidentStoreSubject = "Relational incident store";

    public static IEnumerable<string> Failures(RelationalDatabaseOptions options, string subject)
    {
        if (!Enum.IsDefined(options.Dialect))
        {
            yield return $"{subject}: option {nameof(options.Dialect)} has unknown value '{options.Dialect}'; use {nameof(RelationalDialect.Sqlite)} or {nameof(RelationalDialect.PostgreSql)}.";
        }

        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            var example = options.Dialect == RelationalDialect.PostgreSql
                ? "Host=db;Database=dispatch;Username=dispatch"
                : "Data Source=dispatch.db";
            yield return $"{subject}: option {nameof(options.ConnectionString)} is missing; set it to a {options.Dialect} connection string such as \"{example}\".";
        }

        if (options is RelationalStorageOptions { GrainStorageSerializer: null })
        {
            yield return $"{subject}: option {nameof(RelationalStorageOptions.GrainStorageSerializer)} is missing and the silo has no default grain storage serializer.";
        }
    }

    public static void ThrowIfInvalid(RelationalDatabaseOptions options, string subject)
    {
        var failures = Failures(options, subject).ToList();
        if (failures.Count > 0)
        {
            throw new OptionsValidationException(subject, options.GetType(), failures);
        }
    }
}

/// <summary>Validates the options of one named grain storage provider (named options share one type).</summary>
internal sealed class RelationalStorageOptionsValidator(string providerName) : IValidateOptions<RelationalStorageOptions>
{
    public ValidateOptionsResult Validate(string? name, RelationalStorageOptions options)
    {
        if (!string.Equals(name, providerName, StringComparison.Ordinal))
        {
            return ValidateOptionsResult.Skip;
        }

        var failures = RelationalOptionsRules.Failures(options, RelationalOptionsRules.GrainStorageSubject(providerName)).ToList();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

internal sealed class RelationalJournalOptionsValidator : IValidateOptions<RelationalJournalOptions>
{
    public ValidateOptionsResult Validate(string? name, RelationalJournalOptions options)
    {
        var failures = RelationalOptionsRules.Failures(options, RelationalOptionsRules.JournalSubject).ToList();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
