#!/bin/sh
# target_check.sh RESNETC SPEC WORK_DIR
# `native` resolves to the best target of the CPU and says which; a generated project whose
# compiler flags cannot build its target stops at configure time, naming the target and the
# option to use, instead of building slow code.
set -u
resnetc=$1
spec=$2
work=$3
rm -rf "$work"
mkdir -p "$work"
fail() { printf 'FAIL: %s\n' "$1"; [ -f "$work/log" ] && cat "$work/log"; exit 1; }

# An AVX2-only CPU (as rt::cpu_supports sees it): native is avx2, in compile's output and the header.
RESNETC_ASSUME_CPU=avx2 "$resnetc" compile "$spec" --random-weights 1 -o "$work/native" > "$work/log" 2>&1 ||
  fail "compile --target native"
grep -q "target avx2 (native: the best this CPU supports)" "$work/log" || fail "compile does not say native became avx2"
grep -q 'kTarget\[\] = "avx2"' "$work/native/general_form.hpp" || fail "the header does not name the avx2 target"

# An avx512 project configured with flags of an AVX2-only compiler is refused at configure time.
"$resnetc" compile "$spec" --random-weights 1 --target avx512 -o "$work/avx512" > "$work/log" 2>&1 \
  || fail "compile --target avx512"
if cmake -S "$work/avx512" -B "$work/avx512/build" -DRESNETC_TARGET_FLAGS=-march=haswell > "$work/log" 2>&1; then
  fail "configure accepted -march=haswell for the avx512 target"
fi
for fragment in "was generated for target avx512" "does not build it (__AVX512F__ is not defined)" \
                "resnetc compile --target avx2" "-DRESNETC_TARGET_FLAGS="; do
  tr '\n' ' ' < "$work/log" | tr -s ' ' | grep -qF -- "$fragment" || fail "configure message lacks \"$fragment\""
done
rm -rf "$work"
echo "ok: native resolves to avx2 on an AVX2 CPU; avx512 code with AVX2-only flags stops at configure time"
