"""The classes always come from the model: frames.csv, the collection tables and the timeline (the live server:
tests/app/test_live_server.py)."""

import csv

from synthetic import SquareDetector, draw_frame, write_video

from aegis.analyze.analyzer import Analyzer
from aegis.analyze.batch import BatchSettings, run_batch
from aegis.render.timeline import read_tracks


def _clip(tmp_path):
    (tmp_path / "in").mkdir()
    return write_video(tmp_path / "in" / "a.mp4", [draw_frame([("red", (40, 40, 70, 70))]) for _ in range(4)])


def test_frames_csv_and_the_timeline_carry_the_models_eighth_class(tmp_path, contempt_model):
    Analyzer(model=contempt_model, detector=SquareDetector()).save(str(_clip(tmp_path)), tmp_path / "out", video=False)
    with (tmp_path / "out" / "frames.csv").open() as f:
        header = next(csv.reader(f))
    assert header[10:] == ["anger", "disgust", "fear", "happiness", "sadness", "surprise", "neutral", "contempt",
                           "coasted"]
    tracks, classes, _ = read_tracks(tmp_path / "out" / "frames.csv")
    assert classes[-1] == "contempt" and tracks[1]["probs"].shape[1] == 8


def test_the_collection_tables_keep_the_models_contempt_columns(tmp_path, contempt_model):
    _clip(tmp_path)  # the header holds the model's classes whether or not a face is found
    run_batch([str(tmp_path / "in")], tmp_path / "batch", BatchSettings(model=str(contempt_model)), workers=1)
    with (tmp_path / "batch" / "collection.csv").open() as f:
        header = next(csv.reader(f))
    assert "share_contempt" in header and "mean_contempt" in header

