#!/bin/sh
# tools/test.sh [--release-only]
# Every test (what .ci/run runs). Installs what is missing, then: (0) the main job, tools/demo.sh,
# with the test packages hidden from CMake, which shows that it needs none of them; (1) the release
# build of resnetc, the generated test models and the test programs, and ctest (unit, golden, end
# to end, PyTorch parity, error catalog, install); (2) the same suite built with clang under
# AddressSanitizer + UndefinedBehaviorSanitizer (generated models too), plus a 30 CPU-second
# libFuzzer round per reader (label "fuzz"). --release-only stops after (1), for a quick local
# check. See docs/testing.md.
set -eu
cd "$(dirname "$0")/.."
sanitize=1
for arg in "$@"; do
  case "$arg" in
    --release-only) sanitize=0 ;;
    -h|--help) sed -n '2,9s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "test.sh: unknown option '$arg' (expected --release-only)" >&2; exit 2 ;;
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
# Same build directory and flags as the release build below, which reuses resnetc's objects.
phase "main job without the test packages" env RESNETC_CMAKE_ARGS="-DCMAKE_DISABLE_FIND_PACKAGE_doctest=ON" \
  tools/demo.sh
phase "release build" sh -c "cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DRESNETC_BUILD_TESTS=ON \
  -DCMAKE_DISABLE_FIND_PACKAGE_doctest=OFF && cmake --build build -j$jobs"
phase "release ctest" ctest --test-dir build --output-on-failure -j"$jobs"
if [ "$sanitize" = 1 ]; then
  # -O0 (and asserts on): clang needs minutes per kernel-heavy file under UBSan at -O1 or more.
  phase "sanitizer build" sh -c "cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE=-O0 \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DRESNETC_SANITIZE=ON -DRESNETC_BUILD_TESTS=ON \
    && cmake --build build-asan -j$jobs"
  # Label release_only: tests with nothing for the sanitizers to check (Python only, the CMake
  # package) ran in the release phase.
  phase "sanitizer ctest" ctest --test-dir build-asan --output-on-failure -j"$jobs" -LE release_only
fi
echo "test.sh: all tests took $(( $(date +%s) - started )) s"
