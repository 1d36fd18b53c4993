#!/usr/bin/env bash
# Installs what is missing, builds fnn in Release, and runs the main job: the seed experiments trained
# on the real Fashion-MNIST. Arguments are passed to the reproduce program (try --help, or --quick).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake --preset release
cmake --build --preset release
./build/release/examples/reproduce "$@"
