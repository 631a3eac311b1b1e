#!/bin/sh
# The main job, from a fresh clone: build resnetc, compile the seed ResNet-18 spec with
# deterministic random weights, build the generated project and classify a sample image; then
# the same with a small network trained on real handwritten digits, in float and in int8. Needs only the build packages
# (tools/install_deps.sh build). RESNETC_CMAKE_ARGS adds configure arguments (tools/test.sh hides
# the test packages with it, to check that the main job does not need them).
set -eu
cd "$(dirname "$0")/.."
tools/install_deps.sh build
jobs=$(nproc 2>/dev/null || echo 2)
run() { echo "+ $*"; "$@"; }
# shellcheck disable=SC2086
run cmake -S . -B build -DCMAKE_BUILD_TYPE=Release ${RESNETC_CMAKE_ARGS:-} > /dev/null
run cmake --build build -j"$jobs" --target resnetc
run build/resnetc check examples/resnet18.json
# build/demo is the demo's own: --force replaces what an older resnetc wrote there.
run build/resnetc compile examples/resnet18.json --random-weights 42 -o build/demo/resnet18 --force
run cmake -S build/demo/resnet18 -B build/demo/resnet18/build > /dev/null
run cmake --build build/demo/resnet18/build -j"$jobs"
run build/demo/resnet18/build/resnet18 --input examples/sample_224.pgm --top 5 --bench 20

# Real data: a narrow seed ResNet trained on handwritten digits (examples/digits/README.md),
# compiled with its trained weights; each sample's file name says its true digit.
# int8 (docs/quantization.md): the same weights calibrated on 256 training images.
classify_digits() {
  dir=build/demo/$1
  shift
  run build/resnetc compile examples/digits/digits.json --weights examples/digits/digits.safetensors -o "$dir" \
    --force "$@"
  run cmake -S "$dir" -B "$dir/build" > /dev/null
  run cmake --build "$dir/build" -j"$jobs"
  echo "+ $dir/build/digits --input IMAGE --labels examples/digits/labels.txt --top 1 --bench 100"
  printf '%-36s %5s  %-9s %10s  %s\n' image digit predicted confidence "latency (median of 100 runs)"
  for image in examples/digits/samples/*.pgm; do
    digit=${image##*digit_}
    result=$("$dir/build/digits" --input "$image" --labels examples/digits/labels.txt --top 1 --bench 100)
    printf '%s\n' "$result" | awk -v image="$image" -v digit="${digit%.pgm}" '
      $1 == "class" { label = $2; prob = $4 }
      $1 == "bench:" { for (i = 1; i < NF; i++) if ($i == "median") ms = $(i + 1) }
      END { printf "%-36s %5s  %-9s %10s  %s ms\n", image, digit, label, prob, ms }'
  done
}
classify_digits digits
classify_digits digits_int8 --precision int8 --calibration examples/digits/calibration.npy
