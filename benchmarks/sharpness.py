"""Sharpness of image folders: percentiles of the variance of the Laplacian (low = blurred).

    python benchmarks/sharpness.py ../shared/data/fer2013/train ../shared/data/fer2013/test ../shared/data/ckplus48
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

from aegis.data.images import IMAGE_SUFFIXES


def laplacian_variances(root: Path) -> np.ndarray:
    """Variance of the Laplacian of every image under root (grey, as stored)."""
    values = []
    for path in sorted(root.rglob("*")):
        if path.suffix.lower() in IMAGE_SUFFIXES:
            grey = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
            if grey is not None:
                values.append(cv2.Laplacian(grey, cv2.CV_64F).var())
    return np.array(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path)
    args = parser.parse_args()
    print(f"{'folder':<40} {'n':>6} {'p5':>8} {'median':>8} {'p95':>8}")
    for folder in args.folders:
        v = laplacian_variances(folder)
        p5, p50, p95 = np.percentile(v, [5, 50, 95])
        print(f"{str(folder):<40} {len(v):>6} {p5:>8.1f} {p50:>8.1f} {p95:>8.1f}")


if __name__ == "__main__":
    main()
