#!/bin/sh
# Every test: installs what is missing, builds resnetc, the generated test models and the test
# programs, then runs ctest (unit, golden, end-to-end, PyTorch parity). Then the same suite again,
# built with clang under AddressSanitizer + UndefinedBehaviorSanitizer (generated models too),
# plus a 30 CPU-second libFuzzer round per reader (label "fuzz"); see docs/testing.md.
set -eu
cd "$(dirname "$0")/.."
tools/install_deps.sh build test
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
# -O1 with asserts: clang takes minutes to compile the kernel tests under the sanitizers at -O3.
phase "sanitizer build" sh -c "cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE=-O1 \
  -DCMAKE_CXX_COMPILER=clang++ -DRESNETC_SANITIZE=ON -DRESNETC_BUILD_TESTS=ON && cmake --build build-asan -j$jobs"
phase "sanitizer ctest" ctest --test-dir build-asan --output-on-failure -j"$jobs"
echo "test.sh: all tests took $(( $(date +%s) - started )) s"
