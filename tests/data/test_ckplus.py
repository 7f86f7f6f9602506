import pytest
from synthetic import CKPLUS_SEQUENCES, SquareDetector, ckplus_layout

from aegis.data.sources import scan_source
from aegis.errors import AegisError
from aegis.evaluation.videos import evaluate_ckplus
from aegis.runtime.onnx import OnnxModel


def test_scan_reads_labels_and_reports_the_rest(tmp_path):
    sequences, report = scan_source("ckplus", ckplus_layout(tmp_path, CKPLUS_SEQUENCES))
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
    root = ckplus_layout(tmp_path, CKPLUS_SEQUENCES)
    report = evaluate_ckplus(OnnxModel(tiny_model), root, detector=SquareDetector())
    assert report.sequences == 2 and report.no_face == 1 and report.no_face_sequences == ["S005_002"]
    assert report.n == 1 and report.sequence_accuracy in (0.0, 0.5)
    assert report.skipped_labels == {"contempt": 1} and len(report.skipped) == 2
