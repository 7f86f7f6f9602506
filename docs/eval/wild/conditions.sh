#!/usr/bin/env bash
# #23: does training under webcam and film conditions help? Nano-A, 6 epochs of the shipped recipe on the CPU, with
# and without --conditions 0.5, scored on PublicTest (FER+ majority) and on the wild photos as whole frames.
set -x
cd "$(dirname "$0")/../../.."
W=${1:-work/exp}
D=../shared/data
PY=.venv/bin/python
[ -f "$W/stills/meta.json" ] || $PY -m aegis.cli data build --recipe still --source fer2013=$D/fer2013/train \
  --source images=$D/ckplus48 --out "$W/stills"
for c in 0 0.5; do
  $PY -m aegis.cli train --model emotionnet-nano-a --data "$W/stills" --votes $D/fer2013/ferplus.csv --vote-weight 1.0 \
    --label-smoothing 0.05 --erase 0.25 --holdout 0.1 0 --schedule cosine --batch 128 --threads 1 --epochs 6 \
    --conditions $c --out "$W/nano-a-c$c" --resume
  $PY -m aegis.cli export "$W/nano-a-c$c/last.pt" --out "$W/nano-a-c$c.onnx" --crop none --calibrate
  $PY -m aegis.cli evaluate --model "$W/nano-a-c$c.onnx" --source fer2013=$D/fer2013/test --votes $D/fer2013/ferplus.csv \
    --json docs/eval/wild/conditions-c$c-publictest.json
  $PY -m aegis.cli evaluate --model "$W/nano-a-c$c.onnx" --source scenes=$D/wild --json docs/eval/wild/conditions-c$c-scenes.json
done
