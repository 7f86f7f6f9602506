"""Pipeline checks on the real clips in ../shared/data/videos (skipped when absent)."""

from collections import Counter

import pytest
from conftest import shared_data

from aegis.analyze.analyzer import Analyzer
from aegis.io.readers import open_source

pytestmark = pytest.mark.real_data


@pytest.mark.parametrize("name", ["head-pose-face-detection-male.gif", "head-pose-face-detection-female.gif"])
def test_single_face_found_on_most_frames(name, tiny_model):
    results = Analyzer(model=tiny_model).analyze(shared_data("videos") / name)
    with_face = sum(bool(r.faces) for r in results)
    assert with_face / len(results) >= 0.8, f"{with_face}/{len(results)} frames with a face"
    frames_per_id = Counter(f.track_id for r in results for f in r.faces)
    assert frames_per_id.most_common(1)[0][1] / len(results) >= 0.8, frames_per_id


def test_two_people_keep_two_track_ids(tiny_model):
    results = Analyzer(model=tiny_model).analyze(shared_data("videos") / "head-pose-face-detection-female-and-male.gif")
    frames_per_id = Counter(f.track_id for r in results for f in r.faces)
    main = [tid for tid, n in frames_per_id.items() if n >= len(results) // 2]
    assert len(main) == 2, frames_per_id
    both = sum(set(main) <= {f.track_id for f in r.faces} for r in results)
    assert both / len(results) >= 0.8, f"both people tracked in {both}/{len(results)} frames"


def test_annotated_video_has_input_frame_count(tmp_path, tiny_model):
    path = shared_data("videos") / "head-pose-face-detection-female.gif"
    summary = Analyzer(model=tiny_model).save(path, tmp_path / "out", show_progress=False)
    n_in = len(list(open_source(path)))
    assert summary["frames"] == n_in
    assert len(list(open_source(tmp_path / "out" / "annotated.mp4"))) == n_in
