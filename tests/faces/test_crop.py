import cv2
import numpy as np
import pytest

from aegis.faces.crop import adjust_box, crop_face, eye_roll


def test_bigfacex_grows_ten_percent_a_side():
    assert adjust_box((100, 100, 50, 50), "bigfacex", (480, 640)) == (95, 95, 60, 60)


def test_faceparty_shrinks_x_and_top():
    assert adjust_box((100, 100, 50, 50), "faceparty", (480, 640)) == (105, 110, 40, 40)


def test_person_region_extends_three_heights_down_and_one_width_out():
    assert adjust_box((100, 100, 50, 50), "person", (480, 640)) == (50, 100, 150, 200)
    assert adjust_box((10, 400, 50, 50), "person", (480, 640)) == (0, 400, 110, 80)


def test_box_is_clipped_to_frame():
    assert adjust_box((-20, -10, 50, 40), "none", (100, 100)) == (0, 0, 30, 30)
    assert adjust_box((90, 90, 50, 50), "bigfacex", (100, 100)) == (85, 85, 15, 15)


def test_unknown_margin():
    with pytest.raises(ValueError, match="margin"):
        adjust_box((0, 0, 10, 10), "wide", (100, 100))


def test_crop_face_shape_range_and_content():
    grey = np.zeros((100, 100), np.uint8)
    grey[20:60, 20:60] = 255
    crop = crop_face(grey, (20, 20, 40, 40), size=48, margin="none")
    assert crop.shape == (48, 48) and crop.dtype == np.uint8  # uint8 up to the graph, which scales it
    assert crop.min() == 255
    grown = crop_face(grey, (20, 20, 40, 40), size=48, margin="bigfacex")
    assert grown[0, 0] == 0 and grown[24, 24] == 255


def _unit(crop: np.ndarray) -> np.ndarray:
    """A uint8 crop as floats in 0..1, so that differences neither wrap nor depend on the scale."""
    return crop.astype(np.float32) / 255


def test_a_tilted_face_comes_out_level_and_an_upright_one_unchanged():
    grey = np.full((200, 200), 40, np.uint8)
    cv2.line(grey, (60, 100), (140, 100), 230, 5)  # a level "eye line" through the box centre
    box = (50, 50, 100, 100)
    level = _unit(crop_face(grey, box, 48, "none"))
    turn = cv2.getRotationMatrix2D((100, 100), -30, 1.0)  # tilt the frame by 30 degrees about the box centre
    tilted = cv2.warpAffine(grey, turn, (200, 200), flags=cv2.INTER_LINEAR, borderValue=40)
    eyes = [tuple(turn @ np.array([x, 100.0, 1.0])) for x in (70, 130)]
    roll = eye_roll((*eyes, (0, 0), (0, 0), (0, 0)))
    assert abs(roll - 30) < 1e-6
    aligned = _unit(crop_face(tilted, box, 48, "none", roll))
    assert np.abs(aligned - level)[10:38, 10:38].mean() < 0.03  # the line is level again
    assert np.abs(_unit(crop_face(tilted, box, 48, "none")) - level)[10:38, 10:38].mean() > 0.1  # unaligned it is not
    np.testing.assert_array_equal(_unit(crop_face(grey, box, 48, "none", 0.2)), level)  # under half a degree: as is
    assert eye_roll(None) == 0.0
    big = cv2.resize(tilted, (800, 800))  # a face much larger than the crop is shrunk first, same result
    assert np.abs(_unit(crop_face(big, (200, 200, 400, 400), 48, "none", roll)) - aligned).mean() < 0.02


@pytest.mark.parametrize("box", [(-20, -10, 60, 60), (150, 170, 80, 80), (300, 300, 40, 40)])
def test_a_turned_crop_at_or_past_the_frame_edge_equals_turning_the_whole_frame(box):
    grey = np.random.default_rng(0).integers(0, 256, (240, 320), dtype=np.uint8)
    x, y, w, h = box
    turn = np.vstack([cv2.getRotationMatrix2D((x + w / 2, y + h / 2), 25.0, 1.0), [0, 0, 1]])
    fit = np.array([[48 / w, 0, -x * 48 / w], [0, 48 / h, -y * 48 / h]])
    whole = cv2.warpAffine(grey, fit @ turn, (48, 48), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    np.testing.assert_allclose(crop_face(grey, box, 48, "none", 25.0).astype(float), whole.astype(float), atol=1.5)


def test_detection_sees_a_dark_frame_stretched_and_a_normal_one_as_it_is():
    from aegis.faces.crop import stretch_contrast

    rng = np.random.default_rng(0)
    normal = rng.integers(0, 256, (120, 160), dtype=np.uint8)
    assert stretch_contrast(normal) is normal
    dark = (normal * 0.25).astype(np.uint8)  # 0..63
    stretched = stretch_contrast(dark)
    assert stretched.dtype == np.uint8 and stretched.min() == 0 and stretched.max() == 255
    order = np.argsort(dark.ravel(), kind="stable")
    assert np.all(np.diff(stretched.ravel()[order].astype(int)) >= 0)  # darker stays darker
