#!/bin/sh
# configure_without_test_packages.sh SOURCE_DIR WORK_DIR
# Configures resnetc as a fresh machine with only the build packages would (doctest hidden from
# CMake, tests left at their default): the configure must succeed, skip the tests with a one-line
# notice, and still offer the resnetc target.
set -u
source=$1
work=$2
rm -rf "$work"
if ! cmake -S "$source" -B "$work" -DCMAKE_DISABLE_FIND_PACKAGE_doctest=ON > "$work.log" 2>&1; then
  cat "$work.log"
  echo "FAIL: the configure without doctest failed"
  exit 1
fi
notices=$(grep -c "tests skipped: doctest not found" "$work.log")
[ "$notices" -eq 1 ] || { cat "$work.log"; echo "FAIL: expected one 'tests skipped' notice, found $notices"; exit 1; }
cmake --build "$work" --target help > "$work.targets" && grep -q "resnetc$" "$work.targets" \
  || { echo "FAIL: no resnetc target"; exit 1; }
[ ! -e "$work/tests" ] || { echo "FAIL: the tests were configured without doctest"; exit 1; }
rm -rf "$work" "$work.log" "$work.targets"
echo "ok: configure without the test packages skips the tests with one notice"
