namespace Dispatch.Domain.EarlyWarning;

/// <summary>
/// The Benjamini–Hochberg step-up procedure (1995): among m tests, reject the k smallest p-values where k is the
/// largest rank with p(k) &lt;= k·q/m. The expected share of false discoveries among the rejections is then at most q
/// (for independent or positively dependent tests, as counts of overlapping hours in one cell are).
/// </summary>
public static class FalseDiscovery
{
    /// <summary>Per test: whether it is rejected, and its BH-adjusted p-value (q-value).</summary>
    public static (bool[] Rejected, double[] QValues) BenjaminiHochberg(IReadOnlyList<double> pValues, double q)
    {
        ArgumentNullException.ThrowIfNull(pValues);
        if (!(q is > 0 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(q), q, "the false-discovery rate must be within (0, 1)");
        }

        var m = pValues.Count;
        var order = Enumerable.Range(0, m).OrderBy(i => pValues[i]).ThenBy(i => i).ToArray();
        var rejected = new bool[m];
        var adjusted = new double[m];
        var cut = -1;
        for (var rank = 1; rank <= m; rank++)
        {
            if (pValues[order[rank - 1]] <= rank * q / m)
            {
                cut = rank;
            }
        }

        for (var rank = 1; rank <= cut; rank++)
        {
            rejected[order[rank - 1]] = true;
        }

        // q-value: the smallest FDR level at which the test would be rejected (running minimum from the top).
        var running = 1.0;
        for (var rank = m; rank >= 1; rank--)
        {
            var i = order[rank - 1];
            running = Math.Min(running, pValues[i] * m / rank);
            adjusted[i] = Math.Min(running, 1);
        }

        return (rejected, adjusted);
    }
}
