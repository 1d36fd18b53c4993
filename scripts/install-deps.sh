#!/usr/bin/env bash
# Installs, from Debian's packages, whatever fnn's build, tests, examples and data need and this machine
# lacks. Needs root (or sudo) only when something is missing.
set -euo pipefail

packages=(
  build-essential cmake clang libomp-14-dev libclang-rt-14-dev
  libeigen3-dev catch2 libstb-dev zlib1g-dev libbenchmark-dev
  libcli11-dev nlohmann-json3-dev
  dataset-fashion-mnist
  python3 python3-torch python3-numpy
  python3-sklearn  # scikit-learn: the tabular example's data files and its side-by-side comparison
  libopenblas0-pthread  # PyTorch's BLAS in the side-by-side benchmark (without it: reference BLAS, ~20x slower)
  libonnx-dev libprotobuf-dev protobuf-compiler  # fnn::onnx, ONNX import and export
  python3-onnx python3-opencv  # the ONNX tests: onnx.checker on fnn's exports, which OpenCV's dnn module runs
  openmpi-bin libopenmpi-dev  # fnn::distributed, and its tests under mpirun
  chromium fonts-liberation
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
