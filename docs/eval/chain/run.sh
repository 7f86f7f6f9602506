#!/usr/bin/env bash
# #13 suite beside the peer, back to back (first run: the chained MTCNN pyramid and upscaling for faces under
# 12 px; again with the retrained models: `docs/eval/chain/run.sh work/bench8`; with band scans of the changed
# part and the grey MTCNN graphs: work/bench14). Usage: run.sh [OUT_DIR]
set -x
cd /work/main
B=${1:-work/bench6}  # where the JSON goes
mkdir -p $B
PY=/work/main/.venv/bin/python
$PY benchmarks/pipeline_fps.py --json $B/fps-default.json
/work/peer-venv/bin/python benchmarks/pipeline_fps.py --peer --json $B/fps-peer.json
$PY benchmarks/pipeline_fps.py --scan-still --json $B/fps-scan-still.json
$PY benchmarks/pipeline_fps.py --noise 3 --json $B/fps-noise3.json
/work/peer-venv/bin/python benchmarks/pipeline_fps.py --peer --noise 3 --json $B/fps-peer-noise3.json
$PY benchmarks/pipeline_fps.py --detect-every 6 --json $B/fps-mtcnn-k6.json
$PY benchmarks/pipeline_fps.py --min-face 40 --json $B/fps-mtcnn-min40.json
$PY benchmarks/detectors.py --detectors mtcnn --json $B/detectors.json
$PY benchmarks/detectors.py --detectors mtcnn --min-face 40 --json $B/detectors-min40.json
$PY benchmarks/detectors.py --detectors mtcnn --clips-only --every 1 3 6 --min-face 8 --json $B/detectors-min8-clips.json
/work/peer-venv/bin/python benchmarks/detectors.py --peer --json $B/detectors-peer.json
$PY benchmarks/pickup.py --json $B/pickup.json
$PY benchmarks/pickup.py --still-background --json $B/pickup-still.json
cd /work/main && $PY benchmarks/live_soak.py --seconds 60 --clients 1 --fps 15 --warmup 5 --json $B/soak-new.json
echo done > /work/main/$B/done
