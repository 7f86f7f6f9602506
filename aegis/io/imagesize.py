"""Image sizes read from file headers, so that outside bytes are refused before a decoder allocates for them."""

from __future__ import annotations

import struct

import cv2
import numpy as np

from aegis.errors import SourceError

MAX_SIDE = 8192  # the longest side any decoder of outside images or videos accepts (8K UHD is 7680)
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}  # JPEG frame headers
_STANDALONE = {0x01, *range(0xD0, 0xD8)}  # JPEG markers without a length


class ImageError(SourceError):
    """Bytes that are not an image this project decodes: empty, over the size limit, or undecodable."""


class ImageTooLarge(ImageError):
    """An image or frame whose size is over the limit."""


def _jpeg_size(data: bytes | memoryview) -> tuple[int, int] | None:
    """(width, height) from a JPEG's frame header, or None when no frame header comes before the scan."""
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in _STANDALONE:
            i += 2
            continue
        if marker == 0xDA:  # start of scan: no frame header before it
            return None
        length = struct.unpack(">H", data[i + 2:i + 4])[0]
        if marker in _SOF and i + 9 <= len(data):
            height, width = struct.unpack(">HH", data[i + 5:i + 9])
            return width, height
        i += 2 + length
    return None


def _tiff_size(data: bytes | memoryview) -> tuple[int, int] | None:
    """(width, height) from the first IFD of a TIFF."""
    order = "<" if data[:2] == b"II" else ">"
    try:
        (offset,) = struct.unpack(order + "I", data[4:8])
        (count,) = struct.unpack(order + "H", data[offset:offset + 2])
        size: dict[int, int] = {}
        for k in range(count):
            entry = data[offset + 2 + 12 * k:offset + 14 + 12 * k]
            tag, kind = struct.unpack(order + "HH", entry[:4])
            if tag in (256, 257):
                size[tag] = struct.unpack(order + ("H" if kind == 3 else "I"), entry[8:10 if kind == 3 else 12])[0]
        return (size[256], size[257]) if len(size) == 2 else None
    except (struct.error, KeyError):
        return None


def _webp_size(data: bytes | memoryview) -> tuple[int, int] | None:
    """(width, height) from a WebP's VP8, VP8L or VP8X chunk."""
    chunk = data[12:16]
    if chunk == b"VP8X" and len(data) >= 30:
        return 1 + int.from_bytes(data[24:27], "little"), 1 + int.from_bytes(data[27:30], "little")
    if chunk == b"VP8 " and len(data) >= 30:
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
    return None


def declared_size(data: bytes | memoryview) -> tuple[int, int] | None:
    """(width, height) that an image's header declares (JPEG, PNG, GIF, BMP, TIFF, WebP); None if not read."""
    if data[:3] == b"\xff\xd8\xff":
        return _jpeg_size(data)
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return struct.unpack("<HH", data[6:10])
    if data[:2] == b"BM" and len(data) >= 26:
        width, height = struct.unpack("<ii", data[18:26])
        return abs(width), abs(height)
    if data[:4] in (b"II*\0", b"MM\0*"):
        return _tiff_size(data)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _webp_size(data)
    return None


def check_size(width: int, height: int, what: str, max_side: int = MAX_SIDE) -> None:
    """ImageTooLarge when a declared size is over the limit."""
    if max(width, height) > max_side:
        raise ImageTooLarge(f"{what} of {width}x{height} is over the {max_side}-pixel limit")


def decode_image(data: bytes | np.ndarray, flags: int = cv2.IMREAD_COLOR, max_side: int = MAX_SIDE,
                 what: str = "image") -> np.ndarray:
    """An image decoded by OpenCV once its header's size is within `max_side`; ImageError otherwise (named
    `what` in the message of ImageTooLarge).

    A header this module cannot read must still be decoded to learn its size; OpenCV's own pixel limit
    (OPENCV_IO_MAX_IMAGE_PIXELS, set in aegis/__init__.py) bounds what that allocates.
    """
    buffer = np.frombuffer(data, np.uint8) if isinstance(data, bytes) else data
    if not buffer.size:
        raise ImageError("empty file")
    size = declared_size(memoryview(buffer))  # the header read in place, no copy
    if size is not None:
        check_size(*size, what, max_side)
    try:
        image = cv2.imdecode(buffer, flags)
    except cv2.error as exc:
        raise ImageError(f"not decodable: {str(exc).strip().splitlines()[-1]}") from exc
    if image is None:
        raise ImageError("not a readable image")
    check_size(image.shape[1], image.shape[0], what, max_side)
    return image
