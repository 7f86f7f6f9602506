#!/usr/bin/env bash
# Reproduce the three shipped models on a CPU (needs the train extra and ../shared/data), as docs/accuracy.md
# reports them. Usage: scripts/train_shipped.sh [WORK_DIR]. Each step resumes or skips when its output exists;
# on one thread the first static run takes about 70 minutes, its FER+ fine-tune about 20, the temporal
# fine-tune about 8.
set -euo pipefail
work=${1:-work}
data=../shared/data
votes=$data/fer2013/ferplus.csv
runs=$work/runs
mkdir -p "$runs"
# 1. One still store: FER2013 train (28,709) + CK+48 (807, contempt left out); framing "none" (docs/data.md).
[ -f "$work/stills-fer-ck/meta.json" ] || aegis data build --recipe still --source fer2013=$data/fer2013/train \
  --source images=$data/ckplus48 --out "$work/stills-fer-ck"
# 2. A first static run: FER+ vote shares mixed half and half with the FER2013 label, label smoothing, random
#    erasing; 10% of the subjects held out to choose the epoch and to calibrate.
recipe=(--data "$work/stills-fer-ck" --votes "$votes" --label-smoothing 0.05 --erase 0.25 --holdout 0.1 0
        --schedule cosine --threads 1 --batch 64 --resume)
common=("${recipe[@]}" --vote-weight 0.5)
aegis train --model emotionnet-nano-a --out "$runs/static-nano-a" --epochs 40 "${common[@]}"
# 2b. The shipped static network: that run fine-tuned 12 epochs toward the FER+ vote shares alone (vote weight
#     1; CK+48, which has no votes, keeps its own labels). The last epoch of the cosine schedule is kept.
fp=("${recipe[@]}" --vote-weight 1.0)
aegis train --model emotionnet-nano-a --init "$runs/static-nano-a" --out "$runs/static-nano-a-fp1" --epochs 12 \
  --lr 3e-4 "${fp[@]}"
# 2c. The temporal default: a TimeConvNet on Nano-A whose stem is the static network's, inflated over the 5
#     frames (on a still window it starts out as the static model), fine-tuned on the drifting still windows
#     (same split, so its validation windows stay unseen).
aegis train --model timeconvnet-nano-a --init "$runs/static-nano-a-fp1/last.pt" --out "$runs/temporal-tcn-nano-a-fp1" \
  --epochs 4 --lr 3e-4 "${fp[@]}"
# 3. Export with the measured framing and a temperature fitted on the held-out windows, against the class each
#    window's target puts first (its FER+ plurality where it has votes).
aegis export "$runs/static-nano-a-fp1/last.pt" --out aegis/weights/static.onnx --crop none --calibrate
aegis export "$runs/temporal-tcn-nano-a-fp1/last.pt" --out aegis/weights/default.onnx --crop none --calibrate
# 4. clip-pyramid on the new static model's features of the same still windows (5-frame clips).
[ -f "$work/clips-fer-ck-fp/meta.json" ] || aegis data clips --source store="$work/stills-fer-ck" \
  --out "$work/clips-fer-ck-fp" --model static
aegis train --model clip-pyramid --data "$work/clips-fer-ck-fp" --out "$runs/clip-pyramid-fp" --epochs 40
cp "$runs/clip-pyramid-fp/model.onnx" aegis/weights/clip-pyramid.onnx
