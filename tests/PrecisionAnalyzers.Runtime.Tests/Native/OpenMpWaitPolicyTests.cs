using PrecisionAnalyzers.Runtime.Native;

namespace PrecisionAnalyzers.Runtime.Tests.Native;

/// <summary>The OpenMP wait decision against the environment, and that the loaded process's native environment carries it.</summary>
public sealed class OpenMpWaitPolicyTests
{
    private static Func<string, string?> Environment(params (string Name, string Value)[] variables) =>
        name => variables.FirstOrDefault(v => v.Name == name).Value;

    [Fact]
    public void Idle_workers_sleep_when_the_user_has_not_chosen()
    {
        var (decision, value) = OpenMpWaitPolicy.Decide(Environment());

        Assert.Equal("PASSIVE", value);
        Assert.Equal("PASSIVE", decision.Policy);
        Assert.Contains("OMP_WAIT_POLICY=ACTIVE", decision.Reason);
    }

    [Theory]
    [InlineData("active", "ACTIVE")]
    [InlineData("PASSIVE", "PASSIVE")]
    [InlineData("", null)]
    public void The_users_own_policy_wins(string own, string? expected)
    {
        var (decision, value) = OpenMpWaitPolicy.Decide(Environment(("OMP_WAIT_POLICY", own)));

        Assert.Null(value);
        Assert.Equal(expected, decision.Policy);
        Assert.Contains("set in the environment", decision.Reason);
    }

    [Fact]
    public void A_spin_count_the_user_set_is_left_alone()
    {
        var (decision, value) = OpenMpWaitPolicy.Decide(Environment(("GOMP_SPINCOUNT", "10000")));

        Assert.Null(value);
        Assert.Null(decision.Policy);
        Assert.Contains("GOMP_SPINCOUNT=10000", decision.Reason);
    }

    [Fact]
    public void After_loading_libtorch_the_native_environment_holds_the_decision()
    {
        var status = TorchSharpLoader.EnsureLoaded();

        // What libgomp read when libtorch loaded is the native environment's value, not .NET's copy of it.
        var native = NativeEnvironment.NativeValue(OpenMpWaitPolicy.Variable);
        if (status.OpenMpWait.Reason.Contains("set in the environment", StringComparison.Ordinal))
        {
            Assert.Equal(System.Environment.GetEnvironmentVariable(OpenMpWaitPolicy.Variable), native);
        }
        else if (status.OpenMpWait.Policy is not null)
        {
            Assert.Equal("PASSIVE", native);
            Assert.Equal("PASSIVE", System.Environment.GetEnvironmentVariable(OpenMpWaitPolicy.Variable));
        }
    }
}
