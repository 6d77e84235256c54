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

    /// <summary>
    /// P(X &gt;= k) for X ~ NegativeBinomial(r, p): failures before the r-th success, r real &gt; 0 — the count in a window
    /// when the rate is Gamma(r, ·) uncertain rather than known (Gamma–Poisson), mean r(1-p)/p.
    /// </summary>
    public static double NegativeBinomialAtLeast(int k, double r, double p)
    {
        if (!(r > 0) || double.IsInfinity(r))
        {
            throw new ArgumentOutOfRangeException(nameof(r), r, "the shape must be finite and > 0");
        }

        if (!(p is > 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "a probability must be within (0, 1]");
        }

        if (k <= 0)
        {
            return 1;
        }

        if (p == 1)
        {
            return 0;
        }

        var logP = Math.Log(p);
        var logQ = Math.Log(1 - p);
        var logGammaR = LogGamma(r);
        double LogPmf(int i) => LogGamma(i + r) - logGammaR - LogFactorial(i) + (r * logP) + (i * logQ);
        var mean = r * (1 - p) / p;
        if (k <= mean)
        {
            return Math.Clamp(1 - SumDown(LogPmf, k - 1), 0, 1);
        }

        return Math.Clamp(SumUp(LogPmf, k, int.MaxValue), 0, 1);
    }

    /// <summary>ln Γ(x) for x &gt; 0 (Lanczos, g = 7, nine terms; about 15 significant digits).</summary>
    public static double LogGamma(double x)
    {
        if (!(x > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(x), x, "ln Γ is taken of positive numbers only");
        }

        if (x < 0.5)
        {
            // Reflection keeps the series where it is accurate.
            return Math.Log(Math.PI / Math.Sin(Math.PI * x)) - LogGamma(1 - x);
        }

        x -= 1;
        var sum = Lanczos[0];
        for (var i = 1; i < Lanczos.Length; i++)
        {
            sum += Lanczos[i] / (x + i);
        }

        var t = x + 7.5;
        return (0.5 * Math.Log(2 * Math.PI)) + ((x + 0.5) * Math.Log(t)) - t + Math.Log(sum);
    }

    private static readonly double[] Lanczos =
    [
        0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
        12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
    ];

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
