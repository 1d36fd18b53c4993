#!/usr/bin/env bash
# Installs what is missing, builds fnn with its tests, and runs every test:
#  1. the whole suite with Release's flags (preset `test`: -O3 -march=native), and on a host with AVX-512
#     a second copy of every suite built for AVX2 (x86-64-v3, tests prefixed "avx2 ");
#  2. each libFuzzer target for a short smoke run (scripts/fuzz.sh);
#  3. the suite again, built by clang, under AddressSanitizer, UndefinedBehaviorSanitizer and
#     LeakSanitizer, without the example programs, the compile-only and packaging checks and the
#     documentation's programs (preset `sanitize-unit`); preset `sanitize` builds and runs everything
#     under the sanitizers, which takes about as long again.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake --preset test
cmake --build --preset test
ctest --preset test
bash scripts/fuzz.sh 10
cmake --preset sanitize-unit
cmake --build --preset sanitize-unit
ctest --preset sanitize-unit
