"""Benchmark: does each face stay in every frame at the default settings? Face-frames, ghosts, tracks, ID switches.

    python benchmarks/continuity.py [--clips DIR] [--json FILE] [--misses FILE] [--detect-every K]

For each shared clip and versions of it made here (tilted: the frame turned up to +-40 degrees and back; sideways:
shifted up to 80 px left and right; occluded: a hand-sized blob sweeping across at face height; dark: gamma 2.2 at
40% contrast), the pipeline runs twice with the shipped default model and detector: at the defaults (`--detect-
every 3`, scans of what changed, coasting, the lower O-Net cut on tracked boxes) and as the reference, a whole scan
of every frame without coasting and with one O-Net cut for every box. A reference face is covered in a frame when a
default row overlaps it (IoU >= 0.3). Every reference face-frame the defaults miss is listed with its cause:
`tracked` (a track was predicted there, and neither its re-find nor the band scan found the face) or `untracked`
(no track was there: not picked up yet, or lost for longer than the coast). Rows of the defaults that cover no
reference face are ghosts (coasted or detected); an ID switch is a reference track whose covering default track
changes.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import cv2
import numpy as np

from aegis.faces.mtcnn import MtcnnDetector, MtcnnSettings
from aegis.faces.track import iou
from aegis.io.readers import open_source
from aegis.runtime.onnx import OnnxModel
from aegis.runtime.stream import NEAR_SEARCH_MAX_MISSED, FacePipeline, StreamSettings

VIDEOS = Path(__file__).resolve().parents[2] / "shared" / "data" / "videos"
MATCH_IOU = 0.3


def variants(frames: list[np.ndarray]) -> dict[str, list[np.ndarray]]:
    """The clip as it is, tilted, sideways, occluded and dark."""
    n, (h, w) = len(frames), frames[0].shape[:2]
    phase = [np.sin(2 * np.pi * i / max(n - 1, 1)) for i in range(n)]
    tilted = [cv2.warpAffine(f, cv2.getRotationMatrix2D((w / 2, h / 2), 40 * p, 1.0), (w, h),
                             borderMode=cv2.BORDER_REPLICATE) for f, p in zip(frames, phase, strict=True)]
    sideways = [cv2.warpAffine(f, np.float32([[1, 0, 80 * p], [0, 1, 0]]), (w, h), borderMode=cv2.BORDER_REPLICATE)
                for f, p in zip(frames, phase, strict=True)]
    occluded = []
    for i, f in enumerate(frames):
        f = f.copy()
        x = int(-60 + (w + 120) * i / max(n - 1, 1))
        cv2.ellipse(f, (x, int(h * 0.4)), (35, 48), 0, 0, 360, (120, 150, 200), -1)  # a hand, skin-toned
        occluded.append(f)
    lut = (255 * 0.4 * (np.arange(256) / 255) ** 2.2).astype(np.uint8)
    dark = [cv2.LUT(f, lut) for f in frames]
    return {"as is": frames, "tilted": tilted, "sideways": sideways, "occluded": occluded, "dark": dark}


def run(model: OnnxModel, frames: list[np.ndarray], settings: StreamSettings, detector: MtcnnDetector
        ) -> tuple[list, list, float]:
    """Per frame: the rows (track id, box, coasted) and the boxes predicted before it; and the seconds taken."""
    pipeline = FacePipeline(model, detector, settings)
    rows, predicted, seconds = [], [], 0.0
    for i, frame in enumerate(frames):
        predicted.append(pipeline.tracker.predicted_boxes(max_missed=NEAR_SEARCH_MAX_MISSED))
        start = time.perf_counter()
        result = pipeline.process(frame, i)
        seconds += time.perf_counter() - start
        rows.append([(f.track_id, np.array(f.box, float), f.coasted) for f in result.faces])
    return rows, predicted, seconds


def compare(reference: list, default: list, predicted: list) -> tuple[dict, list[dict]]:
    """Coverage, ghosts, tracks and ID switches of the defaults against the reference; and each miss."""
    covered = ghosts = coasted_ghosts = switches = 0
    owner: dict[int, int] = {}  # reference track -> the default track last covering it
    misses = []
    for i, (ref_rows, rows) in enumerate(zip(reference, default, strict=True)):
        used = set()
        for ref_id, ref_box, _ in ref_rows:
            best = max(((iou(ref_box, box), k) for k, (_, box, _) in enumerate(rows) if k not in used), default=None)
            if best and best[0] >= MATCH_IOU:
                used.add(best[1])
                covered += 1
                track = rows[best[1]][0]
                switches += ref_id in owner and owner[ref_id] != track
                owner[ref_id] = track
                continue
            tracked = any(iou(ref_box, box) >= MATCH_IOU for box in predicted[i])
            misses.append({"frame": i, "reference_track": ref_id, "box": [int(v) for v in ref_box],
                           "cause": "tracked" if tracked else "untracked"})
        for k, (_, _, coasted) in enumerate(rows):
            if k not in used:
                ghosts += 1
                coasted_ghosts += coasted
    total = sum(len(r) for r in reference)
    return {"reference_face_frames": total, "covered": covered,
            "coverage": round(covered / total, 4) if total else None,
            "coasted_rows": sum(c for rows in default for _, _, c in rows), "ghost_rows": ghosts,
            "coasted_ghost_rows": coasted_ghosts, "id_switches": int(switches),
            "tracks": len({t for rows in default for t, _, _ in rows}),
            "reference_tracks": len({t for rows in reference for t, _, _ in rows}),
            "misses_tracked": sum(m["cause"] == "tracked" for m in misses),
            "misses_untracked": sum(m["cause"] == "untracked" for m in misses)}, misses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=Path, default=VIDEOS)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--misses", type=Path, help="write every missed face-frame with its cause here")
    parser.add_argument("--coast", type=int, default=StreamSettings().coast, help="the defaults' coast")
    parser.add_argument("--detect-every", type=int, default=StreamSettings().detect_every,
                        help="the defaults' size bands: the whole frame is scanned once over this many frames")
    parser.add_argument("--refind-threshold", type=float, default=MtcnnSettings().refind_threshold,
                        help="the defaults' O-Net cut on a tracked box")
    args = parser.parse_args()
    cv2.setNumThreads(1)
    model = OnnxModel(None)
    no_hysteresis = MtcnnSettings(refind_threshold=MtcnnSettings().thresholds[2])
    reference_detector = MtcnnDetector(no_hysteresis)  # the detector's own verdict on every frame
    detector = MtcnnDetector(MtcnnSettings(refind_threshold=args.refind_threshold))
    report, all_misses = [], {}
    for clip in sorted(args.clips.glob("*.gif")):
        frames = [cv2.resize(f, (640, 480)) if f.shape[1] > 640 else f for f in open_source(clip)]
        for name, version in variants(frames).items():
            reference, _, _ = run(model, version, StreamSettings(detect_every=1, skip_still=False, coast=0),
                                  reference_detector)
            defaults = StreamSettings(coast=args.coast, detect_every=args.detect_every)
            default, predicted, seconds = run(model, version, defaults, detector)
            row, misses = compare(reference, default, predicted)
            row = {"clip": clip.stem, "version": name, "frames": len(version), **row,
                   "fps_defaults": round(len(version) / seconds, 1)}
            report.append(row)
            all_misses[f"{clip.stem} / {name}"] = misses
            print(json.dumps(row), flush=True)
    totals = {k: sum(r[k] for r in report) for k in ("reference_face_frames", "covered", "ghost_rows",
                                                     "coasted_rows", "id_switches", "misses_tracked",
                                                     "misses_untracked")}
    totals["coverage"] = round(totals["covered"] / totals["reference_face_frames"], 4)
    totals["extra_tracks"] = sum(max(r["tracks"] - r["reference_tracks"], 0) for r in report)
    settings = {"coast": args.coast, "detect_every": args.detect_every, "refind_threshold": args.refind_threshold}
    print(json.dumps({"settings": settings, "total": totals}))
    if args.json:
        args.json.write_text(json.dumps({"settings": settings, "clips": report, "total": totals}, indent=2) + "\n")
    if args.misses:
        args.misses.write_text(json.dumps(all_misses, indent=2) + "\n")


if __name__ == "__main__":
    main()
