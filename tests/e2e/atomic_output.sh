#!/bin/sh
# atomic_output.sh RESNETC SPEC
# `resnetc compile` writes through a temporary directory: a failed compile leaves an existing
# output directory exactly as it was and creates none where there was none.
set -u
resnetc=$1
spec=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# A failure (weights that do not match) with no previous output: nothing is created.
printf 'not safetensors' > "$work/bad.safetensors"
"$resnetc" compile "$spec" --weights "$work/bad.safetensors" -o "$work/fresh" 2>/dev/null && fail "compile accepted bad weights"
[ -e "$work/fresh" ] && fail "a failed compile created $work/fresh"

# A failure over a previous output: the old directory is untouched.
"$resnetc" compile "$spec" --random-weights 1 -o "$work/out" > /dev/null || fail "first compile failed"
echo marker > "$work/out/marker"
before=$(cd "$work/out" && find . -type f | sort | xargs sha256sum)
"$resnetc" compile "$spec" --weights "$work/bad.safetensors" -o "$work/out" 2>/dev/null && fail "compile accepted bad weights"
after=$(cd "$work/out" && find . -type f | sort | xargs sha256sum)
[ "$before" = "$after" ] || fail "a failed compile changed $work/out"

# No temporary directories are left behind.
leftovers=$(find "$work" -maxdepth 1 -name '.*tmp-*' -o -maxdepth 1 -name '.*old-*')
[ -z "$leftovers" ] || fail "left behind: $leftovers"
echo "PASS: failed compiles leave the output directory as it was"
