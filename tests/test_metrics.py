import numpy as np
import pytest

from aegis.metrics import classification_report, confusion_matrix


def test_confusion_matrix_counts():
    m = confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2], 3)
    assert m.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]


def test_report_against_hand_computed_values():
    # true 0: 3 samples (2 right, 1 as 1); true 1: 1 sample (right); true 2: 2 samples (1 right, 1 as 0)
    m = np.array([[2, 1, 0], [0, 1, 0], [1, 0, 1]])
    r = classification_report(m, ["a", "b", "c"])
    assert r["accuracy"] == pytest.approx(4 / 6)
    recalls = [2 / 3, 1.0, 0.5]
    assert r["uar"] == pytest.approx(np.mean(recalls))
    assert r["mean_class_acc"] == pytest.approx(np.mean(recalls))
    assert r["std_class_acc"] == pytest.approx(np.std(recalls))
    precisions = [2 / 3, 0.5, 1.0]
    f1 = [2 * p * q / (p + q) for p, q in zip(precisions, recalls, strict=True)]
    assert r["weighted_f1"] == pytest.approx((3 * f1[0] + 1 * f1[1] + 2 * f1[2]) / 6)
    assert r["per_class"]["b"] == {"precision": 0.5, "recall": 1.0, "f1": pytest.approx(2 / 3), "n": 1}
    assert set(r) == {"accuracy", "weighted_f1", "uar", "mean_class_acc", "std_class_acc", "per_class", "confusion",
                      "classes", "n"}
    assert r["n"] == 6 and r["confusion"] == m.tolist()


def test_absent_class_is_left_out_of_uar():
    r = classification_report(np.array([[3, 0], [0, 0]]), ["a", "b"])
    assert r["uar"] == 1.0 and r["std_class_acc"] == 0.0
