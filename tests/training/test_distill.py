import csv

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from synthetic import window_store  # noqa: E402

from aegis.cli import main  # noqa: E402
from aegis.data.store import load_store  # noqa: E402
from aegis.errors import AegisError  # noqa: E402
from aegis.training.config import TrainConfig  # noqa: E402
from aegis.training.distill import teacher_probs  # noqa: E402
from aegis.training.loop import pick_device, train  # noqa: E402


def _teacher(tmp_path, name, model="emotionnet-nano-b", seed=0):
    return train(TrainConfig(model=model, data=str(tmp_path / "store"), out=str(tmp_path / name), epochs=1,
                             batch=16, threads=1, seed=seed, holdout=(0.2, 0.0)), device="cpu")


@pytest.mark.slow
def test_distilled_targets_average_the_teachers_and_train_a_student(tmp_path, capsys):
    window_store(tmp_path / "store", n=28)
    _teacher(tmp_path, "t0")
    _teacher(tmp_path, "t1", seed=1)
    one, classes, stems = teacher_probs([str(tmp_path / "t0")], str(tmp_path / "store"), 2.0, flip=False,
                                        device="cpu")
    two, _, _ = teacher_probs([str(tmp_path / "t1")], str(tmp_path / "store"), 2.0, flip=False, device="cpu")
    both, _, _ = teacher_probs([str(tmp_path / "t0"), str(tmp_path / "t1")], str(tmp_path / "store"), 2.0,
                               flip=False, device="cpu")
    np.testing.assert_allclose(both, (one + two) / 2, atol=1e-6)
    np.testing.assert_allclose(both.sum(1), 1, atol=1e-6)
    sharp, _, _ = teacher_probs([str(tmp_path / "t0")], str(tmp_path / "store"), 0.5, flip=False, device="cpu")
    assert (sharp.max(1) >= one.max(1) - 1e-6).all()  # a lower temperature never softens

    out = tmp_path / "teacher.csv"
    assert main(["distill", str(tmp_path / "t0"), str(tmp_path / "t1"), "--data", str(tmp_path / "store"),
                 "--out", str(out), "--device", "cpu"]) == 0
    rows = list(csv.DictReader(out.open()))
    assert [r["file"] for r in rows] == load_store(tmp_path / "store").videos
    assert list(rows[0])[1:] == list(classes)
    assert "28 images, 2 teacher(s)" in capsys.readouterr().out
    student = train(TrainConfig(model="minixception-2d", data=str(tmp_path / "store"), out=str(tmp_path / "s"),
                                epochs=1, batch=16, threads=1, votes=str(out), vote_weight=0.7,
                                holdout=(0.2, 0.0)), device="cpu")
    assert student.train + student.val == 28
    assert stems == load_store(tmp_path / "store").videos


@pytest.mark.slow
def test_distill_refuses_teachers_with_other_classes_and_bad_temperatures(tmp_path):
    window_store(tmp_path / "store", n=28)
    _teacher(tmp_path, "t0")
    train(TrainConfig(model="emotionnet-nano-b", data=str(tmp_path / "store"), out=str(tmp_path / "c"), epochs=1,
                      batch=16, threads=1, contempt=True, holdout=(0.2, 0.0)), device="cpu")
    with pytest.raises(AegisError, match="differ from the other teachers"):
        teacher_probs([str(tmp_path / "t0"), str(tmp_path / "c")], str(tmp_path / "store"), device="cpu")
    with pytest.raises(AegisError, match="temperature"):
        teacher_probs([str(tmp_path / "t0")], str(tmp_path / "store"), temperature=0, device="cpu")
    with pytest.raises(AegisError, match="no checkpoint there"):
        teacher_probs([str(tmp_path / "missing")], str(tmp_path / "store"), device="cpu")


@pytest.mark.slow
def test_checkpoints_hold_cpu_tensors_and_cuda_needs_a_gpu(tmp_path):
    window_store(tmp_path / "store", n=28)
    _teacher(tmp_path, "t0")
    ckpt = torch.load(tmp_path / "t0" / "last.pt", weights_only=False)
    assert all(v.device.type == "cpu" for v in ckpt["model"].values())
    assert pick_device("cpu").type == "cpu"
    if not torch.cuda.is_available():
        with pytest.raises(AegisError, match="no CUDA GPU"):
            pick_device("cuda")
        assert pick_device("auto").type == "cpu"
