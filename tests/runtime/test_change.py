import numpy as np

from aegis.runtime.change import REFRESH_EVERY, ChangeRegions


def _scene(rng: np.random.Generator, noise: float = 0.0) -> np.ndarray:
    """A 240x320 grey gradient with sensor-like noise of `noise` grey levels."""
    ramp = np.tile(np.linspace(40, 200, 320, dtype=np.float32), (240, 1))
    return np.clip(ramp + rng.normal(0, noise, ramp.shape), 0, 255).astype(np.uint8) if noise else ramp.astype(np.uint8)


def test_sensor_noise_is_no_change_and_a_changed_patch_is_its_blocks():
    rng = np.random.default_rng(0)
    changes = ChangeRegions()
    assert changes.regions(_scene(rng, 3), 0) is None  # a band's first scan takes the whole frame
    assert changes.regions(_scene(rng, 3), 0) == []  # fresh noise of 3 grey levels: nothing
    frame = _scene(rng, 3)
    frame[100:130, 200:230] = 255
    assert changes.regions(frame, 0) == [(192, 96, 240, 144)]  # the 16 px blocks the patch touches
    assert changes.regions(frame, 0) == []  # seen now: the same frame again has no change
    assert changes.regions(frame, 1) is None  # each band keeps its own reference


def test_a_slow_drift_adds_up_until_the_band_scans_it():
    changes = ChangeRegions()
    frame = np.full((240, 320), 100, np.uint8)
    changes.regions(frame, 0)
    regions = []
    for level in (103, 106):  # each step under the change level, the sum over it
        frame[32:80, 32:80] = level
        regions.append(changes.regions(frame, 0))
    assert regions == [[], [(32, 32, 80, 80)]]


def test_a_change_over_most_of_the_frame_or_a_new_frame_size_scans_the_whole_frame():
    changes = ChangeRegions()
    changes.regions(np.full((240, 320), 100, np.uint8), 0)
    assert changes.regions(np.full((240, 320), 120, np.uint8), 0) is None  # the light changed
    assert changes.regions(np.full((240, 320), 120, np.uint8), 0) == []
    assert changes.regions(np.full((120, 160), 120, np.uint8), 0) is None


def test_what_it_keeps_of_a_frame_is_one_mean_per_16_px_block():
    changes = ChangeRegions()
    for band in range(3):
        changes.regions(np.zeros((480, 640), np.uint8), band)
    assert [m.shape for m in changes._seen.values()] == [(30, 40)] * 3


def test_changes_far_apart_are_separate_regions_and_a_found_face_is_left_out():
    changes = ChangeRegions()
    frame = np.full((240, 320), 100, np.uint8)
    changes.regions(frame, 0)
    frame[16:48, 16:48] = 200  # two patches far apart: two regions, not one box over the frame's middle
    frame[176:208, 256:288] = 200
    assert changes.regions(frame.copy(), 0) == [(16, 16, 48, 48), (256, 176, 288, 208)]
    frame[16:48, 16:48] = 50
    frame[176:208, 256:288] = 50
    assert changes.regions(frame, 0, exclude=[(0, 0, 64, 64)]) == [(256, 176, 288, 208)]  # a face found there


def test_a_whole_scan_of_every_size_counts_for_the_bands_it_covers_and_their_refresh_counts_from_it():
    changes = ChangeRegions()
    frame = np.full((240, 320), 100, np.uint8)
    assert changes.regions(frame, 3, covers=range(3)) is None  # no band has scanned yet: the whole frame
    assert [changes.regions(frame, band) for band in range(3)] == [[], [], []]  # seen by that scan already
    assert changes.regions(frame, 4) is None  # a kind it does not cover keeps its own first whole scan
    assert [changes.regions(frame, 0) for _ in range(REFRESH_EVERY - 2)] == [[]] * (REFRESH_EVERY - 2)
    assert changes.regions(frame, 0) is None  # band 0's REFRESH_EVERY-th scan after the one that covered it
