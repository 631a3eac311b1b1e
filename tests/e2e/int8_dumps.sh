#!/bin/sh
# int8_dumps.sh RESNETC BINARY SPEC SEED CALIBRATION INPUT DIR
# The int8 program's layer-by-layer dump (int8 values read back as q * scale) against the integer
# reference's (resnetc run --precision int8 --dump-dir): for a spec whose int8 inputs both compute
# exactly (tests/specs/int8_exact.json) every tensor must agree within 1e-6 of its largest value,
# i.e. every int8 value is equal (one quantization step would be at least 1/255) and the float
# head differs by rounding only.
set -eu
resnetc=$1 binary=$2 spec=$3 seed=$4 calibration=$5 input=$6 dir=$7
rm -rf "$dir"
mkdir -p "$dir"
"$resnetc" run "$spec" --random-weights "$seed" --precision int8 --calibration "$calibration" --input "$input" \
  --dump-dir "$dir/ref" > /dev/null
"$binary" --input "$input" --threads 2 --dump-dir "$dir/gen" > /dev/null
"$resnetc" compare "$dir/ref" "$dir/gen" --tolerance 1e-6
