import cv2
import pytest
from synthetic import SquareDetector, draw_frame

from aegis.data.sources import scan_source
from aegis.errors import AegisError
from aegis.evaluation.videos import evaluate_ckplus
from aegis.runtime.onnx import OnnxModel


def _ckplus(root, sequences):
    """sequences: (subject, seq, n_frames, face?, label text or None)."""
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


LAYOUT = [("S005", "001", 8, True, "3.0000000e+00"), ("S005", "002", 6, False, "5.0000000e+00"),
          ("S010", "001", 4, True, None), ("S011", "001", 5, True, "2.0000000e+00"), ("S012", "003", 5, True, "abc")]


def test_scan_reads_labels_and_reports_the_rest(tmp_path):
    sequences, report = scan_source("ckplus", _ckplus(tmp_path, LAYOUT))
    assert [(s.video_id, s.subject, s.label, len(s.frames)) for s in sequences] == [
        ("S005_001", "S005", "disgust", 8), ("S005_002", "S005", "happiness", 6)]
    assert sequences[0].frames[-1].name == "S005_001_00000008.png"
    assert report.unknown_labels == {"contempt": 1} and len(report.skipped) == 2
    assert any("no emotion label" in s for s in report.skipped) and any("not a CK+" in s for s in report.skipped)
    with_contempt, _ = scan_source("ckplus", tmp_path, contempt=True)
    assert [s.label for s in with_contempt] == ["disgust", "happiness", "contempt"]


def test_missing_layout_is_a_clear_error(tmp_path):
    with pytest.raises(AegisError, match="cohn-kanade-images"):
        scan_source("ckplus", tmp_path)


def test_full_pipeline_gives_one_prediction_per_sequence(tmp_path, tiny_model):
    report = evaluate_ckplus(OnnxModel(tiny_model), _ckplus(tmp_path, LAYOUT), detector=SquareDetector())
    assert report.sequences == 2 and report.no_face == 1 and report.no_face_sequences == ["S005_002"]
    assert report.n == 1 and report.sequence_accuracy in (0.0, 0.5)
    assert report.skipped_labels == {"contempt": 1} and len(report.skipped) == 2
