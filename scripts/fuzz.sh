#!/usr/bin/env bash
# Builds the libFuzzer targets (clang 14, with AddressSanitizer and UndefinedBehaviorSanitizer) and runs
# each for SECONDS (default 60) from its seed corpus in tests/fuzz/corpus/<target>.
#   bash scripts/fuzz.sh [SECONDS] [TARGET...]      targets: idx csv model image (default: all four)
# New inputs go to build/fuzz/corpus/<target>; a crash, leak or hang is saved as
# build/fuzz/findings/<target>-crash-... and makes the script fail.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(idx csv model image)
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz
mkdir -p build/fuzz/findings
for target in "${targets[@]}"; do
  mkdir -p "build/fuzz/corpus/$target"
  echo "fuzz_$target: ${seconds} s"
  "./build/fuzz/tests/fuzz/fuzz_$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="build/fuzz/findings/$target-" \
    "build/fuzz/corpus/$target" "tests/fuzz/corpus/$target"
done
