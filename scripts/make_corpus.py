"""Generate tests/corpus/: bad and odd inputs that every command reading input must survive.

    python scripts/make_corpus.py            # needs Pillow (the dev extra) for CMYK JPEG and GIF files

Cases that git cannot hold portably (non-UTF-8 and very long names, a symlink loop, an unwritable output
folder) are made by the tests themselves. MANIFEST.json lists every file with what it is.
"""

from __future__ import annotations

import json
import shutil
import zlib
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "corpus"
CONTAINERS = {".mp4": "mp4v", ".avi": "MJPG", ".mkv": "MJPG", ".mov": "mp4v"}


def face_frame(size: tuple[int, int] = (240, 320), seed: int = 0) -> np.ndarray:
    """A BGR frame with a bright face-like blob and texture, enough to encode something real."""
    rng = np.random.default_rng(seed)
    frame = rng.integers(0, 60, (*size, 3), dtype=np.uint8)
    cv2.ellipse(frame, (size[1] // 2, size[0] // 2), (50, 65), 0, 0, 360, (170, 180, 200), -1)
    return frame


def write_video(path: Path, frames: list[np.ndarray], codec: str) -> None:
    """Encode frames with OpenCV (an empty list writes a container with no frames)."""
    h, w = frames[0].shape[:2] if frames else (240, 320)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*codec), 10, (w, h))
    for frame in frames:
        writer.write(frame)
    writer.release()


def videos(out: Path, manifest: dict) -> None:
    """Per container: empty, text, random bytes, truncated, and no frames at all."""
    rng = np.random.default_rng(1)
    frames = [face_frame(seed=i) for i in range(12)]
    for suffix, codec in CONTAINERS.items():
        stem = suffix[1:]
        (out / f"empty{suffix}").write_bytes(b"")
        (out / f"text{suffix}").write_text("this is not a video\n" * 20)
        (out / f"random{suffix}").write_bytes(rng.integers(0, 256, 4096, dtype=np.uint8).tobytes())
        whole = out / f"whole.{stem}.tmp{suffix}"
        write_video(whole, frames, codec)
        data = whole.read_bytes()
        (out / f"truncated{suffix}").write_bytes(data[: len(data) // 3])
        whole.unlink()
        write_video(out / f"zero-frames{suffix}", [], codec)
        manifest.update({f"empty{suffix}": "0 bytes", f"text{suffix}": "text with a video suffix",
                         f"random{suffix}": "4 KiB of random bytes",
                         f"truncated{suffix}": "a third of a 12-frame video",
                         f"zero-frames{suffix}": "a container written with no frame"})
    gif = [Image.fromarray(cv2.cvtColor(f, cv2.COLOR_BGR2RGB)) for f in frames]
    gif[0].save(out / "whole.gif", save_all=True, append_images=gif[1:], duration=100)
    data = (out / "whole.gif").read_bytes()
    (out / "truncated.gif").write_bytes(data[: len(data) // 3])
    (out / "whole.gif").unlink()
    (out / "empty.gif").write_bytes(b"")
    (out / "text.gif").write_text("GIF? no\n")
    (out / "random.gif").write_bytes(b"GIF89a" + rng.integers(0, 256, 2048, dtype=np.uint8).tobytes())
    manifest.update({"truncated.gif": "a third of a 12-frame GIF", "empty.gif": "0 bytes",
                     "text.gif": "text with a GIF suffix", "random.gif": "a GIF header, then random bytes"})


def images(out: Path, manifest: dict) -> None:
    """Odd but valid images, and broken ones."""
    face = face_frame()
    grey = cv2.cvtColor(face, cv2.COLOR_BGR2GRAY)
    cv2.imwrite(str(out / "grey.png"), grey)
    cv2.imwrite(str(out / "rgba.png"), cv2.cvtColor(face, cv2.COLOR_BGR2BGRA))
    cv2.imwrite(str(out / "16bit.png"), grey.astype(np.uint16) * 257)
    Image.fromarray(cv2.cvtColor(face, cv2.COLOR_BGR2RGB)).convert("CMYK").save(out / "cmyk.jpg", quality=90)
    cv2.imwrite(str(out / "1x1.png"), np.full((1, 1, 3), 128, np.uint8))
    cv2.imwrite(str(out / "8k.png"), np.full((4320, 7680, 3), 90, np.uint8))
    jpeg = cv2.imencode(".jpg", face)[1].tobytes()
    (out / "broken.jpg").write_bytes(jpeg[:200] + b"\x00" * 300)
    (out / "empty.png").write_bytes(b"")
    manifest.update({"grey.png": "8-bit grey", "rgba.png": "BGRA with alpha", "16bit.png": "16-bit grey",
                     "cmyk.jpg": "CMYK JPEG", "1x1.png": "a 1x1 frame", "8k.png": "a 7680x4320 frame",
                     "broken.jpg": "a JPEG header, then zeros", "empty.png": "0 bytes"})


def bombs(out: Path, manifest: dict) -> None:
    """Small files whose headers declare a huge picture: decoders must refuse them before allocating.

    The GIF declares 12000x12000, under FFmpeg's own limit, which refuses 30000x30000 by itself.
    """
    side = (30000).to_bytes(2, "big")
    jpeg = bytearray(cv2.imencode(".jpg", np.zeros((8, 8, 3), np.uint8))[1].tobytes())
    sof = jpeg.index(b"\xff\xc0")
    jpeg[sof + 5:sof + 9] = side + side
    (out / "bomb.jpg").write_bytes(bytes(jpeg))
    png = bytearray(cv2.imencode(".png", np.zeros((1, 1), np.uint8))[1].tobytes())
    png[16:24] = (30000).to_bytes(4, "big") * 2
    png[29:33] = zlib.crc32(bytes(png[12:29])).to_bytes(4, "big")  # IHDR's checksum, so the header is valid
    (out / "bomb.png").write_bytes(bytes(png))
    Image.new("L", (1, 1)).save(out / "bomb.gif")
    gif = bytearray((out / "bomb.gif").read_bytes())
    gif[6:10] = (12000).to_bytes(2, "little") * 2  # the logical screen
    (out / "bomb.gif").write_bytes(bytes(gif))
    manifest.update({f"bomb.{kind}": f"a {kind.upper()} of a few bytes declaring {side}x{side}"
                     for kind, side in (("jpg", 30000), ("png", 30000), ("gif", 12000))})


def layouts(out: Path, manifest: dict) -> None:
    """Labelled-folder datasets: unknown labels only, no class folders, class folders with no image, extras."""
    crop = cv2.resize(cv2.cvtColor(face_frame(), cv2.COLOR_BGR2GRAY), (48, 48))
    for name, files in {
        "unknown-labels": ["bored/a.png", "sleepy/b.png"],
        "no-class-folders": ["a.png", "b.png"],
        "empty-classes": ["happy/.keep", "sad/.keep"],  # no image; the hidden file lets git keep the folders
        "extra-files": ["happy/a.png", "happy/notes.txt", "happy/nested/c.png", "README.md", "weird/d.png"],
        "broken-images": ["happy/broken.png", "sad/ok.png"],
    }.items():
        for rel in files:
            path = out / "layouts" / name / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if rel.endswith(".png") and "broken" not in rel:
                cv2.imwrite(str(path), crop)
            else:
                path.write_text("not an image\n")
        manifest[f"layouts/{name}"] = f"labelled-folder dataset: {', '.join(files)}"


def main() -> None:
    shutil.rmtree(CORPUS, ignore_errors=True)
    CORPUS.mkdir(parents=True)
    manifest: dict[str, str] = {}
    videos(CORPUS, manifest)
    images(CORPUS, manifest)
    bombs(CORPUS, manifest)
    layouts(CORPUS, manifest)
    (CORPUS / "MANIFEST.json").write_text(json.dumps(dict(sorted(manifest.items())), indent=2) + "\n")
    size = sum(p.stat().st_size for p in CORPUS.rglob("*") if p.is_file())
    print(f"{len(manifest)} cases, {size / 1024:.0f} KiB in {CORPUS}")


if __name__ == "__main__":
    main()
