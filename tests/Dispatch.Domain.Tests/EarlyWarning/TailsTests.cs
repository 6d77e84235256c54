using Dispatch.Domain.EarlyWarning;

namespace Dispatch.Domain.Tests.EarlyWarning;

public sealed class TailsTests
{
    [Theory]
    [InlineData(0, 10, 0.3)]
    [InlineData(3, 10, 0.3)]
    [InlineData(7, 10, 0.3)]
    [InlineData(10, 10, 0.3)]
    [InlineData(2, 40, 0.01)]
    [InlineData(25, 40, 0.5)]
    public void Binomial_upper_tail_matches_the_sum_of_its_terms(int k, int n, double p)
    {
        double Choose(int a, int b) => Enumerable.Range(1, b).Aggregate(1.0, (acc, i) => acc * (a - b + i) / i);
        var direct = Enumerable.Range(k, n - k + 1).Sum(i => Choose(n, i) * Math.Pow(p, i) * Math.Pow(1 - p, n - i));

        Assert.Equal(direct, Tails.BinomialAtLeast(k, n, p), 12);
    }

    [Fact]
    public void Poisson_upper_tail_matches_known_values()
    {
        Assert.Equal(1 - Math.Exp(-2.5), Tails.PoissonAtLeast(1, 2.5), 12);
        Assert.Equal(1 - (Math.Exp(-2.5) * (1 + 2.5 + (2.5 * 2.5 / 2))), Tails.PoissonAtLeast(3, 2.5), 12);
        Assert.Equal(1, Tails.PoissonAtLeast(0, 0));
        Assert.Equal(0, Tails.PoissonAtLeast(1, 0));
    }

    [Fact]
    public void Far_tails_stay_positive_and_fall_with_the_count()
    {
        var previous = 1.0;
        foreach (var k in new[] { 20, 50, 100, 150, 200 })
        {
            var p = Tails.BinomialAtLeast(k, 2000, 0.01);
            Assert.True(p > 0 && p < previous, $"P(X >= {k}) = {p} after {previous}");
            previous = p;
        }

        Assert.True(Tails.PoissonAtLeast(60, 1) is > 0 and < 1e-80);
    }

    [Fact]
    public void Negative_binomial_tail_matches_its_terms_and_nears_the_Poisson_as_the_shape_grows()
    {
        // r = 3, p = 0.6: pmf(i) = C(i + 2, i) 0.6^3 0.4^i.
        double Pmf(int i) => (i + 1) * (i + 2) / 2.0 * Math.Pow(0.6, 3) * Math.Pow(0.4, i);
        Assert.Equal(1 - Pmf(0) - Pmf(1) - Pmf(2), Tails.NegativeBinomialAtLeast(3, 3, 0.6), 12);

        // Mean 2 with a huge shape is Poisson(2).
        const double shape = 1e6;
        Assert.Equal(Tails.PoissonAtLeast(6, 2), Tails.NegativeBinomialAtLeast(6, shape, shape / (shape + 2)), 6);
        Assert.Equal(Math.Log(24), Tails.LogGamma(5), 12);
        Assert.Equal(Math.Log(Math.Sqrt(Math.PI)), Tails.LogGamma(0.5), 12);
    }

    [Fact]
    public void A_probability_outside_0_to_1_is_refused_naming_it()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Tails.BinomialAtLeast(1, 5, 1.5));
        Assert.Contains("1.5", error.Message, StringComparison.Ordinal);
    }
}

public sealed class FalseDiscoveryTests
{
    [Fact]
    public void Benjamini_Hochberg_rejects_up_to_the_largest_rank_under_its_line()
    {
        // m = 10, q = 0.05: lines 0.005, 0.010, 0.015, 0.020, 0.025 ...; p(4) = 0.012 <= 0.020 is the last one under.
        double[] p = [0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.6];
        p[2] = 0.012;

        var (rejected, q) = FalseDiscovery.BenjaminiHochberg(p, 0.05);

        Assert.Equal([true, true, true, false, false, false, false, false, false, false], rejected);
        Assert.Equal(0.01, q[0], 12);
        Assert.All(q, v => Assert.InRange(v, 0, 1));
        Assert.True(q.Zip(p).All(x => x.First >= x.Second));
    }

    [Fact]
    public void Nothing_is_rejected_when_no_p_value_is_under_its_line()
    {
        var (rejected, _) = FalseDiscovery.BenjaminiHochberg([0.2, 0.5, 0.9], 0.05);

        Assert.DoesNotContain(true, rejected);
    }
}
