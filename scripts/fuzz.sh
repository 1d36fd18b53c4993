#!/usr/bin/env bash
# Builds the libFuzzer targets (clang 14, with AddressSanitizer and UndefinedBehaviorSanitizer) and runs
# each for SECONDS (default 60) from its seed corpus in tests/fuzz/corpus/<target>.
#   bash scripts/fuzz.sh [SECONDS] [TARGET...]      targets: idx csv model image onnx (default: all five;
#                                                   onnx only where fnn::onnx is built)
# New inputs go to build/fuzz/corpus/<target>; a crash, leak or hang is saved as
# build/fuzz/findings/<target>-crash-... and makes the script fail.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(idx csv model image onnx)
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz
mkdir -p build/fuzz/findings
# As many targets at a time as the machine has cores, each into its own log, printed when its group ends.
run_target() {
  if [ ! -x "build/fuzz/tests/fuzz/fuzz_$1" ] && [ "$1" = onnx ]; then
    echo "fuzz_onnx: not built (fnn::onnx needs libonnx-dev and libprotobuf-dev): skipped"
    return 0
  fi
  mkdir -p "build/fuzz/corpus/$1"
  echo "fuzz_$1: ${seconds} s"
  "./build/fuzz/tests/fuzz/fuzz_$1" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="build/fuzz/findings/$1-" \
    "build/fuzz/corpus/$1" "tests/fuzz/corpus/$1"
}
cores=$(nproc)
failed=0
for ((first = 0; first < ${#targets[@]}; first += cores)); do
  group=("${targets[@]:first:cores}")
  pids=()
  for target in "${group[@]}"; do
    run_target "$target" >"build/fuzz/$target.log" 2>&1 &
    pids+=("$!")
  done
  for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
  for target in "${group[@]}"; do cat "build/fuzz/$target.log"; done
done
exit "$failed"
