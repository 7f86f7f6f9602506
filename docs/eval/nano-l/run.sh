#!/usr/bin/env bash
# #13 again with the Nano-L static and the Nano-A default; back to back
set -x
cd /work/main
B=${1:-work/bench8}
PY=/work/main/.venv/bin/python
$PY benchmarks/pipeline_fps.py --json $B/fps-default.json
/work/peer-venv/bin/python benchmarks/pipeline_fps.py --peer --json $B/fps-peer.json
$PY benchmarks/pipeline_fps.py --detect-every 6 --json $B/fps-mtcnn-k6.json
$PY benchmarks/pipeline_fps.py --min-face 40 --json $B/fps-mtcnn-min40.json
$PY benchmarks/detectors.py --detectors mtcnn --json $B/detectors.json
$PY benchmarks/detectors.py --detectors mtcnn --min-face 40 --json $B/detectors-min40.json
$PY benchmarks/detectors.py --detectors mtcnn --clips-only --every 1 3 6 --min-face 8 --json $B/detectors-min8-clips.json
/work/peer-venv/bin/python benchmarks/detectors.py --peer --json $B/detectors-peer.json
$PY benchmarks/pickup.py --json $B/pickup.json
cd /work/main && $PY benchmarks/live_soak.py --seconds 60 --clients 1 --fps 15 --warmup 5 --json $B/soak-new.json
echo done > /work/main/$B/done
