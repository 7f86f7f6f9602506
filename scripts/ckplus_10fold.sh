#!/usr/bin/env bash
# CK+48 under the EmotionNet Nano protocol: 7 classes with contempt, subject-independent 10-fold, mean ± std.
# Usage: scripts/ckplus_10fold.sh [WORK_DIR] [EPOCHS]   (needs the train extra); results in WORK/<model>/folds.json
set -euo pipefail
work=${1:-work/ckplus-10fold}
epochs=${2:-30}
[ -f "$work/ck48-seq/meta.json" ] || \
  aegis data build --recipe sequence --source images=../shared/data/ckplus48 --contempt --out "$work/ck48-seq"
for model in emotionnet-nano-a emotionnet-nano-b timeconvnet-minixception; do
  [ -f "$work/$model/folds.json" ] && continue
  aegis train --model "$model" --data "$work/ck48-seq" --out "$work/$model" --contempt --folds 10 \
    --epochs "$epochs" --batch 32 --schedule cosine --threads 1 --resume
done
