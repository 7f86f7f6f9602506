#!/usr/bin/env bash
# Reproduce Table II side by side on CK+48 (../shared/data/ckplus48), as reported in docs/table2.md.
# Usage: scripts/table2.sh [WORK_DIR] [EPOCHS]   (needs the train extra; about 40 minutes on 2 cores at 20 epochs)
set -euo pipefail
work=${1:-work/table2}
epochs=${2:-20}
aegis data build --recipe sequence --source images=../shared/data/ckplus48 --contempt --out "$work/ck48-seq"
for model in timeconvnet-minixception timeconvnet-resnet20 timeconvnet-mobilenetv2 minixception-2d \
             resnet20-3d resnet20-r2plus1d; do
  [ -f "$work/$model-subject/result.json" ] && continue
  aegis train --model "$model" --data "$work/ck48-seq" --out "$work/$model-subject" --contempt \
    --epochs "$epochs" --batch 32 --schedule paper --split subject --resume
done
[ -f "$work/timeconvnet-resnet20-random/result.json" ] || \
  aegis train --model timeconvnet-resnet20 --data "$work/ck48-seq" --out "$work/timeconvnet-resnet20-random" \
    --contempt --epochs "$epochs" --batch 32 --schedule paper --split random --resume
aegis bench --model timeconvnet-minixception timeconvnet-resnet20 timeconvnet-mobilenetv2 minixception-2d \
  resnet20-3d resnet20-r2plus1d --runs 1000 --threads 1 --json "$work/bench.json" --table \
  --eval "$work"/*-subject/test_report.json
