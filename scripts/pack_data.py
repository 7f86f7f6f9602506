"""Pack ../shared/data's FER2013, FER+ votes and CK+48 into one small zip for a remote GPU machine, and unpack it.

All crops are grey. PNGs travel as lossless WebP (about 15% smaller) and come back as PNGs with the same pixels.
A store built from the copy can still differ from one built here where OpenCV differs (its drifted frames are
resampled): OpenCV 5.0.0 on the lent H100 gave another content hash than 4.14 here.

    python scripts/pack_data.py pack ../shared/data work/gpu/data.zip
    python scripts/pack_data.py unpack work/gpu/data.zip ../shared/data
"""

from __future__ import annotations

import argparse
import zipfile
from pathlib import Path

import cv2
import numpy as np

MEMBERS = ("fer2013/train", "fer2013/ferplus.csv", "ckplus48")  # the training data; PublicTest stays here


def pack(root: Path, out: Path) -> None:
    """Write every file of MEMBERS under root into the zip at out (stored: the crops are compressed already)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for member in MEMBERS:
            base = root / member
            for path in sorted([base] if base.is_file() else base.rglob("*")):
                if not path.is_file():
                    continue
                name, data = path.relative_to(root).as_posix(), path.read_bytes()
                if path.suffix == ".png":
                    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE)
                    name, data = name[:-4] + ".webp", cv2.imencode(".webp", image, [cv2.IMWRITE_WEBP_QUALITY, 101])[1]
                archive.writestr(name, bytes(data))


def unpack(archive: Path, root: Path) -> None:
    """Extract the zip under root, turning each WebP back into the PNG it came from."""
    with zipfile.ZipFile(archive) as source:
        for name in source.namelist():
            data = source.read(name)
            target = root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.suffix == ".webp":
                image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE)
                target, data = target.with_suffix(".png"), cv2.imencode(".png", image)[1].tobytes()
            target.write_bytes(data)


def main() -> None:
    """pack ROOT ZIP | unpack ZIP ROOT."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("pack", "unpack"))
    parser.add_argument("src", type=Path)
    parser.add_argument("dst", type=Path)
    args = parser.parse_args()
    (pack if args.action == "pack" else unpack)(args.src, args.dst)


if __name__ == "__main__":
    main()
