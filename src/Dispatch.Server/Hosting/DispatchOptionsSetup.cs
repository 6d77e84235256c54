using Dispatch.Domain.Eta;
using Dispatch.Domain.Plans;
using Microsoft.Extensions.Options;

namespace Dispatch.Server.Hosting;

/// <summary>Binds the dispatch configuration and refuses to start on an invalid value, naming the key.</summary>
public static class DispatchOptionsSetup
{
    public static WebApplicationBuilder AddDispatchOptions(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ResponsePlanOptions>()
            .Bind(builder.Configuration.GetSection(ResponsePlanOptions.SectionName))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<ResponsePlanOptions>>(
            new DelegateValidation<ResponsePlanOptions>(o => o.Validate(ResponsePlanOptions.SectionName)));

        services.AddOptions<StraightLineEtaOptions>()
            .Bind(builder.Configuration.GetSection(StraightLineEtaOptions.SectionName))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<StraightLineEtaOptions>>(
            new DelegateValidation<StraightLineEtaOptions>(o => o.Validate(StraightLineEtaOptions.SectionName)));

        services.AddSingleton(sp =>
            sp.GetRequiredService<IOptions<ResponsePlanOptions>>().Value.ToPlan().GetValueOrThrow());
        return builder;
    }

    /// <summary>Adapts the domain's own validation (a list of messages) to the options pipeline.</summary>
    private sealed class DelegateValidation<T>(Func<T, IReadOnlyList<string>> validate) : IValidateOptions<T>
        where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            var errors = validate(options);
            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }
    }
}
