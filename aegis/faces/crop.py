"""Pure crop functions: a frame and a face box to a 48x48 grey uint8 crop (the graph scales and normalises it)."""

from __future__ import annotations

import cv2
import numpy as np

Box = tuple[int, int, int, int]  # x, y, w, h in pixels
MARGINS = ("bigfacex", "faceparty", "none", "person")
FULL_CONTRAST = 128  # grey levels between a frame's 1st and 99th percentiles under which detection stretches it
PERSON_DOWN, PERSON_OUT = 3.0, 1.0  # the person region: face heights below the face, face widths to each side


def person_box(box: Box, down: float = PERSON_DOWN, out: float = PERSON_OUT) -> tuple[float, float, float, float]:
    """The face box extended `down` face heights below it and `out` face widths to each side (not clipped)."""
    x, y, w, h = (float(v) for v in box)
    return x - out * w, y, w + 2 * out * w, h + down * h


def clip_box(box: tuple[float, float, float, float], frame_shape: tuple[int, ...]) -> Box:
    """A float (x, y, w, h) rounded and clipped to the frame, at least 1x1."""
    x, y, w, h = box
    fh, fw = frame_shape[:2]
    x0, y0 = min(max(int(round(x)), 0), fw - 1), min(max(int(round(y)), 0), fh - 1)
    x1, y1 = min(max(int(round(x + w)), x0 + 1), fw), min(max(int(round(y + h)), y0 + 1), fh)
    return x0, y0, x1 - x0, y1 - y0


def margin_box(box: Box, margin: str) -> tuple[float, float, float, float]:
    """A face box grown or shrunk by a recipe's margin (not clipped to any frame).

    "bigfacex" grows the box 10% on each side; "faceparty" shrinks it 10% on each side in x and cuts 20% of
    its height from the top; "person" takes the person region below and around the face (`person_box`), the
    input of a context CNN; "none" leaves it as it is.
    """
    x, y, w, h = (float(v) for v in box)
    if margin == "bigfacex":
        return x - 0.1 * w, y - 0.1 * h, 1.2 * w, 1.2 * h
    if margin == "faceparty":
        return x + 0.1 * w, y + 0.2 * h, 0.8 * w, 0.8 * h
    if margin == "person":
        return person_box(box)
    if margin != "none":
        raise ValueError(f"margin {margin!r} is not one of {MARGINS}")
    return x, y, w, h


def adjust_box(box: Box, margin: str, frame_shape: tuple[int, ...]) -> Box:
    """A face box adjusted by a recipe's margin (`margin_box`), then clipped to a frame of `frame_shape`
    (H, W, ...): (x, y, w, h), at least 1x1 and inside the frame."""
    return clip_box(margin_box(box, margin), frame_shape)


def to_grey(frame: np.ndarray) -> np.ndarray:
    """A BGR, BGRA or grey frame as a 2-D grey uint8 image."""
    if frame.ndim == 2:
        return frame
    code = cv2.COLOR_BGRA2GRAY if frame.shape[2] == 4 else cv2.COLOR_BGR2GRAY
    return cv2.cvtColor(frame, code)


def stretch_contrast(grey: np.ndarray, full: float = FULL_CONTRAST) -> np.ndarray:
    """A dark or flat frame (its 1st to 99th grey percentiles spanning under `full` levels) stretched so that
    they span 0..255, as detection sees it; a frame of enough contrast is returned as it is."""
    counts = np.cumsum(cv2.calcHist([np.ascontiguousarray(grey[::8, ::8])], [0], None, [256], [0, 256])[:, 0])
    low, high = (int(np.searchsorted(counts, share * counts[-1])) for share in (0.01, 0.99))  # every 64th pixel
    if high - low >= full:
        return grey
    lut = np.clip((np.arange(256) - low) * 255.0 / max(high - low, 16.0), 0, 255).astype(np.uint8)
    return cv2.LUT(grey, lut)


def eye_roll(landmarks: tuple[tuple[float, float], ...] | None) -> float:
    """The in-plane tilt of the eye line in degrees (landmarks start with the left and right eye); 0 without."""
    if not landmarks:
        return 0.0
    (lx, ly), (rx, ry) = landmarks[0], landmarks[1]
    return float(np.degrees(np.arctan2(ry - ly, rx - lx)))


def crop_face(grey: np.ndarray, box: Box, size: int = 48, margin: str = "bigfacex", roll: float = 0.0) -> np.ndarray:
    """Cut the adjusted box out of a grey uint8 frame and resize it to a (size, size) uint8 crop.

    A `roll` (degrees, `eye_roll`) turns the frame about the box's centre first, so a tilted face's eye line
    comes out level; the box is then cut from the turned frame (its border pixels repeat where it leaves the
    frame).
    """
    if abs(roll) < 0.5:
        x, y, w, h = adjust_box(box, margin, grey.shape)
        patch = grey[y:y + h, x:x + w]
        interp = cv2.INTER_AREA if w > size else cv2.INTER_LINEAR
        return cv2.resize(patch, (size, size), interpolation=interp)
    x, y, w, h = margin_box(box, margin)  # unclipped: the turned frame's border is repeated instead
    # only the part of the frame the turned box can reach is warped: the sub-image's border is the frame's
    # wherever the box leaves the frame, so the replicated border is the same
    reach = int(np.ceil(0.71 * max(w, h))) + 2
    cx, cy = int(round(x + w / 2)), int(round(y + h / 2))
    x0, y0 = min(max(cx - reach, 0), grey.shape[1] - 1), min(max(cy - reach, 0), grey.shape[0] - 1)
    grey = grey[y0:max(cy + reach, y0 + 1), x0:max(cx + reach, x0 + 1)]
    turn = cv2.getRotationMatrix2D((x - x0 + w / 2, y - y0 + h / 2), roll, 1.0)
    fit = np.array([[size / w, 0, -(x - x0) * size / w], [0, size / h, -(y - y0) * size / h]])
    matrix = fit @ np.vstack([turn, [0, 0, 1]])
    if w > 2 * size and min(grey.shape) > 1:  # shrink first so the warp's bilinear sampling does not alias
        grey = cv2.resize(grey, None, fx=2 * size / w, fy=2 * size / w, interpolation=cv2.INTER_AREA)
        matrix = matrix @ np.diag([w / (2 * size), w / (2 * size), 1.0])
    return cv2.warpAffine(grey, matrix, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
