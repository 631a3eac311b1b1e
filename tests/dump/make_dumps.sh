#!/bin/sh
# make_dumps.sh RESNETC BINARY SPEC WEIGHTS INPUT DIR [BINARY_AVX2]
# Writes the layer-by-layer dumps the dump_* tests compare, under DIR:
#   ref            resnetc run --dump-dir (the reference interpreter)
#   gen            the generated BINARY --dump-dir, at 2 threads
#   ref_other      the reference with other (random) weights: differs from the first layer on
#   gen_modified   gen with tensor #5 replaced by #4 (same shape, other values)
#   gen_reshaped   gen with tensor #5 replaced by #1 (another shape)
#   gen_missing    gen without tensor #5's file
#   gen_avx2       the same model built for --target avx2 (NCHW8c), when BINARY_AVX2 is given
set -eu
resnetc=$1 binary=$2 spec=$3 weights=$4 input=$5 dir=$6 binary_avx2=${7:-}
rm -rf "$dir"
mkdir -p "$dir"
"$resnetc" run "$spec" --weights "$weights" --input "$input" --dump-dir "$dir/ref"
"$resnetc" run "$spec" --random-weights 1 --input "$input" --dump-dir "$dir/ref_other"
"$binary" --input "$input" --threads 2 --dump-dir "$dir/gen"
[ -z "$binary_avx2" ] || "$binary_avx2" --input "$input" --dump-dir "$dir/gen_avx2"

# The file of tensor #N: the first field of manifest line N+1 ("FILE NAME").
file_of() { sed -n "$(($1 + 1))p" "$dir/gen/manifest.txt" | cut -d' ' -f1; }
for copy in gen_modified gen_reshaped gen_missing; do cp -r "$dir/gen" "$dir/$copy"; done
cp "$dir/gen/$(file_of 4)" "$dir/gen_modified/$(file_of 5)"
cp "$dir/gen/$(file_of 1)" "$dir/gen_reshaped/$(file_of 5)"
rm "$dir/gen_missing/$(file_of 5)"
