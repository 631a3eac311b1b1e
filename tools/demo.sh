#!/bin/sh
# The main job, from a fresh clone: build resnetc, compile the seed ResNet-18 spec with
# deterministic random weights, build the generated project and classify a sample image.
set -eu
cd "$(dirname "$0")/.."
tools/install_deps.sh build
jobs=$(nproc 2>/dev/null || echo 2)
run() { echo "+ $*"; "$@"; }
run cmake -S . -B build -DCMAKE_BUILD_TYPE=Release > /dev/null
run cmake --build build -j"$jobs" --target resnetc
run build/resnetc check examples/resnet18.json
run build/resnetc compile examples/resnet18.json --random-weights 42 -o build/demo/resnet18
run cmake -S build/demo/resnet18 -B build/demo/resnet18/build > /dev/null
run cmake --build build/demo/resnet18/build -j"$jobs"
run build/demo/resnet18/build/resnet18 --input examples/sample_224.pgm --top 5 --bench 20
