#!/usr/bin/env bash
# Analyzer cost: the share of compile time the PREC analyzers take on a large code base.
# Usage: bash bench/analyzers/run.sh [FILES=400] [LOAD_EVERY=1] [BUILDS=5]   (ROUNDS=10 in the environment: in-process rounds)
#   one file in LOAD_EVERY loads a model through the runtime; the project is rebuilt BUILDS times and each build's share is
#   printed, then the median. The first build runs the compiler in a process of its own (cold: the analyzers' JIT included);
#   the later ones on the shared compiler server, warm after its first use, as a developer's repeated builds are.
# Builds, in a temporary folder, one project holding FILES generated files that use the runtime's load API and TorchSharp
# (loads with and without dtypes, FP16 on Gemma, caches in training loops) plus every .cs file of this repository's src/
# (Runtime, Cli, Analyzers, CodeFixes) and tests/, compiled together as one program (the CLI's Program is its entry point), of this
# repository, with the analyzers attached, and reads the compiler's own analyzer timing (-p:ReportAnalyzer=true).
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
files="${1:-400}"
load_every="${2:-1}"
builds="${3:-5}"
work="$(mktemp -d)"
# KEEP_WORK=1 keeps the generated project (its path is printed) for profiling.
trap 'cp "$work/build.log" /tmp/analyzer-bench.log 2>/dev/null; if [[ "${KEEP_WORK:-0}" == 1 ]]; then echo "kept: $work"; else rm -rf "$work"; fi' EXIT
mkdir -p "$work/Generated" "$work/Repo"
git -C "$repo" ls-files src/Runtime src/Cli src/Analyzers src/CodeFixes tests | grep '\.cs$' | (cd "$repo" && tar -T - -c) | tar -x -C "$work/Repo"
cp "$repo/Directory.Packages.props" "$work/"
for i in $(seq 1 "$files"); do
  # Ordinary TorchSharp code: a small model, a training step, an evaluation; one load call per file, half of them without a dtype.
  if (( i % 2 == 0 )); then load='CausalLM.Load(path)'; else load='CausalLM.Load(path, new LoadOptions { Dtype = DType.BFloat16 })'; fi
  if (( i % load_every != 0 )); then evaluate='public static int Evaluate(Tensor logits) => (int)logits.argmax().item<long>();'; else evaluate="public static int Evaluate(string path) { using var model = $load; return model.Generate([1, 2, 3]).Tokens.Count; }"; fi
  cat > "$work/Generated/Block$i.cs" <<CS
using PrecisionAnalyzers.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Generated;

public sealed class Block$i : Module<Tensor, Tensor>
{
    private readonly Linear _up = Linear(64, 256);
    private readonly Linear _down = Linear(256, 64);
    private readonly LayerNorm _norm = LayerNorm(64);

    public Block$i() : base("block$i") => RegisterComponents();

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = _norm.forward(x);
        h = functional.gelu(_up.forward(h));
        return (x + _down.forward(h)).MoveToOuterDisposeScope();
    }

    public static float TrainStep(Block$i block, Tensor input, Tensor target, optim.Optimizer optimizer)
    {
        block.train();
        optimizer.zero_grad();
        using var output = block.forward(input);
        using var loss = functional.mse_loss(output, target);
        loss.backward();
        optimizer.step();
        return loss.item<float>();
    }

    $evaluate
}
CS
done
cat > "$work/Bench.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <ImplicitUsings>enable</ImplicitUsings>
    <Nullable>enable</Nullable>
    <AllowUnsafeBlocks>true</AllowUnsafeBlocks>
    <TreatWarningsAsErrors>false</TreatWarningsAsErrors>
    <NoWarn>\$(NoWarn);CS1591;NU1603</NoWarn>
    <ImportDirectoryBuildProps>false</ImportDirectoryBuildProps>
  </PropertyGroup>
  <ItemGroup>
    <!-- Versions from the repository's Directory.Packages.props, copied beside this project. -->
    <Using Include="Xunit" />
    <PackageReference Include="TorchSharp" />
    <PackageReference Include="Microsoft.Extensions.Logging.Abstractions" />
    <PackageReference Include="Tokenizers.DotNet" />
    <PackageReference Include="TorchSharp.PyBridge" />
    <PackageReference Include="Microsoft.ML.OnnxRuntime" />
    <PackageReference Include="Google.Protobuf" />
    <PackageReference Include="Microsoft.Extensions.AI.Abstractions" />
    <PackageReference Include="System.CommandLine" />
    <PackageReference Include="Spectre.Console" />
    <PackageReference Include="Microsoft.CodeAnalysis.CSharp.Workspaces" />
    <PackageReference Include="Microsoft.CodeAnalysis.CSharp.Analyzer.Testing" />
    <PackageReference Include="Microsoft.CodeAnalysis.CSharp.CodeFix.Testing" />
    <PackageReference Include="xunit" />
    <ProjectReference Include="$repo/src/Analyzers/PrecisionAnalyzers.Analyzers.csproj" OutputItemType="Analyzer" ReferenceOutputAssembly="false" />
  </ItemGroup>
</Project>
XML
dotnet build "$repo/src/Analyzers" -c Release -v:q >/dev/null
cd "$work"
dotnet restore -v:q > restore.log 2>&1 || { tail -30 restore.log; exit 1; }
# Only this project compiles (the analyzers were built above), so the Csc task time is this compilation's alone.
shares=()
for build in $(seq 1 "$builds"); do
  # Build 1 runs the compiler in its own process (cold: nothing JIT-compiled yet); the others on the shared compiler server.
  shared=$([[ $build == 1 ]] && echo false || echo true)
  dotnet build -c Release --no-restore --no-incremental -p:UseSharedCompilation=$shared -p:BuildProjectReferences=false -p:ReportAnalyzer=true -v:detailed -clp:PerformanceSummary > build.log 2>&1 || { tail -30 build.log; exit 1; }
  analyzers=$(grep -E "^\s+[0-9.]+\s+[0-9]+\s+PrecisionAnalyzers\.Analyzers," build.log | head -1 | awk '{print $1}')
  total_analyzers=$(grep -E "Total analyzer execution time:" build.log | tail -1 | grep -oE "[0-9.]+" | head -1)
  csc=$(grep -E "^\s+[0-9]+ ms\s+Csc\s" build.log | tail -1 | awk '{print $1}')
  share=$(python3 -c "print(f'{float(\"${analyzers:-0}\")*1000/float(\"${csc:-1}\"):.4f}')")
  shares+=("$share")
  if (( build == 1 )); then
    warnings=$(grep -oE "warning PREC00[0-9]" build.log | wc -l)
    echo "files: $files generated (one in $load_every loads a model) + $(find "$work/Repo" -name '*.cs' | wc -l) of this repository (src/, tests/)"
    echo "PREC diagnostics in the build log: $warnings"
    grep -E "^\s+[0-9.]+\s+<?[0-9]+\s+PrecisionAnalyzers\.Analyzers\.Rules\." build.log | sed 's/^/  /' | head -8
  fi
  echo "build $build: Csc ${csc} ms, all analyzers (incl. the SDK's) ${total_analyzers} s, PrecisionAnalyzers ${analyzers} s, share $(python3 -c "print(f'{${share}:.2%}')")"
done
python3 -c "import statistics,sys; v=[float(x) for x in sys.argv[1:]]; print(f'share of compile time: first build {v[0]:.2%}, median of all {len(v)} builds {statistics.median(v):.2%}' + (f', median of the warm builds {statistics.median(v[1:]):.2%}' if len(v) > 1 else ''))" "${shares[@]}"
# The same project in process (bench/PrecisionAnalyzers.AnalyzerBenchmarks): compiled and analysed round after round, both
# single-threaded, which separates the analyzers' own cost from the build's noise (GCs and JIT charged to whichever analyzer runs).
echo
dotnet run -c Release --project "$repo/bench/PrecisionAnalyzers.AnalyzerBenchmarks" -- "$work/build.log" "${ROUNDS:-10}" | grep -v "^round"
