#!/bin/bash
# tools/fuzz.sh [--build-dir DIR] [--no-build] [HARNESS|all] [CPU_SECONDS]
#
# Builds the libFuzzer harnesses of tests/fuzz/ (clang, AddressSanitizer + UBSan; build dir
# build-fuzz unless --build-dir) and runs them one after another, each until it has used
# CPU_SECONDS (default 60) of user+sys CPU time. The budget is CPU time, not wall time, so a
# round means the same on a busy machine: the fuzzer runs in wall-clock slices until it is spent.
#
# Seeds come from tests/fuzz/corpus/HARNESS/ (never written); the inputs a run finds accumulate
# in DIR/fuzz/HARNESS/corpus/. A finding (crash, uncaught exception, sanitizer report, timeout,
# out of memory) is saved as DIR/fuzz/HARNESS/{crash,leak,timeout,oom}-* and makes the script
# exit 1 after the remaining harnesses ran. Replay one with: DIR/tests/fuzz/fuzz_HARNESS FILE
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

build_dir=build-fuzz
build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build_dir=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) break ;;
  esac
done
which=${1:-all}
budget=${2:-60}
case "$budget" in
  ''|*[!0-9]*) echo "fuzz.sh: CPU_SECONDS must be a positive integer, got '$budget'" >&2; exit 2 ;;
esac

if [ "$build" = 1 ]; then
  tools/install_deps.sh build test sanitize
  cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=clang++ \
        -DRESNETC_SANITIZE=ON -DRESNETC_BUILD_TESTS=ON >/dev/null
  nice -n 10 cmake --build "$build_dir" -j"$(nproc 2>/dev/null || echo 2)" --target fuzzers
fi
list_file=$build_dir/tests/fuzz/harnesses.txt
if [ ! -f "$list_file" ]; then
  echo "fuzz.sh: $list_file is missing: configure $build_dir with clang++ and -DRESNETC_SANITIZE=ON" >&2
  exit 2
fi
read -r -a harnesses < <(tr ';' ' ' <"$list_file")
if [ "$which" != all ]; then
  case " ${harnesses[*]} " in
    *" $which "*) harnesses=("$which") ;;
    *) echo "fuzz.sh: no harness '$which'; expected all or one of: ${harnesses[*]}" >&2; exit 2 ;;
  esac
fi

# fuzz_one NAME: runs the harness until its CPU budget is spent; prints one summary line.
fuzz_one() {
  local name=$1 bin=$build_dir/tests/fuzz/fuzz_$1 work=$build_dir/fuzz/$1
  local seeds=$root/tests/fuzz/corpus/$name dict=$root/tests/fuzz/$name.dict
  mkdir -p "$work/corpus"
  local args=(-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/")
  [ -f "$dict" ] && args+=(-dict="$dict")
  local used=0 runs=0 slices=0 rc=0 log=$work/last.log cpu
  : >"$log"
  while awk -v u="$used" -v b="$budget" 'BEGIN { exit !(u < b) }' && [ "$slices" -lt 50 ]; do
    # Whole wall seconds, at least 5, so each slice does real work after loading the corpus.
    local slice
    slice=$(awk -v u="$used" -v b="$budget" 'BEGIN { s = int(b - u + 0.999); print s < 5 ? 5 : s }')
    cpu=$(mktemp)
    TIMEFORMAT='%3U %3S'
    { time "$bin" "${args[@]}" -max_total_time="$slice" "$work/corpus" "$seeds" >>"$log" 2>&1; } 2>"$cpu" || rc=$?
    used=$(awk -v u="$used" '{ printf "%.1f", u + $1 + $2 }' "$cpu")
    rm -f "$cpu"
    runs=$((runs + $(awk '/stat::number_of_executed_units/ { n = $2 } END { print n + 0 }' <(tail -n 20 "$log"))))
    slices=$((slices + 1))
    [ "$rc" -ne 0 ] && break
  done
  local corpus_files
  corpus_files=$(find "$work/corpus" -type f | wc -l)
  if [ "$rc" -ne 0 ]; then
    echo "fuzz $name: FINDING after $used CPU s ($runs runs), exit $rc; log $log:" >&2
    grep -E '^(==[0-9]+==|SUMMARY|.*runtime error|.*terminate called|.*uncaught|.*Test unit written)' "$log" |
      head -n 20 >&2 || tail -n 30 "$log" >&2
    return 1
  fi
  echo "fuzz $name: clean, $used CPU s (user+sys), $runs runs, $corpus_files inputs in $work/corpus"
}

status=0
for name in "${harnesses[@]}"; do
  fuzz_one "$name" || status=1
done
exit "$status"
