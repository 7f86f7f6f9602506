"""Synthetic clips for the always-on tests: coloured squares as faces, and a detector that finds them."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from aegis.data.store import write_store
from aegis.faces.base import Detection, Region
from aegis.faces.geometry import detect_in_region, in_region_only
from aegis.labels import CLASSES
from aegis.meta import ModelInfo

COLOURS = {"red": (40, 40, 240), "blue": (250, 170, 60), "green": (40, 250, 40)}  # BGR, distinct grey levels


def grey_level(colour: str) -> int:
    """The grey value OpenCV gives a colour."""
    return int(cv2.cvtColor(np.uint8([[COLOURS[colour]]]), cv2.COLOR_BGR2GRAY)[0, 0])


def draw_frame(faces: list[tuple[str, tuple[int, int, int, int]]], size: tuple[int, int] = (240, 320)) -> np.ndarray:
    """A dark BGR frame with one textured square per (colour, box), drawn in order (later ones in front)."""
    frame = np.full((*size, 3), 20, np.uint8)
    for colour, (x, y, w, h) in faces:
        cv2.rectangle(frame, (x, y), (x + w - 1, y + h - 1), COLOURS[colour], -1)
        cv2.circle(frame, (x + w // 3, y + h // 3), max(w // 10, 1), (250, 250, 250), -1)  # an "eye" for texture
    return frame


class SquareDetector:
    """Finds the squares of `draw_frame` in a grey frame: one box per visible blob of each colour's grey level
    (of `min_face` to `max_face` pixels a side, where given)."""

    def __init__(self, min_area: int = 400) -> None:
        self.min_area = min_area

    def __call__(self, grey: np.ndarray, min_face: float | None = None, max_face: float | None = None,
                 regions: list[Region] | None = None, known: list = ()) -> list[Detection]:
        if regions is not None:
            return in_region_only(self, grey, regions, min_face, max_face)
        found = []
        for colour in COLOURS:
            mask = (np.abs(grey.astype(int) - grey_level(colour)) <= 3).astype(np.uint8)
            mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8))
            n, _, stats, _ = cv2.connectedComponentsWithStats(mask)
            for x, y, w, h, area in stats[1:n]:
                if area >= self.min_area and (min_face or 0) <= max(w, h) <= (max_face or np.inf):
                    found.append(Detection((int(x), int(y), int(w), int(h)), 0.9))
        return found

    def prepare(self, grey: np.ndarray) -> np.ndarray:
        return grey

    def smallest_face(self, shape: tuple[int, ...]) -> float:
        return float(np.sqrt(self.min_area))

    def around(self, grey: np.ndarray, boxes: list[tuple[int, int, int, int]]) -> list[list[Detection]]:
        return [detect_in_region(self, grey, box) for box in boxes]

    def near(self, grey: np.ndarray, box: tuple[int, int, int, int]) -> list[Detection]:
        return []


def write_video(path: Path, frames: list[np.ndarray], fps: float = 10.0) -> Path:
    """Write frames as an mp4v video."""
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path


def write_file(path: Path, data: bytes) -> Path:
    """Write bytes and return the path (for parametrised bad inputs)."""
    path.write_bytes(data)
    return path


def write_truncated_avi(path: Path, frames: int = 30) -> Path:
    """An MJPG avi of random frames cut to half its bytes: the header still claims all frames."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (160, 120))
    rng = np.random.default_rng(0)
    for _ in range(frames):
        writer.write(rng.integers(0, 255, (120, 160, 3), dtype=np.uint8))
    writer.release()
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    return path


def write_fer_csv(path: Path) -> Path:
    """A tiny FER2013 CSV: two Training rows, one PublicTest, one PrivateTest and one broken row."""
    rng = np.random.default_rng(0)
    lines = ["emotion,pixels,Usage"]
    for emotion, usage in ((3, "Training"), (0, "Training"), (6, "PublicTest"), (4, "PrivateTest")):
        lines.append(f"{emotion},{' '.join(map(str, rng.integers(0, 255, 48 * 48)))},{usage}")
    lines.append("9,1 2 3,Training")  # a broken row
    path.write_text("\n".join(lines) + "\n")
    return path


def window_store(path: Path, n: int = 70, seed: int = 0, meta: dict | None = None) -> Path:
    """A window store of n random windows, brightness by class (a learnable signal), 10 subjects."""
    rng = np.random.default_rng(seed)
    labels = [CLASSES[i % 7] for i in range(n)]
    windows = rng.integers(0, 255, (n, 5, 48, 48), dtype=np.uint8)
    for i, label in enumerate(labels):  # a learnable signal: brightness by class
        windows[i] = np.clip(windows[i] // 4 + 25 * CLASSES.index(label), 0, 255)
    rows = [{"label": label, "subject": f"s{i % 10}", "source": "synthetic", "video": f"v{i}", "end_frame": 4,
             "stride": 1} for i, label in enumerate(labels)]
    return write_store(path, windows, rows, {"recipe": "synthetic", **(meta or {})})


def ckplus_layout(root: Path, sequences: list[tuple]) -> Path:
    """A CK+ folder of sequences: (subject, seq, n_frames, face?, label text or None)."""
    for subject, seq, n, face, label in sequences:
        folder = root / "cohn-kanade-images" / subject / seq
        folder.mkdir(parents=True)
        for i in range(1, n + 1):
            frame = draw_frame([("red", (100, 60, 80, 80))] if face else [])
            cv2.imwrite(str(folder / f"{subject}_{seq}_{i:08d}.png"), frame)
        if label is not None:
            emotion = root / "Emotion" / subject / seq
            emotion.mkdir(parents=True)
            (emotion / f"{subject}_{seq}_{n:08d}_emotion.txt").write_text(f"   {label}\n")
    return root


CKPLUS_SEQUENCES = [("S005", "001", 8, True, "3.0000000e+00"), ("S005", "002", 6, False, "5.0000000e+00"),
                    ("S010", "001", 4, True, None), ("S011", "001", 5, True, "2.0000000e+00"),
                    ("S012", "003", 5, True, "abc")]


class RecordingModel:
    """Stands in for OnnxModel: records every batch of windows it is given."""

    def __init__(self, frames: int = 5, crop: str = "bigfacex") -> None:
        self.info = ModelInfo(name="recorder", classes=CLASSES, frames=frames, crop=crop)
        self.classes = CLASSES
        self.batches: list[np.ndarray] = []

    def __call__(self, windows: np.ndarray) -> np.ndarray:
        self.batches.append(windows.copy())
        return np.full((len(windows), len(CLASSES)), 1 / len(CLASSES), np.float32)
