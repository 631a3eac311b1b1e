#!/bin/sh
# Every test: installs what is missing, builds resnetc, the generated test models and the test
# programs, then runs ctest (unit, golden, end-to-end, PyTorch parity).
set -eu
cd "$(dirname "$0")/.."
tools/install_deps.sh build test
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DRESNETC_BUILD_TESTS=ON
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure -j"$jobs"
