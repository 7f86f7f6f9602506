import resource
from pathlib import Path

import cv2
import numpy as np
import pytest

from aegis.io.imagesize import ImageError, declared_size, decode_image

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


@pytest.mark.parametrize("suffix", [".jpg", ".png", ".bmp", ".tif", ".webp"])
@pytest.mark.parametrize("shape", [(37, 91), (300, 17)])
def test_the_declared_size_is_the_decoded_size(suffix, shape):
    data = cv2.imencode(suffix, np.random.default_rng(0).integers(0, 255, (*shape, 3), dtype=np.uint8))[1].tobytes()
    assert declared_size(data) == (shape[1], shape[0])


def test_gif_headers_and_unknown_bytes():
    assert declared_size((CORPUS / "bomb.gif").read_bytes()) == (12000, 12000)
    assert declared_size(b"not an image at all") is None
    assert declared_size(b"\xff\xd8\xff" + b"\x00" * 50) is None  # no frame header


@pytest.mark.parametrize("name", ["bomb.jpg", "bomb.png"])
def test_a_bomb_is_refused_before_anything_is_allocated(name):
    data = (CORPUS / name).read_bytes()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(ImageError, match="30000x30000 is over the 8192-pixel limit"):
        decode_image(data)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100 * 1024  # KiB


def test_a_limit_of_its_own_and_the_undecodable():
    image = cv2.imencode(".png", np.zeros((40, 60), np.uint8))[1].tobytes()
    assert decode_image(image, cv2.IMREAD_GRAYSCALE, max_side=60).shape == (40, 60)
    with pytest.raises(ImageError, match="60x40 is over the 59-pixel limit"):
        decode_image(image, max_side=59)
    with pytest.raises(ImageError, match="empty"):
        decode_image(b"")
    with pytest.raises(ImageError, match="not a readable image"):
        decode_image((CORPUS / "broken.jpg").read_bytes())
