#!/bin/sh
# atomic_output.sh RESNETC SPEC
# `resnetc compile` writes through a temporary directory: a failed compile leaves an existing
# output directory exactly as it was and creates none where there was none. A recompile keeps
# DIR/build and refuses a DIR holding files resnetc did not write unless given --force.
# (Failures of the renames themselves are injected in tests/unit/test_project_writer.cpp.)
set -u
resnetc=$1
spec=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# A failure (weights that do not match) with no previous output: nothing is created.
printf 'not safetensors' > "$work/bad.safetensors"
"$resnetc" compile "$spec" --weights "$work/bad.safetensors" -o "$work/fresh" 2>/dev/null \
  && fail "compile accepted bad weights"
[ -e "$work/fresh" ] && fail "a failed compile created $work/fresh"

# A failure over a previous output: the old directory is untouched.
"$resnetc" compile "$spec" --random-weights 1 -o "$work/out" > /dev/null || fail "first compile failed"
echo marker > "$work/out/marker"
before=$(cd "$work/out" && find . -type f | sort | xargs sha256sum)
"$resnetc" compile "$spec" --weights "$work/bad.safetensors" -o "$work/out" 2>/dev/null \
  && fail "compile accepted bad weights"
after=$(cd "$work/out" && find . -type f | sort | xargs sha256sum)
[ "$before" = "$after" ] || fail "a failed compile changed $work/out"

snapshot() { (cd "$1" && find . -print | sort && find . -type f -exec sha256sum {} + | sort); }

# A recompile replaces resnetc's files (listed in .resnetc-files) and keeps the user's build tree.
rm "$work/out/marker"
mkdir -p "$work/out/build/sub"
echo cache > "$work/out/build/sub/cache"
"$resnetc" compile "$spec" --random-weights 2 -o "$work/out" > /dev/null || fail "a recompile failed"
[ "$(cat "$work/out/build/sub/cache")" = cache ] || fail "a recompile lost DIR/build"
grep -qx CMakeLists.txt "$work/out/.resnetc-files" || fail ".resnetc-files does not list CMakeLists.txt"

# A file resnetc did not write: refused (exit 1, naming it and --force), nothing changed.
echo mine > "$work/out/notes.txt"
before=$(snapshot "$work/out")
"$resnetc" compile "$spec" --random-weights 3 -o "$work/out" > /dev/null 2> "$work/stderr"
[ $? -eq 1 ] || fail "a directory holding the user's notes.txt was not refused with exit status 1"
grep -q "holds a file resnetc did not write (notes.txt).*--force" "$work/stderr" \
  || fail "unexpected message: $(cat "$work/stderr")"
[ "$before" = "$(snapshot "$work/out")" ] || fail "a refused compile changed $work/out"

# --force replaces the directory: the user's file goes, the build tree stays.
"$resnetc" compile "$spec" --random-weights 3 -o "$work/out" --force > /dev/null || fail "--force failed"
[ -e "$work/out/notes.txt" ] && fail "--force kept notes.txt"
[ "$(cat "$work/out/build/sub/cache")" = cache ] || fail "--force lost DIR/build"

# A non-empty directory without .resnetc-files is the user's; an empty one is not.
mkdir -p "$work/mine" "$work/empty/runtime"
echo 'project(mine)' > "$work/mine/CMakeLists.txt"
"$resnetc" compile "$spec" --random-weights 1 -o "$work/mine" > /dev/null 2> "$work/stderr" \
  && fail "replaced the user's project"
grep -q "(CMakeLists.txt; .* has no .resnetc-files" "$work/stderr" || fail "unexpected message: $(cat "$work/stderr")"
[ "$(cat "$work/mine/CMakeLists.txt")" = 'project(mine)' ] || fail "changed the user's project"
"$resnetc" compile "$spec" --random-weights 1 -o "$work/empty" > /dev/null || fail "refused an empty directory"

# No temporary directories are left behind.
leftovers=$(find "$work" -maxdepth 1 -name '.*tmp-*' -o -maxdepth 1 -name '.*old-*')
[ -z "$leftovers" ] || fail "left behind: $leftovers"
echo "PASS: failed and refused compiles leave the output directory as it was; recompiles keep DIR/build"
