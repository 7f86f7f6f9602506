import importlib.util
from pathlib import Path

import cv2
import numpy as np

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "pack_data.py"


def _module():
    spec = importlib.util.spec_from_file_location("pack_data", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_pack_and_unpack_give_back_every_file_and_pixel(tmp_path):
    pack_data = _module()
    root, rng = tmp_path / "data", np.random.default_rng(0)
    crops = {f"fer2013/train/{c}/Training_{i}.png": rng.integers(0, 256, (48, 48), np.uint8)
             for i, c in enumerate(["angry", "happy", "happy"])}
    crops["ckplus48/fear/S010_004_00000017.png"] = rng.integers(0, 256, (48, 48), np.uint8)
    for name, image in crops.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(root / name), image)
    (root / "fer2013" / "ferplus.csv").write_text("split,file,neutral\ntrain,train/angry/Training_0.png,10\n")
    (root / "fer2013" / "test").mkdir()
    (root / "fer2013" / "test" / "left-out.jpg").write_bytes(b"not packed")
    pack_data.pack(root, tmp_path / "data.zip")
    pack_data.unpack(tmp_path / "data.zip", tmp_path / "copy")
    for name, image in crops.items():
        np.testing.assert_array_equal(cv2.imread(str(tmp_path / "copy" / name), cv2.IMREAD_UNCHANGED), image)
    assert (tmp_path / "copy" / "fer2013" / "ferplus.csv").read_text() == (root / "fer2013" / "ferplus.csv").read_text()
    assert not (tmp_path / "copy" / "fer2013" / "test").exists()
