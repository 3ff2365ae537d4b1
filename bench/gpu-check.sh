#!/usr/bin/env bash
# The gpu backend on a real GPU, in under 8 minutes: the adapter must be an NVIDIA GPU through Vulkan (else it
# stops), then the gpu specs, then the figures (bench/gpu-check.ts) into $OUT/gpu-check.json (or ./gpu-check.json).
# Run from the repository root after `npm install` (dist/ and node_modules/ built on a machine with npm). Node:
# $NODE, else ./node/bin/node (a Node >= 20.19 for linux-x64 carried in the tree), else the one on PATH.
set -euo pipefail
node=${NODE:-}
[[ -z "$node" && -x node/bin/node ]] && node=node/bin/node
[[ -z "$node" ]] && node=$(command -v node || true)
if [[ -z "$node" ]]; then
  echo "gpu-check: no Node found: set NODE, or unpack a Node >= 20.19 (linux-x64) into ./node" >&2
  exit 2
fi
if [[ ! -f dist/bench/gpu-check.js || ! -d node_modules/webgpu ]]; then
  echo "gpu-check: run 'npm install' first (it builds dist/ and installs the webgpu package)" >&2
  exit 2
fi
out=${OUT:-.}/gpu-check.json
"$node" dist/bench/gpu-check.js "$out" --adapter-only "$@"
"$node" node_modules/mocha/bin/mocha.js --no-config --timeout 300000 \
  dist/spec/tensor/backends/gpu.spec.js dist/spec/train/step.spec.js
timeout 420 "$node" dist/bench/gpu-check.js "$out" "$@"
