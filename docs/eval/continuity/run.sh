#!/usr/bin/env bash
# #24 suite beside the peer, back to back: continuity, speed, crowd and live. Usage: run.sh [OUT_DIR]
set -x
cd "$(dirname "$0")/../../.."
B=${1:-docs/eval/continuity}
mkdir -p "$B"
PY=.venv/bin/python
PEER=/work/peer-venv/bin/python  # fer 25.10.3, tensorflow-cpu, opencv-contrib-python<5, setuptools<81 (fer
# imports pkg_resources), and this project with --no-deps beside onnxruntime, scipy and av (benchmarks only)
$PY benchmarks/continuity.py --json "$B/defaults.json" --misses "$B/misses.json"
$PY benchmarks/pipeline_fps.py --json "$B/fps-default.json"
$PEER benchmarks/pipeline_fps.py --peer --json "$B/fps-peer.json"
$PY benchmarks/detectors.py --detectors mtcnn --json "$B/detectors.json"
$PEER benchmarks/detectors.py --peer --json "$B/detectors-peer.json"
$PY benchmarks/live_soak.py --seconds 60 --clients 1 --fps 15 --warmup 5 --json "$B/soak.json"
