namespace Dispatch.Domain.EarlyWarning;

/// <summary>
/// Exact upper-tail probabilities of the counts the early-warning tests use. Computed in log space, so
/// counts in the thousands and probabilities far below 1e-300 neither overflow nor lose the answer to 0 too early.
/// </summary>
public static class Tails
{
    /// <summary>P(X &gt;= k) for X ~ Binomial(n, p).</summary>
    public static double BinomialAtLeast(int k, int n, double p)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        if (!(p is >= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "a probability must be within [0, 1]");
        }

        if (k <= 0)
        {
            return 1;
        }

        if (k > n || p == 0)
        {
            return 0;
        }

        if (p == 1)
        {
            return 1;
        }

        var logP = Math.Log(p);
        var logQ = double.LogP1(-p);
        var logNFactorial = LogFactorial(n);
        double LogPmf(int i) => logNFactorial - LogFactorial(i) - LogFactorial(n - i) + (i * logP) + ((n - i) * logQ);

        // Below the mean the tail is large: 1 - P(X <= k - 1) loses nothing that matters there.
        if (k <= n * p)
        {
            return Math.Clamp(1 - SumDown(LogPmf, k - 1), 0, 1);
        }

        return Math.Clamp(SumUp(LogPmf, k, n), 0, 1);
    }

    /// <summary>P(X &gt;= k) for X ~ Poisson(mean).</summary>
    public static double PoissonAtLeast(int k, double mean)
    {
        if (!(mean >= 0) || double.IsInfinity(mean))
        {
            throw new ArgumentOutOfRangeException(nameof(mean), mean, "a Poisson mean must be finite and >= 0");
        }

        if (k <= 0)
        {
            return 1;
        }

        if (mean == 0)
        {
            return 0;
        }

        var logMean = Math.Log(mean);
        double LogPmf(int i) => (i * logMean) - mean - LogFactorial(i);
        if (k <= mean)
        {
            return Math.Clamp(1 - SumDown(LogPmf, k - 1), 0, 1);
        }

        return Math.Clamp(SumUp(LogPmf, k, int.MaxValue), 0, 1);
    }

    /// <summary>ln(n!) exactly summed for small n, Stirling's series beyond (error far below what a p-value needs).</summary>
    public static double LogFactorial(int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        if (n < SmallFactorials.Length)
        {
            return SmallFactorials[n];
        }

        double x = n + 1;
        return ((x - 0.5) * Math.Log(x)) - x + (0.5 * Math.Log(2 * Math.PI)) + (1 / (12 * x)) - (1 / (360 * x * x * x)) + (1 / (1260 * Math.Pow(x, 5)));
    }

    private static readonly double[] SmallFactorials = BuildSmallFactorials(256);

    private static double[] BuildSmallFactorials(int count)
    {
        var values = new double[count];
        for (var i = 1; i < count; i++)
        {
            values[i] = values[i - 1] + Math.Log(i);
        }

        return values;
    }

    /// <summary>Sum of pmf(i) for i = from.. while the terms still matter (the pmf falls past the mode, which lies below from).</summary>
    private static double SumUp(Func<int, double> logPmf, int from, int to)
    {
        var first = logPmf(from);
        var sum = 0.0;
        for (var i = from; i <= to; i++)
        {
            var term = Math.Exp(logPmf(i) - first);
            sum += term;
            if (term < 1e-17 * sum)
            {
                break;
            }
        }

        return Math.Exp(first + Math.Log(sum));
    }

    /// <summary>Sum of pmf(i) for i = to down to 0 while the terms still matter (the mode lies above to).</summary>
    private static double SumDown(Func<int, double> logPmf, int to)
    {
        var sum = 0.0;
        for (var i = to; i >= 0; i--)
        {
            var term = Math.Exp(logPmf(i));
            sum += term;
            if (term < 1e-17 * sum)
            {
                break;
            }
        }

        return sum;
    }
}
