#!/bin/sh
# tools/test.sh [--sanitize]
# Every test: installs what is missing, builds resnetc, the generated test models and the test
# programs, then runs ctest (unit, golden, end-to-end, PyTorch parity, error catalog, install).
# With --sanitize, then the same suite again, built with clang under AddressSanitizer +
# UndefinedBehaviorSanitizer (generated models too, their layer code at -O1), plus a 30
# CPU-second libFuzzer round per reader (label "fuzz"); see docs/testing.md.
set -eu
cd "$(dirname "$0")/.."
sanitize=0
for arg in "$@"; do
  case "$arg" in
    --sanitize) sanitize=1 ;;
    -h|--help) sed -n '2,7s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "test.sh: unknown option '$arg' (expected --sanitize)" >&2; exit 2 ;;
  esac
done
if [ "$sanitize" = 1 ]; then tools/install_deps.sh build test sanitize; else tools/install_deps.sh build test; fi
jobs=$(nproc 2>/dev/null || echo 2)
started=$(date +%s)
# phase NAME COMMAND...: runs the command and reports its wall time.
phase() {
  name=$1
  shift
  t0=$(date +%s)
  "$@"
  echo "test.sh: $name took $(( $(date +%s) - t0 )) s"
}
phase "release build" sh -c "cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DRESNETC_BUILD_TESTS=ON && cmake --build build -j$jobs"
phase "release ctest" ctest --test-dir build --output-on-failure -j"$jobs"
if [ "$sanitize" = 1 ]; then
  # -O1 with asserts: clang takes minutes to compile the kernel tests under the sanitizers at -O3.
  phase "sanitizer build" sh -c "cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE=-O1 \
    -DCMAKE_CXX_COMPILER=clang++ -DRESNETC_SANITIZE=ON -DRESNETC_BUILD_TESTS=ON && cmake --build build-asan -j$jobs"
  phase "sanitizer ctest" ctest --test-dir build-asan --output-on-failure -j"$jobs"
fi
echo "test.sh: all tests took $(( $(date +%s) - started )) s"
