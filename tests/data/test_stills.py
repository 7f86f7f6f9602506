import cv2
import numpy as np
from synthetic import write_fer_csv

from aegis.cli import main
from aegis.data.images import scan_images
from aegis.data.stills import still_window
from aegis.data.store import load_store
from aegis.labels import CLASSES


def test_still_window_ends_on_the_still_and_drifts_smoothly():
    rng = np.random.default_rng(0)
    image = cv2.GaussianBlur(rng.integers(0, 255, (48, 48), dtype=np.uint8), (0, 0), 2)
    window = still_window(image, 5, np.random.default_rng(1))
    assert window.shape == (5, 48, 48) and window.dtype == np.uint8
    np.testing.assert_array_equal(window[-1], image)
    steps = [np.abs(window[i].astype(int) - window[i + 1]).mean() for i in range(4)]
    assert all(0 < s < 12 for s in steps)


def _image_tree(root):
    for folder, n in (("happy", 3), ("Angry", 2), ("bored", 1)):
        (root / folder).mkdir(parents=True)
        for i in range(n):
            cv2.imwrite(str(root / folder / f"S00{i}_001_0000000{i}.png"), np.full((60, 60), 40 * i, np.uint8))
    (root / "happy" / "readme.txt").write_text("x")


def test_scan_images_reports_unknown_labels_and_files(tmp_path):
    _image_tree(tmp_path)
    images, report = scan_images(tmp_path)
    assert sorted({i.label for i in images}) == ["anger", "happiness"] and len(images) == 5
    assert report.unknown_labels == {"bored": 1} and report.skipped_files[0].endswith("readme.txt")
    assert images[0].subject == "S000" and images[0].video == "S000_001"


def test_cli_builds_a_still_store(tmp_path, capsys):
    _image_tree(tmp_path / "src")
    assert main(["data", "build", "--recipe", "still", "--source", f"images={tmp_path / 'src'}",
                 "--out", str(tmp_path / "store"), "--window", "4"]) == 0
    store = load_store(tmp_path / "store")
    assert store.windows.shape == (5, 4, 48, 48) and store.meta["unknown_labels"] == {"bored": 1}
    assert len(store.meta["sha256"]) == 64
    assert main(["data", "build", "--recipe", "still", "--source", "videos=x", "--out", str(tmp_path / "s2")]) == 2
    assert "images=PATH" in capsys.readouterr().err


def test_sequence_recipe_regroups_consecutive_frames(tmp_path):
    src = tmp_path / "src" / "happy"
    src.mkdir(parents=True)
    for frame in (7, 5, 6):
        cv2.imwrite(str(src / f"S010_004_0000000{frame}.png"), np.full((48, 48), 10 * frame, np.uint8))
    cv2.imwrite(str(src / "S011_001_00000002.png"), np.full((48, 48), 200, np.uint8))
    assert main(["data", "build", "--recipe", "sequence", "--source", f"images={tmp_path / 'src'}",
                 "--out", str(tmp_path / "store")]) == 0
    store = load_store(tmp_path / "store")
    assert len(store) == 4 and store.meta["videos"] == 2
    last = np.asarray(store.windows[2])
    assert [int(f[0, 0]) for f in last] == [50, 50, 50, 60, 70]
    assert store.videos[:3] == ["S010_004"] * 3 and store.subjects[3] == "S011"


def test_fer2013_csv_by_usage(tmp_path):
    from aegis.data.images import scan_stills

    csv_path = write_fer_csv(tmp_path / "fer2013.csv")
    train, report = scan_stills(f"fer2013={csv_path}")
    assert [i.label for i in train] == ["happiness", "anger"] and len(report.skipped_files) == 1
    assert train[0].read_grey().shape == (48, 48)
    private, _ = scan_stills(f"fer2013={csv_path}#PrivateTest")
    assert [i.label for i in private] == ["sadness"]
    assert main(["data", "build", "--recipe", "still", "--source", f"fer2013={csv_path}#PublicTest",
                 "--out", str(tmp_path / "s")]) == 0
    assert load_store(tmp_path / "s").labels == ["neutral"]


def test_images_adapter_groups_sequences(tmp_path):
    from aegis.data.sources import scan_source

    _image_tree(tmp_path)
    videos, report = scan_source("images", tmp_path)
    assert sorted((v.video_id, v.label, len(v.frames)) for v in videos) == [
        ("S000_001", "anger", 1), ("S000_001", "happiness", 1), ("S001_001", "anger", 1), ("S001_001", "happiness", 1),
        ("S002_001", "happiness", 1)]
    assert report.unknown_labels == {"bored": 1}


def test_images_adapter_orders_frames_of_a_sequence(tmp_path):
    from aegis.data.sources import scan_source

    (tmp_path / "sad").mkdir()
    for frame in (12, 10, 11):
        cv2.imwrite(str(tmp_path / "sad" / f"S020_002_000000{frame}.png"), np.zeros((8, 8), np.uint8))
    (video,), _ = scan_source("images", tmp_path)
    assert video.video_id == "S020_002" and video.subject == "S020"
    assert [p.name[-6:-4] for p in video.frames] == ["10", "11", "12"]


def test_real_still_folders_scan_completely():
    from conftest import shared_data

    from aegis.data.sources import scan_source

    images, report = scan_images(shared_data("ckplus48"), contempt=True)
    assert len(images) == 861 and not report.unknown_labels and len({i.subject for i in images}) >= 100
    videos, _ = scan_source("images", shared_data("ckplus48"), contempt=True)
    assert len(videos) == 287 and all(len(v.frames) <= 3 for v in videos)
    train, _ = scan_images(shared_data("fer2013") / "train")
    assert len(train) == 28_709 and {i.label for i in train} == set(CLASSES)
