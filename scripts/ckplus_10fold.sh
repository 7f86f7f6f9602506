#!/usr/bin/env bash
# CK+48 under the EmotionNet Nano protocol: 7 classes with contempt, subject-independent 10-fold, mean ± std.
# Usage: scripts/ckplus_10fold.sh [WORK_DIR] [EPOCHS]   (needs the train extra); results in WORK/<run>/folds.json
# The FER2013-initialised runs start from a pre-training on the sharp FER2013 train images with FER+ votes and
# no CK+ (the shipped runs saw CK+48, which would leak every test fold): 12 epochs, made here if missing.
# Nano-A (about 25 CPU minutes), Nano-B and nano-s get it; the default's network (timeconvnet-nano-a) starts
# from Nano-A's run, its stem inflated over the 5 frames. A later --epochs overrides EPOCHS.
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
[ -f work/stills-fer/meta.json ] || \
  aegis data build --recipe still --source fer2013=../shared/data/fer2013/train --out work/stills-fer
pretrain() {  # pretrain NANO_NAME [EPOCHS]: on FER2013 with FER+ votes, no CK+ (made once); 12 epochs by default
  local run="work/runs/pre-nano-$1-fer${2:+-e$2}"
  [ -f "$run/result.json" ] || aegis train --model "emotionnet-nano-$1" \
    --out "$run" --data work/stills-fer --votes ../shared/data/fer2013/ferplus.csv \
    --vote-weight 0.5 --label-smoothing 0.05 --erase 0.25 --holdout 0.1 0 --schedule cosine --threads 1 \
    --batch 64 --epochs "${2:-12}" --resume
}
pretrain a
fold emotionnet-nano-a-ferplus-init emotionnet-nano-a --init work/runs/pre-nano-a-fer
fold timeconvnet-nano-a-ferplus-init timeconvnet-nano-a --init work/runs/pre-nano-a-fer
pretrain b
fold emotionnet-nano-b-ferplus-init emotionnet-nano-b --init work/runs/pre-nano-b-fer
pretrain s
fold emotionnet-nano-s-ferplus-init emotionnet-nano-s --init work/runs/pre-nano-s-fer
pretrain a 30  # a longer pre-training (about 55 CPU minutes)
fold emotionnet-nano-a-ferplus-init-e30 emotionnet-nano-a --init work/runs/pre-nano-a-fer-e30
# that run fine-tuned 12 epochs toward the FER+ votes alone, as the shipped static model was (about 20 minutes)
[ -f work/runs/pre-nano-a-fer-e30-fp/result.json ] || aegis train --model emotionnet-nano-a \
  --init work/runs/pre-nano-a-fer-e30 --out work/runs/pre-nano-a-fer-e30-fp --data work/stills-fer \
  --votes ../shared/data/fer2013/ferplus.csv --vote-weight 1.0 --label-smoothing 0.05 --erase 0.25 \
  --holdout 0.1 0 --schedule cosine --threads 1 --batch 64 --epochs 12 --lr 3e-4 --resume
fold emotionnet-nano-a-ferplus-only-init emotionnet-nano-a --init work/runs/pre-nano-a-fer-e30-fp/last.pt
fold timeconvnet-nano-a-ferplus-only-init timeconvnet-nano-a --init work/runs/pre-nano-a-fer-e30-fp/last.pt
fold emotionnet-nano-s-e60 emotionnet-nano-s --epochs 60
fold emotionnet-nano-s-e60-balance emotionnet-nano-s --epochs 60 --balance
fold emotionnet-nano-s-e60-paper emotionnet-nano-s --epochs 60 --schedule paper
# The latest start, the shipped static recipe without CK+: 40 epochs from scratch toward the FER+ votes alone,
# batch 128 (ran on a lent H100, `--device auto`: about 3 s an epoch; a Nano-A epoch on one CPU thread took
# 90-110 s here)
fp_pretrain() {  # fp_pretrain NANO_NAME
  local run="work/runs/pre-$1-fp"
  [ -f "$run/result.json" ] || aegis train --model "emotionnet-nano-$1" --out "$run" --data work/stills-fer \
    --votes ../shared/data/fer2013/ferplus.csv --vote-weight 1.0 --label-smoothing 0.05 --erase 0.25 \
    --holdout 0.1 0 --schedule cosine --batch 128 --epochs 40 --device auto --resume
}
for nano in a b s; do
  fp_pretrain $nano
  fold emotionnet-nano-$nano-ferplus-only-e40-init emotionnet-nano-$nano --init work/runs/pre-$nano-fp/last.pt
done
fold timeconvnet-nano-a-ferplus-only-e40-init timeconvnet-nano-a --init work/runs/pre-a-fp/last.pt
fold emotionnet-nano-a-ferplus-only-e40-init-lr3e-4 emotionnet-nano-a --init work/runs/pre-a-fp/last.pt --lr 3e-4
fold emotionnet-nano-a-ferplus-only-e40-init-e60 emotionnet-nano-a --init work/runs/pre-a-fp/last.pt --epochs 60
fold emotionnet-nano-a-ferplus-only-e40-init-ls0.1 emotionnet-nano-a --init work/runs/pre-a-fp/last.pt \
  --label-smoothing 0.1 --erase 0.25
fold emotionnet-nano-a-ferplus-only-e40-init-mixup0.2 emotionnet-nano-a --init work/runs/pre-a-fp/last.pt --mixup 0.2
