#!/usr/bin/env bash
# Reproduce the three shipped models on a CPU (needs the train extra and ../shared/data), as docs/accuracy.md
# reports them. Usage: scripts/train_shipped.sh [WORK_DIR]. Each step resumes or skips when its output exists;
# the static run takes about 70 minutes on one thread, the temporal fine-tune about 10.
set -euo pipefail
work=${1:-work}
data=../shared/data
votes=$data/fer2013/ferplus.csv
runs=$work/runs
mkdir -p "$runs"
# 1. One still store: FER2013 train (28,709) + CK+48 (807, contempt left out); framing "none" (docs/data.md).
[ -f "$work/stills-fer-ck/meta.json" ] || aegis data build --recipe still --source fer2013=$data/fer2013/train \
  --source images=$data/ckplus48 --out "$work/stills-fer-ck"
# 2. The static network: FER+ vote shares mixed half and half with the FER2013 label, label smoothing, random
#    erasing; 10% of the subjects held out to choose the epoch and to calibrate.
common=(--data "$work/stills-fer-ck" --votes "$votes" --vote-weight 0.5 --label-smoothing 0.05 --erase 0.25
        --holdout 0.1 0 --schedule cosine --threads 1 --batch 64 --resume)
aegis train --model emotionnet-nano-a --out "$runs/static-nano-a" --epochs 40 "${common[@]}"
# 2b. The temporal default: a TimeConvNet on Nano-A whose stem is the static network's, inflated over the 5
#     frames (on a still window it starts out as the static model), fine-tuned on the drifting still windows
#     (same split, so its validation windows stay unseen).
aegis train --model timeconvnet-nano-a --init "$runs/static-nano-a" --out "$runs/temporal-tcn-nano-a" --epochs 4 \
  --lr 3e-4 "${common[@]}"
# 3. Export with the measured framing and a temperature fitted on the held-out windows.
aegis export "$runs/static-nano-a" --out aegis/weights/static.onnx --crop none --calibrate
aegis export "$runs/temporal-tcn-nano-a" --out aegis/weights/default.onnx --crop none --calibrate
# 4. clip-pyramid on the new static model's features of the same still windows (5-frame clips).
[ -f "$work/clips-fer-ck/meta.json" ] || aegis data clips --source store="$work/stills-fer-ck" \
  --out "$work/clips-fer-ck" --model static
aegis train --model clip-pyramid --data "$work/clips-fer-ck" --out "$runs/clip-pyramid" --epochs 40
cp "$runs/clip-pyramid/model.onnx" aegis/weights/clip-pyramid.onnx
