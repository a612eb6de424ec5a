using PrecisionAnalyzers.Analyzers.Rules;
using Fix = PrecisionAnalyzers.CodeFixes.Tests.VerifyFix<PrecisionAnalyzers.Analyzers.Rules.PREC001MissingDtypeAnalyzer, PrecisionAnalyzers.CodeFixes.PREC001MissingDtypeCodeFix>;

namespace PrecisionAnalyzers.CodeFixes.Tests;

public sealed class PREC001MissingDtypeCodeFixTests
{
    [Theory]
    [InlineData("PREC001.BFloat16", "BFloat16")]
    [InlineData("PREC001.Float32", "Float32")]
    [InlineData("PREC001.Auto", "Auto")]
    public Task Adds_options_with_the_chosen_dtype(string key, string member) => Fix.FixAsync(
        """
        class C
        {
            void M()
            {
                // load the model
                using var m = {|PREC001:CausalLM.Load|}("models/m"); // the checkpoint
            }
        }
        """,
        $$"""
        class C
        {
            void M()
            {
                // load the model
                using var m = CausalLM.Load("models/m", new LoadOptions { Dtype = DType.{{member}} }); // the checkpoint
            }
        }
        """,
        key);

    [Fact]
    public Task Adds_a_named_options_argument_when_other_arguments_are_named() => Fix.FixAsync(
        """
        class C { void M() { using var m = {|PREC001:CausalLM.Load|}("m", logger: null); } }
        """,
        """
        class C { void M() { using var m = CausalLM.Load("m", options: new LoadOptions { Dtype = DType.BFloat16 }, logger: null); } }
        """,
        "PREC001.BFloat16");

    [Fact]
    public Task Replaces_null_options() => Fix.FixAsync(
        """
        class C { void M() { using var m = {|PREC001:SentenceEncoder.Load|}("e", null); } }
        """,
        """
        class C { void M() { using var m = SentenceEncoder.Load("e", new LoadOptions { Dtype = DType.Float32 }); } }
        """,
        "PREC001.Float32");

    [Fact]
    public Task Adds_the_dtype_to_an_existing_initializer_keeping_its_layout() => Fix.FixAsync(
        """
        class C
        {
            void M()
            {
                using var m = {|PREC001:CausalLM.Load|}("m", new LoadOptions
                {
                    UseCache = false, // no cache
                    Device = "cpu",
                });
            }
        }
        """,
        """
        class C
        {
            void M()
            {
                using var m = CausalLM.Load("m", new LoadOptions
                {
                    Dtype = DType.BFloat16,
                    UseCache = false, // no cache
                    Device = "cpu",
                });
            }
        }
        """,
        "PREC001.BFloat16");

    [Fact]
    public Task Adds_an_initializer_to_a_local_created_without_one() => Fix.FixAsync(
        """
        class C
        {
            void M()
            {
                var options = new LoadOptions();
                using var m = {|PREC001:CausalLM.Load|}("m", options);
            }
        }
        """,
        """
        class C
        {
            void M()
            {
                var options = new LoadOptions { Dtype = DType.Auto };
                using var m = CausalLM.Load("m", options);
            }
        }
        """,
        "PREC001.Auto");

    [Fact]
    public Task Fix_all_sets_the_same_choice_everywhere_in_the_document() => Fix.FixAsync(
        """
        class C
        {
            void M()
            {
                using var a = {|PREC001:CausalLM.Load|}("a");
                using var b = {|PREC001:CausalLM.Load|}("b", new LoadOptions { UseCache = true });
                using var e = {|PREC001:SentenceEncoder.Load|}("e", null);
            }
        }
        """,
        """
        class C
        {
            void M()
            {
                using var a = CausalLM.Load("a", new LoadOptions { Dtype = DType.BFloat16 });
                using var b = CausalLM.Load("b", new LoadOptions { Dtype = DType.BFloat16, UseCache = true });
                using var e = SentenceEncoder.Load("e", new LoadOptions { Dtype = DType.BFloat16 });
            }
        }
        """,
        "PREC001.BFloat16");

    [Fact]
    public Task Without_a_using_the_types_are_qualified()
    {
        var test = new Microsoft.CodeAnalysis.CSharp.Testing.CSharpCodeFixTest<PREC001MissingDtypeAnalyzer, PREC001MissingDtypeCodeFix, Microsoft.CodeAnalysis.Testing.DefaultVerifier>
        {
            ReferenceAssemblies = PrecisionAnalyzers.Tests.Shared.AnalyzerTestReferences.None,
            TestCode = """class C { void M() { using var m = {|PREC001:PrecisionAnalyzers.Runtime.CausalLM.Load|}("m"); } }""",
            FixedCode = """class C { void M() { using var m = PrecisionAnalyzers.Runtime.CausalLM.Load("m", new PrecisionAnalyzers.Runtime.LoadOptions { Dtype = PrecisionAnalyzers.Runtime.DType.BFloat16 }); } }""",
            CodeActionEquivalenceKey = "PREC001.BFloat16",
        };
        test.TestState.AdditionalReferences.AddRange(PrecisionAnalyzers.Tests.Shared.AnalyzerTestReferences.All);
        test.FixedState.AdditionalReferences.AddRange(PrecisionAnalyzers.Tests.Shared.AnalyzerTestReferences.All);
        return test.RunAsync();
    }
}
