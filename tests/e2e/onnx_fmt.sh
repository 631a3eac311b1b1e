#!/bin/sh
# onnx_fmt.sh RESNETC MODEL INPUT DIR
# `resnetc fmt MODEL.onnx` writes the spec the model reads as (JSON, and .rn) plus its weights as
# safetensors; the reference interpreter must compute the same tensors from the three, every
# layer bit for bit (compare --tolerance 0).
set -eu
resnetc=$1 model=$2 input=$3 dir=$4
rm -rf "$dir"
mkdir -p "$dir"
"$resnetc" fmt "$model" -o "$dir/model.json"
"$resnetc" fmt "$model" --to rn -o "$dir/model.rn" --weights-output "$dir/rn_weights.safetensors"
"$resnetc" run "$model" --input "$input" --dump-dir "$dir/onnx" > /dev/null
"$resnetc" run "$dir/model.json" --weights "$dir/model.safetensors" --input "$input" --dump-dir "$dir/json" > /dev/null
"$resnetc" run "$dir/model.rn" --weights "$dir/rn_weights.safetensors" --input "$input" --dump-dir "$dir/rn" > /dev/null
"$resnetc" compare "$dir/onnx" "$dir/json" --tolerance 0
"$resnetc" compare "$dir/onnx" "$dir/rn" --tolerance 0
