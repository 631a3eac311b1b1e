#!/bin/sh
# c_api_test.sh C_API_CHECK PROGRAM WEIGHTS OTHER_BLOB WORK
# Runs the C program against the model's C interface (every error code, then one run on 2
# threads), then the model's command-line PROGRAM on the same input: the outputs must be equal
# to the bit.
set -u
check=$1 program=$2 weights=$3 other=$4 work=$5
rm -rf "$work" && mkdir -p "$work" || exit 1
head -c 200 "$weights" > "$work/truncated.weights"
# Overwrite four payload bytes: the checksum must catch it.
cp "$weights" "$work/tampered.weights"
printf 'ABCD' | dd of="$work/tampered.weights" bs=1 seek=1000 conv=notrunc 2>/dev/null
cmp -s "$weights" "$work/tampered.weights" && { echo "FAIL: the tampered blob equals the original"; exit 1; }
"$check" "$weights" "$other" "$work/truncated.weights" "$work/tampered.weights" \
  "$work/in.npy" "$work/out_c.npy" || exit 1
"$program" --input "$work/in.npy" --output "$work/out_cli.npy" --weights "$weights" > /dev/null || exit 1
# Compare the data (the output is [2, 7] float32: the last 56 bytes of each file).
tail -c 56 "$work/out_c.npy" > "$work/c.bin"
tail -c 56 "$work/out_cli.npy" > "$work/cli.bin"
if ! cmp "$work/c.bin" "$work/cli.bin"; then
  echo "FAIL: the C interface and $program give different outputs"
  exit 1
fi
echo "PASS: the C interface reports every error and matches $program"
