#!/bin/sh
# rn_fmt_round_trip.sh RESNETC SPEC.rn WORKDIR
# resnetc fmt: .rn -> .json (-o) -> .rn (stdout) gives the file back byte for byte, and the JSON
# is a spec resnetc check accepts.
set -eu
resnetc=$1
spec=$2
work=$3
rm -rf "$work"
mkdir -p "$work"
"$resnetc" fmt "$spec" --to json -o "$work/spec.json"
"$resnetc" check "$work/spec.json" >/dev/null
"$resnetc" fmt "$work/spec.json" >"$work/back.rn"
if ! cmp -s "$spec" "$work/back.rn"; then
  echo "FAIL: $spec -> json -> rn differs:"
  diff "$spec" "$work/back.rn" | head -40
  exit 1
fi
echo "PASS: $spec -> json -> rn is identical"
