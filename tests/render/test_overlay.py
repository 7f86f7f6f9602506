import numpy as np
import pytest

from aegis.labels import CLASSES
from aegis.render.emoji import emoji
from aegis.render.overlay import draw_overlay, paste_bgra, track_colour
from aegis.runtime.results import FaceResult

LABELS = (*CLASSES, "uncertain")


@pytest.mark.parametrize("size", [24, 48, 120])
def test_emoji_are_distinct_opaque_discs(size):
    sprites = {label: emoji(label, size) for label in LABELS}
    for sprite in sprites.values():
        assert sprite.shape == (size, size, 4)
        assert sprite[size // 2, size // 2, 3] == 255 and sprite[0, 0, 3] == 0
    flat = [s.astype(int) for s in sprites.values()]
    for i in range(len(flat)):
        for j in range(i + 1, len(flat)):
            assert np.abs(flat[i] - flat[j]).mean() > 1.0, (LABELS[i], LABELS[j])


def test_track_colours_are_stable_and_distinct():
    assert track_colour(3) == track_colour(3)
    assert len({track_colour(i) for i in range(1, 20)}) == 19


def _face(box=(100, 120, 60, 60), label="happiness"):
    return FaceResult(1, box, 0.9, np.eye(7)[3], label, 0.97)


def test_emoji_floats_above_the_head_and_frame_is_not_modified_in_place():
    frame = np.zeros((240, 320, 3), np.uint8)
    out = draw_overlay(frame, [_face()], "emoji", boxes=False)
    assert frame.max() == 0
    above = out[:120, 100:160]
    assert above.max() > 0 and out[125:175, 105:155].max() == 0


def test_text_mode_draws_no_emoji_and_none_only_boxes():
    frame = np.zeros((240, 320, 3), np.uint8)
    text = draw_overlay(frame, [_face()], "text", boxes=False)
    emo = draw_overlay(frame, [_face()], "emoji", boxes=False)
    assert not np.array_equal(text, emo) and text[:116].max() > 0
    none = draw_overlay(frame, [_face()], "none", boxes=True)
    assert none[:100].max() == 0 and none[120, 100:160].max() > 0
    with pytest.raises(ValueError):
        draw_overlay(frame, [], "sparkles")


def test_paste_is_clipped_at_the_frame_edges():
    frame = np.zeros((50, 50, 3), np.uint8)
    paste_bgra(frame, emoji("happiness", 40), -20, -20)
    paste_bgra(frame, emoji("happiness", 40), 40, 40)
    paste_bgra(frame, emoji("happiness", 40), 200, 200)
    assert frame[0:20, 0:20].max() > 0 and frame[45:, 45:].max() > 0


def test_emoji_shrinks_to_fit_above_a_face_near_the_top():
    frame = np.zeros((240, 320, 3), np.uint8)
    out = draw_overlay(frame, [_face(box=(100, 40, 100, 100))], "emoji", boxes=False)
    assert out[:34, 100:200].max() > 0 and out[42:140, 100:200].max() == 0
