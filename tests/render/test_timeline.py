import cv2
import numpy as np

from aegis.labels import CLASSES
from aegis.render.timeline import BAND_H, COLOURS, GAP, LEFT, PLOT_H, TOP, WIDTH, draw_timeline, read_tracks, smooth


def _frames_csv(path):
    header = "frame,time_s,track_id,x,y,w,h,face_score,label,confidence," + ",".join(CLASSES)
    rows = [header]
    for i in range(40):
        happy = [0.0] * 7
        happy[CLASSES.index("happiness")] = 0.9
        rows.append(f"{i},{i / 10:.3f},1,0,0,10,10,0.9,happiness,0.9," + ",".join(map(str, happy)))
        if i >= 20:  # a second person from 2 s on, sad, uncertain at first
            sad = [0.1] * 7
            sad[CLASSES.index("sadness")] = 0.4
            rows.append(f"{i},{i / 10:.3f},2,0,0,10,10,0.9,{'uncertain' if i < 25 else 'sadness'},0.4,"
                        + ",".join(map(str, sad)))
    rows.append("40,4.000,,,,,,,,," + "," * 6)  # a last frame without a face
    path.write_text("\n".join(rows) + "\n")
    return path


def test_each_track_gets_a_panel_with_its_curves_and_label_band(tmp_path):
    tracks, classes, end = read_tracks(_frames_csv(tmp_path / "frames.csv"))
    assert list(tracks) == [1, 2] and classes == CLASSES and end == 4.0
    out = draw_timeline(tmp_path / "frames.csv", tmp_path / "timeline.png", fps=10)
    img = cv2.imread(str(out))
    assert img.shape[0] == TOP + 2 * (PLOT_H + BAND_H + GAP) + 24 and img.shape[1] == WIDTH + LEFT + 20
    band = lambda track, t: tuple(img[TOP + track * (PLOT_H + BAND_H + GAP) + PLOT_H + 8,  # noqa: E731
                                      int(LEFT + t / 4.0 * WIDTH) + 2])
    assert band(0, 1.0) == COLOURS["happiness"]
    assert band(1, 2.1) == COLOURS["uncertain"] and band(1, 3.0) == COLOURS["sadness"]
    assert band(1, 1.0) == (255, 255, 255)  # no band before the second person appears
    happy_y = TOP + PLOT_H - int(0.9 * PLOT_H)
    column = img[happy_y - 3:happy_y + 4, LEFT + WIDTH // 8]
    assert any(np.abs(column.astype(int) - COLOURS["happiness"]).sum(1) < 60)  # the curve at 0.9


def test_smoothing_averages_neighbours_and_a_faceless_video_gets_a_note(tmp_path):
    np.testing.assert_allclose(smooth(np.array([[0.0], [3.0], [0.0]]), 3)[:, 0], [1.5, 1.0, 1.5])
    (tmp_path / "f.csv").write_text("frame,time_s,track_id,label," + ",".join(CLASSES) + "\n0,0.0,,," + "," * 6 + "\n")
    img = cv2.imread(str(draw_timeline(tmp_path / "f.csv", tmp_path / "t.png")))
    assert img.shape[0] == TOP + PLOT_H + BAND_H + GAP + 24 and (img[TOP + 20:TOP + 50, LEFT:LEFT + 150] < 200).any()


def test_a_missed_stretch_stays_empty_and_the_panel_has_a_probability_scale(tmp_path):
    header = "frame,time_s,track_id,x,y,w,h,face_score,label,confidence," + ",".join(CLASSES)
    happy = ",".join("0.9" if c == "happiness" else "0.0" for c in CLASSES)
    rows = [header] + [f"{i},{i / 10:.3f},1,0,0,10,10,0.9,happiness,0.9,{happy}" for i in range(40)
                       if not 10 <= i < 30]  # the face is missed from 1 s to 3 s
    (tmp_path / "f.csv").write_text("\n".join(rows) + "\n")
    img = cv2.imread(str(draw_timeline(tmp_path / "f.csv", tmp_path / "t.png", fps=10)))
    middle = int(LEFT + 2.0 / 3.9 * WIDTH)
    plot = img[TOP + 2:TOP + PLOT_H - 2, middle - 20:middle + 20].astype(int)
    assert not (np.abs(plot - COLOURS["happiness"]).sum(2) < 60).any()  # no line across the miss
    assert tuple(img[TOP + PLOT_H + 8, middle]) == (255, 255, 255)  # nor a label band
    assert (img[TOP:TOP + PLOT_H, LEFT - 32:LEFT - 6] < 200).any()  # tick labels left of the panel
