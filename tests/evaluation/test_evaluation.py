import json

import cv2
import numpy as np
import pytest
from conftest import shared_data

from aegis.cli import main
from aegis.data.store import write_store
from aegis.errors import AegisError
from aegis.evaluation.sources import evaluate_source
from aegis.runtime.onnx import OnnxModel


def window_store(path):
    rng = np.random.default_rng(0)
    labels = ["happiness", "sadness", "contempt", "anger"]
    windows = rng.integers(0, 255, (4, 3, 48, 48), dtype=np.uint8)  # shorter than t = 5: padded in front
    rows = [{"label": label, "subject": "s", "source": "x", "video": str(i), "end_frame": 2, "stride": 1}
            for i, label in enumerate(labels)]
    return write_store(path, windows, rows, {"recipe": "synthetic"})


def test_evaluate_store_cli_writes_json_and_plots(tmp_path, tiny_model, capsys):
    log = tmp_path / "log.csv"
    log.write_text("epoch,train_loss,train_acc,val_loss,val_acc,lr,seconds\n1,2.0,0.2,2.1,0.1,0.001,1\n"
                   "2,1.5,0.4,1.8,0.3,0.001,1\n")
    assert main(["evaluate", "--model", str(tiny_model), "--data", str(window_store(tmp_path / "s")),
                 "--json", str(tmp_path / "r.json"), "--plots", str(tmp_path / "plots"), "--log", str(log)]) == 0
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["n"] == 3 and report["skipped_labels"] == {"contempt": 1}
    assert sum(map(sum, report["confusion"])) == 3
    assert cv2.imread(str(tmp_path / "plots" / "confusion.png")) is not None
    assert cv2.imread(str(tmp_path / "plots" / "curves.png")) is not None
    assert "weighted F1" in capsys.readouterr().out


def test_evaluate_images_uses_folder_labels(tmp_path, tiny_model):
    for folder in ("Happy", "sad", "unknown-class"):
        (tmp_path / folder).mkdir()
        cv2.imwrite(str(tmp_path / folder / "a.png"), np.full((48, 48), 90, np.uint8))
    report = evaluate_source(OnnxModel(tiny_model), f"images={tmp_path}")
    assert report.n == 2 and report.skipped_labels == {"unknown-class": 1}
    assert report.per_class["happiness"]["n"] == 1 and report.per_class["sadness"]["n"] == 1


def test_evaluate_with_votes_plots_the_ferplus_confusion_and_reliability(tmp_path, tiny_model, capsys):
    for folder, stem in (("happy", "a"), ("sad", "b")):
        (tmp_path / "faces" / folder).mkdir(parents=True)
        cv2.imwrite(str(tmp_path / "faces" / folder / f"{stem}.png"), np.full((48, 48), 90, np.uint8))
    votes = tmp_path / "votes.csv"
    votes.write_text("split,file,neutral,happiness,surprise,sadness,anger,disgust,fear,contempt,unknown,NF\n"
                     "test,test/happy/a.png,0,10,0,0,0,0,0,0,0,0\ntest,test/sad/b.png,10,0,0,0,0,0,0,0,0,0\n")
    plots = tmp_path / "plots"
    assert main(["evaluate", "--model", str(tiny_model), "--source", f"images={tmp_path / 'faces'}", "--votes",
                 str(votes), "--plots", str(plots)]) == 0
    assert "FER+ majority accuracy" in capsys.readouterr().out
    for name in ("confusion", "reliability", "ferplus-confusion", "ferplus-reliability"):
        assert cv2.imread(str(plots / f"{name}.png")) is not None, name


def test_evaluate_source_rejects_unknown_kinds(tmp_path, tiny_model):
    with pytest.raises(AegisError, match="KIND=PATH"):
        evaluate_source(OnnxModel(tiny_model), f"lfw={tmp_path}")


@pytest.mark.real_data
def test_default_model_on_real_ckplus48_beats_chance():
    report = evaluate_source(OnnxModel(), f"images={shared_data('ckplus48')}")
    assert report.n == 807 and report.accuracy > 1 / 6


def test_evaluate_fer2013_csv(tmp_path, tiny_model):
    from synthetic import write_fer_csv

    report = evaluate_source(OnnxModel(tiny_model), f"fer2013={write_fer_csv(tmp_path / 'f.csv')}#Training")
    assert report.n == 2 and report.per_class["anger"]["n"] == 1


def test_evaluate_video_clips_by_main_face(tmp_path, tiny_model):
    from synthetic import SquareDetector, draw_frame, write_file, write_video

    (tmp_path / "happy").mkdir()
    (tmp_path / "sad").mkdir()
    write_video(tmp_path / "happy" / "a.mp4", [draw_frame([("red", (40, 40, 70, 70))])] * 6)
    write_video(tmp_path / "sad" / "b.mp4", [draw_frame([])] * 4)
    write_file(tmp_path / "sad" / "c.mp4", b"\x00broken" * 30)
    report = evaluate_source(OnnxModel(tiny_model), f"videos={tmp_path}", detector=SquareDetector())
    assert report.clips == 3 and report.n == 1 and report.no_face_clips == ["sad/b"]
    assert len(report.unreadable) == 1 and report.clip_accuracy in (0.0, 1 / 3)


def test_majority_report_counts_foreign_majorities_wrong_and_calibrates_on_the_rest(tmp_path):
    from aegis.data.votes import load_votes
    from aegis.evaluation.images import majority_report
    from aegis.labels import CLASSES

    path = tmp_path / "votes.csv"
    path.write_text("split,file,neutral,happiness,surprise,sadness,anger,disgust,fear,contempt,unknown,NF\n"
                    "test,test/x/a.jpg,9,1,0,0,0,0,0,0,0,0\n"      # neutral
                    "test,test/x/b.jpg,0,10,0,0,0,0,0,0,0,0\n"     # happiness
                    "test,test/x/c.jpg,0,0,0,0,0,0,0,10,0,0\n"     # contempt: the model lacks it
                    "test,test/x/d.jpg,4,4,0,0,0,0,0,0,2,0\n")     # no majority
    probs = np.full((4, 7), 0.02)
    probs[:, CLASSES.index("neutral")] = 0.88  # every image called neutral with confidence 0.88
    report = majority_report(load_votes(path), ["a", "b", "c", "d"], probs.argmax(1), CLASSES, probs)
    assert report.n == 3 and report.accuracy == pytest.approx(1 / 3)  # a right; b wrong; c counted wrong
    assert report.accuracy_own_classes == pytest.approx(1 / 2) and report.without_majority == 1
    assert report.calibration["ece"] == pytest.approx(abs(0.5 - 0.88))  # over a and b only


def test_scenes_score_the_largest_face_and_count_a_photo_without_one_as_wrong(tmp_path, tiny_model):
    from synthetic import SquareDetector, draw_frame

    for folder, faces in (("happy", [("red", (30, 40, 60, 60)), ("blue", (200, 40, 90, 90))]), ("sad", [])):
        (tmp_path / folder).mkdir()
        cv2.imwrite(str(tmp_path / folder / "photo.png"), draw_frame(faces))
    report = evaluate_source(OnnxModel(tiny_model), f"scenes={tmp_path}", SquareDetector())
    assert report.n == 1 and report.no_face == 1 and report.miss_rate == 0.5
    assert report.pipeline_accuracy <= 0.5  # the faceless photo counts as wrong


def test_through_the_detector_a_large_crop_is_scaled_to_a_face_size_that_is_found(tmp_path):
    crops = sorted((shared_data("ckplus48") / "happy").glob("*.png"))[:6]
    for i, path in enumerate(crops):
        (tmp_path / "happy").mkdir(exist_ok=True)
        big = cv2.resize(cv2.imread(str(path), cv2.IMREAD_GRAYSCALE), (143, 181), interpolation=cv2.INTER_CUBIC)
        cv2.imwrite(str(tmp_path / "happy" / f"{i}.png"), big)  # what an aligned film face is like: ~150 px
    report = evaluate_source(OnnxModel("static"), f"images={tmp_path}", through_detector=True)
    assert report.no_face == 0  # 4x into the 480 px frame, as before, it filled the frame and went unfound
