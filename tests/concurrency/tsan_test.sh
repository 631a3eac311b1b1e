#!/bin/sh
# tsan_test.sh RESNETC SPEC CXX WORK
# concurrency_check under ThreadSanitizer: compiles SPEC as e2e_general_form (the name the checker
# includes) into WORK/model, builds the checker with the model and its runtime at -O1 with
# -fsanitize=thread (tsan/CMakeLists.txt), and runs it. Any data race fails the test.
set -eu
resnetc=$1 spec=$2 cxx=$3 work=$4
here=$(cd "$(dirname "$0")" && pwd)
t0=$(date +%s)
"$resnetc" compile "$spec" --random-weights 5 --name e2e_general_form --target generic -o "$work/model" >/dev/null
# A clean environment for the nested build: none of the caller's sanitizer or make settings.
env -u MAKEFLAGS -u MFLAGS -u CXXFLAGS -u LDFLAGS cmake -S "$here/tsan" -B "$work/build" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_COMPILER="$cxx" -DRESNETC_MODEL_DIR="$work/model" >/dev/null
env -u MAKEFLAGS -u MFLAGS cmake --build "$work/build" --parallel "$(nproc 2>/dev/null || echo 2)" >/dev/null
echo "tsan_test: built in $(( $(date +%s) - t0 )) s"
# halt_on_error: the first race fails the run with its report.
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 ${TSAN_OPTIONS:-}" \
  "$work/build/concurrency_check" "$work/model/e2e_general_form.weights" 200
echo "tsan_test: done in $(( $(date +%s) - t0 )) s"
