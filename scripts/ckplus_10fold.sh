#!/usr/bin/env bash
# CK+48 under the EmotionNet Nano protocol: 7 classes with contempt, subject-independent 10-fold, mean ± std.
# Usage: scripts/ckplus_10fold.sh [WORK_DIR] [EPOCHS]   (needs the train extra); results in WORK/<run>/folds.json
# The FER2013-initialised runs need the FER2013 training runs of docs/accuracy.md under work/runs/
# (nano-a-fer-blur, tcn-mx-fer-blur, nano-s-fer-blur); a later --epochs overrides EPOCHS.
set -euo pipefail
work=${1:-work/ckplus-10fold}
epochs=${2:-30}
[ -f "$work/ck48-seq/meta.json" ] || \
  aegis data build --recipe sequence --source images=../shared/data/ckplus48 --contempt --out "$work/ck48-seq"
fold() {  # fold RUN_NAME MODEL [EXTRA ARGS...]
  local name=$1 model=$2
  shift 2
  [ -f "$work/$name/folds.json" ] && return
  aegis train --model "$model" --data "$work/ck48-seq" --out "$work/$name" --contempt --folds 10 \
    --epochs "$epochs" --batch 32 --schedule cosine --threads 1 --resume "$@"
}
for model in emotionnet-nano-a emotionnet-nano-b emotionnet-nano-s emotionnet-nano-xs timeconvnet-minixception \
             minixception-2d; do
  fold "$model" "$model"
done
fold emotionnet-nano-a-fer-init emotionnet-nano-a --init work/runs/nano-a-fer-blur
fold timeconvnet-minixception-fer-init timeconvnet-minixception --init work/runs/tcn-mx-fer-blur
fold emotionnet-nano-s-fer-init emotionnet-nano-s --init work/runs/nano-s-fer-blur
fold emotionnet-nano-a-fer-init-e60 emotionnet-nano-a --init work/runs/nano-a-fer-blur --epochs 60
fold emotionnet-nano-s-e60 emotionnet-nano-s --epochs 60
fold emotionnet-nano-s-e60-balance emotionnet-nano-s --epochs 60 --balance
fold emotionnet-nano-s-e60-paper emotionnet-nano-s --epochs 60 --schedule paper
