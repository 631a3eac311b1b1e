#!/bin/sh
# same_generated_code.sh RESNETC SPEC_A SPEC_B WORKDIR [compile options...]
# Compiles both specs with the same options (e.g. --random-weights 42) and passes only if the two
# projects have the same files with the same bytes: two syntaxes of one network give one program.
set -eu
resnetc=$1
spec_a=$2
spec_b=$3
work=$4
shift 4
rm -rf "$work"
mkdir -p "$work"
"$resnetc" compile "$spec_a" -o "$work/a" "$@" >/dev/null
"$resnetc" compile "$spec_b" -o "$work/b" "$@" >/dev/null
count=$(find "$work/a" -type f | wc -l)
if [ "$count" -eq 0 ]; then
  echo "FAIL: $spec_a compiled to no files"
  exit 1
fi
# diff -r names every file that differs or exists on one side only.
if ! diff -r "$work/a" "$work/b" >"$work/diff.txt"; then
  echo "FAIL: $spec_a and $spec_b compile to different code:"
  head -50 "$work/diff.txt"
  exit 1
fi
echo "PASS: $count files identical for $spec_a and $spec_b"
