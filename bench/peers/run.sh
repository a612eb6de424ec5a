#!/usr/bin/env bash
# The runtime against the engines users would pick instead, on the same weights, in one go (issue 17):
#   1. decode: the ~125M llama benchmark model against llama.cpp (LLamaSharp 0.30.0, CPU backend) on GGUF files the
#      benchmark writes from the same checkpoint (F32, BF16, F16): logits check, then warm prefill/decode rounds
#      interleaved at each thread count, each against the measured read bandwidth, then cold runs (one generation per process);
#   2. encoder: all-MiniLM-L6-v2 (real weights) against ONNX Runtime FP32, batch of 32 sentences, at each thread count.
# Usage: bash bench/peers/run.sh [THREADS=2,1] [ROUNDS=3] [PROMPT=128] [NEW=128] [COLD=1] [ENCODER_ROUNDS=5]
#   THREADS   comma-separated thread counts; each side gets the same count (torch intra-op + the runtime's GEMV workers;
#             llama.cpp's threads and batch threads; ONNX Runtime's intra-op threads)
#   ROUNDS    interleaved warm rounds of the decode benchmark (order flipped every round), after one warm-up generation each
#   PROMPT    prompt tokens (prefill), NEW decode steps after the first token
#   COLD      fresh processes per side and dtype for the cold figures (0: none)
#   ENCODER_ROUNDS  interleaved rounds of the encoder benchmark
# Environment: GGUF_DIR keeps the written checkpoint and GGUF files there between runs (default: a temporary folder);
#   FLASH_ATTENTION=auto|on|off is llama.cpp's setting in the timed rounds (the logits check always runs it off);
#   OMP_WAIT_POLICY defaults to PASSIVE here: libtorch and llama.cpp each bring an OpenMP runtime (libgomp) whose idle
#   workers otherwise spin, and in one process, on 2 cores, each engine's spinning workers take the other's cores (and on a
#   loaded machine every parallel region waits for a descheduled worker). OMP_WAIT_POLICY=ACTIVE (or unset it with
#   OMP_WAIT_POLICY=) measures the default; docs/benchmarks.md has both.
# Output: both tables on stdout, also saved to bench/peers/last-run.txt (untracked), with the load average before, during
# and after. Prefix with `nice` on a shared machine; the ratios come from interleaved rounds of one run.
set -euo pipefail
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY-PASSIVE}"
repo="$(cd "$(dirname "$0")/../.." && pwd)"
threads="${1:-2,1}"
rounds="${2:-3}"
prompt="${3:-128}"
new="${4:-128}"
cold="${5:-1}"
encoder_rounds="${6:-5}"
out="$repo/bench/peers/last-run.txt"
cd "$repo"
dotnet build bench/PrecisionAnalyzers.Benchmarks -c Release -v q -nologo >/dev/null
dotnet build bench/PrecisionAnalyzers.EncoderBenchmarks -c Release -v q -nologo >/dev/null
folder_args=()
if [[ -n "${GGUF_DIR:-}" ]]; then folder_args=(--folder "$GGUF_DIR"); fi
{
  echo "# bench/peers/run.sh $threads $rounds $prompt $new $cold $encoder_rounds — $(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs, OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-unset}"
  echo "# CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  dotnet bench/PrecisionAnalyzers.Benchmarks/bin/Release/net10.0/PrecisionAnalyzers.Benchmarks.dll decode-peers \
    --threads "$threads" --rounds "$rounds" --prompt "$prompt" --new "$new" --cold "$cold" \
    --flash-attention "${FLASH_ATTENTION:-auto}" "${folder_args[@]}"
  echo
  dotnet bench/PrecisionAnalyzers.EncoderBenchmarks/bin/Release/net10.0/PrecisionAnalyzers.EncoderBenchmarks.dll minilm-ort \
    --batch 32 --rounds "$encoder_rounds" --threads "$threads"
  echo "# done $(date -u '+%H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
} 2>&1 | tee "$out"
