#!/usr/bin/env bash
# #23: the shipped models and the peer on the in-the-wild photos, as crops and as whole frames, and window
# against frame where time matters. Usage: run.sh [OUT_DIR]
set -x
cd "$(dirname "$0")/../../.."
B=${1:-docs/eval/wild}
mkdir -p "$B"
PY=.venv/bin/python
PEER=/work/peer-venv/bin/python  # as in docs/eval/continuity/run.sh
WILD=../shared/data/wild
for model in window static; do
  $PY -m aegis.cli evaluate --model $model --source images=$WILD --json "$B/$model-crops.json"
  $PY -m aegis.cli evaluate --model $model --source scenes=$WILD --json "$B/$model-scenes.json"
done
$PEER benchmarks/peer_fer.py --source images=$WILD --json "$B/peer-crops.json"
$PEER benchmarks/peer_fer.py --source images=$WILD --mode scenes --json "$B/peer-scenes.json"
$PY benchmarks/frame_or_window.py --models window static --json "$B/frame-or-window.json"
