#!/bin/sh
# install_deps.sh [build] [test] [sanitize]
# Installs, with apt-get, the Debian packages resnetc needs that are missing: the build set
# (compiler, CMake, fmt, nlohmann-json, ONNX's schema library and protobuf to read .onnx files),
# for `test` doctest, PyTorch for parity tests, python3-onnx and ONNX's own backend tests, and
# Debian's Fashion-MNIST for the int8 accuracy tests, for `sanitize` clang with libFuzzer and
# llvm-symbolizer (the sanitizer build of tools/test.sh).
set -eu
packages=""
for group in "$@"; do
  case "$group" in
    build) packages="$packages g++ cmake make libfmt-dev nlohmann-json3-dev libonnx-dev libprotobuf-dev" ;;
    test)
      packages="$packages doctest-dev python3 python3-numpy python3-torch python3-torchvision dataset-fashion-mnist \
        python3-onnx libonnx-testdata"
      ;;
    sanitize) packages="$packages clang libclang-rt-14-dev llvm" ;;
    *) echo "install_deps.sh: unknown group '$group' (expected build, test or sanitize)" >&2; exit 2 ;;
  esac
done
missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "install_deps.sh: installing:$missing"
if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null; then sudo="sudo"; else
  echo "install_deps.sh: need root (or sudo) to install:$missing" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq $missing
