import numpy as np
import pytest

from aegis.evaluation.metrics import classification_report, confusion_matrix


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


def test_reliability_of_a_perfectly_calibrated_and_an_overconfident_model():
    from aegis.evaluation.metrics import reliability

    rng = np.random.default_rng(0)
    conf = rng.uniform(0.3, 1.0, 20000)
    labels = np.zeros(20000, int)
    correct = rng.random(20000) < conf  # right exactly as often as it claims
    probs = np.stack([np.where(correct, conf, (1 - conf) / 2), np.where(correct, (1 - conf) / 2, conf),
                      np.full(20000, 0.0)], 1)
    probs[:, 2] = 1 - probs[:, 0] - probs[:, 1]
    assert reliability(probs, labels)["ece"] < 0.02
    over = np.tile([[0.99, 0.005, 0.005]], (1000, 1))
    report = reliability(over, np.r_[np.zeros(600, int), np.ones(400, int)])
    assert abs(report["ece"] - 0.39) < 1e-6 and sum(b["n"] for b in report["bins"]) == 1000


def test_fit_temperature_recovers_the_scale_of_the_logits():
    from aegis.evaluation.metrics import fit_temperature

    rng = np.random.default_rng(1)
    true_logits = rng.normal(0, 2, (4000, 5))
    p = np.exp(true_logits) / np.exp(true_logits).sum(1, keepdims=True)
    labels = np.array([rng.choice(5, p=row) for row in p])
    assert abs(fit_temperature(3.0 * true_logits, labels) - 3.0) < 0.3  # logits 3x too sharp: T about 3
    assert abs(fit_temperature(true_logits, labels) - 1.0) < 0.15
