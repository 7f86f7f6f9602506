#!/usr/bin/env bash
# Reproduce the three shipped models (needs the train extra and ../shared/data), as docs/accuracy.md reports
# them. Usage: scripts/train_shipped.sh [WORK_DIR] [DEVICE]. Each step resumes or skips when its output exists.
# The shipped runs ran on a lent H100 (`cuda`: about 5 s an epoch, a 60-epoch run 5 minutes); the same commands
# run on a CPU (the default `auto` picks it when there is no GPU; every random draw comes from CPU generators):
# there an epoch of the static run takes about 3.5 minutes on one thread, the run some 3.5 hours.
set -euo pipefail
work=${1:-work}
device=${2:-auto}
data=../shared/data
runs=$work/runs
mkdir -p "$runs"
# 1. One still store: FER2013 train (28,709) + CK+48 (807, contempt left out); framing "none" (docs/data.md).
[ -f "$work/stills-fer-ck/meta.json" ] || aegis data build --recipe still --source fer2013=$data/fer2013/train \
  --source images=$data/ckplus48 --out "$work/stills-fer-ck"
# 2. The static network, Nano-L, from scratch toward the FER+ vote shares alone (CK+48, which has no votes, keeps
#    its own labels), label smoothing, random erasing, 60 epochs of a cosine schedule; 10% of the subjects held
#    out to calibrate. The last epoch is kept.
fp=(--data "$work/stills-fer-ck" --votes $data/fer2013/ferplus.csv --vote-weight 1.0 --label-smoothing 0.05
    --erase 0.25 --holdout 0.1 0 --schedule cosine --batch 128 --threads 3 --device "$device" --resume)
aegis train --model emotionnet-nano-l --out "$runs/l-fp" --epochs 60 "${fp[@]}"
# 3. The temporal default, kept to Nano-A's size so that crowds stay fast: the same recipe on Nano-A, then a
#    TimeConvNet on Nano-A whose stem is that run's, inflated over the 5 frames (on a still window it starts
#    out as that network), fine-tuned on the drifting still windows (same split: its validation stays unseen).
aegis train --model emotionnet-nano-a --out "$runs/a-fp" --epochs 60 "${fp[@]}"
aegis train --model timeconvnet-nano-a --init "$runs/a-fp/last.pt" --out "$runs/tcn-a-fp" --epochs 4 --lr 3e-4 \
  "${fp[@]}"
# 4. Export with the measured framing and a temperature fitted on the held-out windows, against the class each
#    window's target puts first (its FER+ plurality where it has votes); the default frame model is the static
#    one quantised to int8 (scripts/quantize_static.py).
aegis export "$runs/l-fp/last.pt" --out aegis/weights/static-fp32.onnx --crop none --calibrate
python scripts/quantize_static.py
aegis export "$runs/tcn-a-fp/last.pt" --out aegis/weights/window.onnx --crop none --calibrate
# 5. clip-pyramid on the float static model's features of the same still windows (5-frame clips).
[ -f "$work/clips-fer-ck-l/meta.json" ] || aegis data clips --source store="$work/stills-fer-ck" \
  --out "$work/clips-fer-ck-l" --model static-fp32
aegis train --model clip-pyramid --data "$work/clips-fer-ck-l" --out "$runs/clip-pyramid-l" --epochs 40
cp "$runs/clip-pyramid-l/model.onnx" aegis/weights/clip-pyramid.onnx
