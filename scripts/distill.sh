#!/usr/bin/env bash
# Teacher-student runs of docs/accuracy.md: three VGG13 teachers, their averaged soft targets (`aegis distill`),
# and a Nano-A student. Usage: scripts/distill.sh [WORK_DIR] [TEACHER_VOTE_WEIGHT] [STUDENT_WEIGHT] [EPOCHS]
# The measured runs: teachers with vote weight 0.5 (FER+ mixed with the FER2013 label) or 1.0 (FER+ alone),
# 40-50 epochs, students 45-60 epochs; all on the lent H100 (about 7 s a teacher epoch, 4 s a student epoch,
# three teachers side by side). `--device auto` takes a GPU when there is one; on this 2-core CPU a teacher
# epoch takes about 45 minutes, so the recipe runs anywhere but the teachers want a GPU.
set -euo pipefail
work=${1:-work}
teacher_weight=${2:-1.0}
student_weight=${3:-0.7}
epochs=${4:-45}
data=../shared/data
runs=$work/runs
[ -f "$work/stills-fer-ck/meta.json" ] || aegis data build --recipe still --source fer2013=$data/fer2013/train \
  --source images=$data/ckplus48 --out "$work/stills-fer-ck"
common=(--data "$work/stills-fer-ck" --label-smoothing 0.05 --erase 0.25 --holdout 0.1 0 --schedule cosine
        --batch 64 --resume)
for seed in 0 1 2; do
  aegis train --model vgg13 --out "$runs/teacher-vgg13-v$teacher_weight-s$seed" --seed $seed --epochs 40 \
    --votes $data/fer2013/ferplus.csv --vote-weight "$teacher_weight" "${common[@]}"
done
targets=$work/teacher-v$teacher_weight.csv
[ -f "$targets" ] || aegis distill "$runs"/teacher-vgg13-v"$teacher_weight"-s{0,1,2} --data "$work/stills-fer-ck" \
  --out "$targets" --temperature 2
aegis train --model emotionnet-nano-a --out "$runs/student-nano-a-v$teacher_weight-w$student_weight" \
  --votes "$targets" --vote-weight "$student_weight" --epochs "$epochs" "${common[@]}"
