#!/usr/bin/env bash
# demo.sh - compile the demo word count and run it on the bundled input
# (three batches from samples/data/words, manual clock: no server, no waiting).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
mkdir -p build/demo
build/streamc samples/demo_wordcount.stream -o build/demo/demo_wordcount
echo "streamc: compiled samples/demo_wordcount.stream -> build/demo/demo_wordcount"
build/demo/demo_wordcount --clock manual --batches 3
