namespace Dispatch.Domain.Tests;

public sealed class ResultTests
{
    [Fact]
    public void Ok_carries_the_value_and_no_error()
    {
        var result = Result<int>.Ok(42);

        Assert.True(result.IsOk);
        Assert.Equal(42, result.Value);
        Assert.Null(result.Error);
        Assert.Equal(42, result.GetValueOrThrow());
    }

    [Fact]
    public void Fail_carries_the_reason_and_is_not_ok()
    {
        var result = Result<int>.Fail("cannot Acknowledge while Available");

        Assert.False(result.IsOk);
        Assert.Equal("cannot Acknowledge while Available", result.Error);
    }

    [Fact]
    public void GetValueOrThrow_on_a_refusal_throws_with_the_reason()
    {
        var result = Result<string>.Fail("latitude must be within [-90, 90] degrees, got 91");

        var error = Assert.Throws<InvalidOperationException>(() => result.GetValueOrThrow());

        Assert.Equal("latitude must be within [-90, 90] degrees, got 91", error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Fail_refuses_a_blank_reason(string reason)
    {
        Assert.ThrowsAny<ArgumentException>(() => Result<int>.Fail(reason));
    }

    [Fact]
    public void Fail_refuses_a_null_reason()
    {
        Assert.Throws<ArgumentNullException>(() => Result<int>.Fail(null!));
    }

    [Fact]
    public void ToString_shows_the_value_or_the_reason()
    {
        Assert.Equal("Ok(7)", Result<int>.Ok(7).ToString());
        Assert.Equal("Fail(no)", Result<int>.Fail("no").ToString());
    }
}
