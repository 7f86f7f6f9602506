import csv
from dataclasses import replace

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from synthetic import window_store  # noqa: E402

from aegis.data.store import load_store  # noqa: E402
from aegis.errors import AegisError  # noqa: E402
from aegis.labels import CLASSES  # noqa: E402
from aegis.runtime.onnx import OnnxModel  # noqa: E402
from aegis.training.augment import augment  # noqa: E402
from aegis.training.config import TrainConfig  # noqa: E402
from aegis.training.loop import lr_factor, train  # noqa: E402


def test_paper_schedule_scales_with_epochs():
    assert [lr_factor(e, 200, "paper") for e in (0, 79, 80, 120, 160, 180)] == [1, 1, 1e-1, 1e-2, 1e-3, 0.5e-3]
    assert lr_factor(3, 10, "paper") == 1 and lr_factor(4, 10, "paper") == 1e-1
    assert lr_factor(0, 1, "paper") == 1 and lr_factor(0, 2, "paper") == 1  # a short run starts at the full lr
    assert lr_factor(0, 10, "cosine") == 1 and lr_factor(5, 10, "cosine") == pytest.approx(0.5)


def test_augment_moves_all_frames_of_a_window_together():
    x = torch.rand(4, 1, 48, 48).repeat(1, 5, 1, 1)
    y = augment(x, torch.Generator().manual_seed(0))
    assert y.shape == x.shape
    for t in range(1, 5):
        torch.testing.assert_close(y[:, t], y[:, 0])
    assert not torch.allclose(y, x)


@pytest.mark.slow
def test_two_epoch_smoke_with_resume_and_export(tmp_path):
    from aegis.training.export import export_checkpoint

    data = window_store(tmp_path / "store", meta={"margin": "person"})
    cfg = TrainConfig(model="timeconvnet-minixception", data=str(data), out=str(tmp_path / "run"), epochs=2,
                      batch=16, threads=1)
    train(TrainConfig(**{**cfg.__dict__, "epochs": 2}), resume=False)
    with open(tmp_path / "run" / "log.csv") as f:
        log = list(csv.DictReader(f))
    assert [r["epoch"] for r in log] == ["1", "2"]
    assert set(log[0]) == {"epoch", "train_loss", "train_acc", "val_loss", "val_acc", "lr", "seconds"}
    with pytest.raises(AegisError, match="--resume"):
        train(cfg)
    longer = TrainConfig(**{**cfg.__dict__, "epochs": 3})
    with pytest.raises(AegisError, match="another configuration"):
        train(longer, resume=True)
    result = train(cfg, resume=True)  # already finished: resumes at epoch 2 of 2 and stops
    assert result.epochs == 2
    with open(tmp_path / "run" / "log.csv") as f:
        assert len(list(csv.DictReader(f))) == 2
    model = OnnxModel(export_checkpoint(tmp_path / "run", tmp_path / "m.onnx")[0])
    assert model.info.name == "timeconvnet-minixception" and model.info.training["data"] == str(data)
    assert model.info.crop == "person"  # the store's crop margin travels with the model
    assert model(np.asarray(load_store(data).windows[:2])).shape == (2, 7)
    from aegis.cli import main

    assert main(["export", str(tmp_path / "run"), "--out", str(tmp_path / "b.onnx")]) == 0
    np.testing.assert_allclose(OnnxModel(tmp_path / "b.onnx")(np.full((1, 5, 48, 48), 77, np.uint8)),
                               model(np.full((1, 5, 48, 48), 77, np.uint8)), atol=1e-6)


@pytest.mark.slow
def test_training_is_seeded(tmp_path):
    data = window_store(tmp_path / "store")
    outs = []
    for k in range(2):
        cfg = TrainConfig(model="minixception-2d", data=str(data), out=str(tmp_path / f"r{k}"), epochs=1, batch=16,
                          threads=1)
        train(cfg)
        outs.append((tmp_path / f"r{k}" / "log.csv").read_text().splitlines()[1].rsplit(",", 1)[0])
    assert outs[0] == outs[1]


def test_store_without_meta_is_refused(tmp_path):
    window_store(tmp_path / "s")
    (tmp_path / "s" / "meta.json").unlink()
    with pytest.raises(AegisError, match="not a complete window store"):
        load_store(tmp_path / "s")


@pytest.mark.slow
def test_resume_after_a_kill_continues_where_it_stopped(tmp_path, monkeypatch):
    import aegis.training.loop as training

    data = window_store(tmp_path / "store")
    cfg = TrainConfig(model="minixception-2d", data=str(data), out=str(tmp_path / "run"), epochs=3, batch=16,
                      threads=1)
    real_epoch, calls = training.train_epoch, []

    def dying_epoch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real_epoch(*args, **kwargs)

    monkeypatch.setattr(training, "train_epoch", dying_epoch)
    with pytest.raises(KeyboardInterrupt):
        train(cfg)
    assert torch.load(tmp_path / "run" / "last.pt", weights_only=False)["state"]["epoch"] == 1
    monkeypatch.setattr(training, "train_epoch", real_epoch)
    train(cfg, resume=True)
    train(TrainConfig(**{**cfg.__dict__, "out": str(tmp_path / "straight")}))

    def losses(run):
        with open(tmp_path / run / "log.csv") as f:
            return [(r["epoch"], r["train_loss"], r["val_loss"]) for r in csv.DictReader(f)]

    assert [e for e, _, _ in losses("run")] == ["1", "2", "3"]
    assert losses("run") == losses("straight")  # a resumed run retraces an uninterrupted one


@pytest.mark.slow
def test_cli_kfold_writes_summary(tmp_path):
    import json

    from aegis.cli import main

    data = window_store(tmp_path / "store")
    assert main(["train", "--model", "minixception-2d", "--data", str(data), "--out", str(tmp_path / "cv"),
                 "--epochs", "1", "--batch", "32", "--folds", "5", "--fold", "2", "--threads", "1"]) == 0
    summary = json.loads((tmp_path / "cv" / "folds.json").read_text())
    assert summary["trained"] == [2] and len(summary["test_acc"]) == 1
    report = json.loads((tmp_path / "cv" / "fold2" / "test_report.json").read_text())
    assert report["n"] == 14 and 0 <= report["accuracy"] <= 1


def test_random_erase_covers_one_rectangle_in_every_frame():
    from aegis.training.augment import random_erase

    x = torch.full((6, 1, 48, 48), 0.5).repeat(1, 5, 1, 1)
    y = random_erase(x, 1.0, torch.Generator().manual_seed(0))
    changed = (y != x).any(1)  # (B, H, W)
    for t in range(1, 5):
        torch.testing.assert_close(y[:, t], y[:, 0])
    for mask in changed:
        rows, cols = torch.nonzero(mask.any(1)).flatten(), torch.nonzero(mask.any(0)).flatten()
        assert 0.02 * 48 * 48 * 0.5 < mask.sum() <= 0.25 * 48 * 48 + 48  # its area is 2-25% of the crop
        assert mask[rows.min():rows.max() + 1, cols.min():cols.max() + 1].all()  # one solid rectangle
    torch.testing.assert_close(random_erase(x, 0.0, torch.Generator().manual_seed(0)), x)


def test_mixup_keeps_the_larger_share_on_each_window():
    from aegis.training.augment import mixup

    x = torch.arange(8, dtype=torch.float32).view(8, 1, 1, 1).expand(8, 5, 4, 4)
    target = torch.eye(8)
    mixed, mixed_target = mixup(x, target, 0.4, torch.Generator().manual_seed(1))
    torch.testing.assert_close(mixed_target.sum(1), torch.ones(8))
    assert (mixed_target.argmax(1) == torch.arange(8)).all() and (mixed_target.max(1).values >= 0.5).all()
    lam = mixed_target.max(1).values
    partner = (mixed_target - lam[:, None] * target).argmax(1)  # the window mixed in (itself if none)
    torch.testing.assert_close(mixed[:, 0, 0, 0], lam * torch.arange(8) + (1 - lam) * partner)


def test_vote_targets_mix_votes_and_labels_and_match_by_file_stem(tmp_path):
    from aegis.training.targets import soft_targets

    data = load_store(window_store(tmp_path / "store", n=14))
    votes = tmp_path / "votes.csv"  # v0 is anger: 6 anger and 4 neutral votes; v1 has only "not a face" votes
    votes.write_text("split,file,neutral,happiness,surprise,sadness,anger,disgust,fear,contempt,unknown,NF\n"
                     "train,train/angry/v0.png,4,0,0,0,6,0,0,0,0,0\ntrain,x/v1.png,0,0,0,0,0,0,0,0,0,10\n")
    labels = np.array([CLASSES.index(label) for label in data.labels])
    targets, voted = soft_targets(data, labels, CLASSES, str(votes), 0.5)
    assert voted == 1
    expected = np.zeros(7, np.float32)
    expected[CLASSES.index("anger")], expected[CLASSES.index("neutral")] = 0.5 + 0.3, 0.2
    np.testing.assert_allclose(targets[0], expected, atol=1e-6)
    np.testing.assert_array_equal(targets[1], np.eye(7)[labels[1]])  # no emotion votes: its own label
    cfg = TrainConfig(model="minixception-2d", data=str(tmp_path / "store"), out=str(tmp_path / "run"), epochs=1,
                      batch=8, threads=1, votes=str(votes), erase=0.5, mixup=0.2, label_smoothing=0.1,
                      holdout=(0.2, 0.0), conditions=0.5)
    result = train(cfg)
    assert result.test == 0 and result.val > 0 and result.train + result.val == 14
    with pytest.raises(AegisError, match="no row matches"):
        soft_targets(data, labels, CLASSES, str(_votes_for(tmp_path, "elsewhere")), 1.0)
    with pytest.raises(AegisError, match="conditions"):
        replace(cfg, conditions=1.5)
    with pytest.raises(AegisError, match="holdout"):
        TrainConfig(model="minixception-2d", data="d", out="o", holdout=(0.5, 0.5))


def test_runs_are_scored_against_the_class_their_target_puts_first(tmp_path):
    from aegis.training.targets import scoring_labels

    data = load_store(window_store(tmp_path / "store", n=14))
    labels = np.array([CLASSES.index(label) for label in data.labels])
    votes = tmp_path / "votes.csv"  # v0's votes say neutral whatever its own label; the other windows have none
    votes.write_text("split,file,neutral,happiness,surprise,sadness,anger,disgust,fear,contempt,unknown,NF\n"
                     "train,train/angry/v0.png,10,0,0,0,0,0,0,0,0,0\n")
    neutral = CLASSES.index("neutral")
    assert labels[0] != neutral
    np.testing.assert_array_equal(scoring_labels(data, CLASSES, None, 1.0), labels)
    np.testing.assert_array_equal(scoring_labels(data, CLASSES, str(votes), 0.5), labels)  # a tie keeps the label
    by_votes = scoring_labels(data, CLASSES, str(votes), 1.0)
    assert by_votes[0] == neutral and (by_votes[1:] == labels[1:]).all()
    unmatched = scoring_labels(data, CLASSES, str(_votes_for(tmp_path, "elsewhere")), 1.0)  # a --val store
    np.testing.assert_array_equal(unmatched, labels)


def _votes_for(tmp_path, stem):
    path = tmp_path / f"{stem}.csv"
    path.write_text(f"file,happiness,NF\n{stem}.png,3,0\n")
    return path


def test_balanced_epoch_draws_classes_equally():
    from aegis.training.loop import _epoch_order

    labels = np.array([0] * 900 + [1] * 90 + [2] * 10)
    order = _epoch_order(np.arange(1000), labels, True, torch.Generator().manual_seed(0))
    counts = np.bincount(labels[order], minlength=3)
    assert len(order) == 1000 and counts.min() > 270 and counts.max() < 400
    plain = _epoch_order(np.arange(1000), labels, False, torch.Generator().manual_seed(0))
    assert sorted(plain) == list(range(1000))


@pytest.mark.slow
def test_init_copies_every_fitting_tensor_and_leaves_the_new_classifier(tmp_path):
    from aegis.models import create_model
    from aegis.training.checkpoints import init_from

    data = window_store(tmp_path / "store", n=28)
    train(TrainConfig(model="emotionnet-nano-b", data=str(data), out=str(tmp_path / "a"), epochs=1, batch=16,
                      threads=1))
    source = torch.load(tmp_path / "a" / "best.pt", weights_only=False)["model"]
    model = create_model("emotionnet-nano-b", num_classes=8, frames=1)
    copied, total = init_from(model, str(tmp_path / "a"))
    own = model.state_dict()
    differing = [k for k in own if own[k].shape != source[k].shape]
    assert copied == total - len(differing) and 1 <= len(differing) <= 2  # the classifier's weight and bias
    assert all(torch.equal(own[k], source[k]) for k in own if k not in differing)
    with pytest.raises(AegisError, match="no checkpoint there"):
        init_from(model, str(tmp_path / "missing"))
    with pytest.raises(AegisError, match="none of its tensors fits"):
        init_from(create_model("minixception-2d", num_classes=8, frames=1), str(tmp_path / "a"))


@pytest.mark.slow
def test_export_calibrates_on_validation_windows_and_puts_flip_tta_in_the_graph(tmp_path):
    from aegis.training.export import export_checkpoint

    data = window_store(tmp_path / "store")
    train(TrainConfig(model="minixception-2d", data=str(data), out=str(tmp_path / "run"), epochs=2, batch=16,
                      threads=1))
    plain = OnnxModel(export_checkpoint(tmp_path / "run", tmp_path / "a.onnx")[0])
    path, report = export_checkpoint(tmp_path / "run", tmp_path / "b.onnx", calibrate=True, flip_tta=True)
    model = OnnxModel(path)
    assert model.info.flip_tta and model.info.temperature == report["temperature"] > 0
    assert plain.info.temperature == 1.0 and not plain.info.flip_tta
    assert report["val_windows"] > 0 and 0 <= report["ece_after"] <= 1 and 0 <= report["ece_before"] <= 1
    x = np.random.default_rng(0).integers(0, 256, (3, 1, 48, 48), dtype=np.uint8)
    np.testing.assert_allclose(model(x), model(np.ascontiguousarray(x[..., ::-1])), atol=1e-5)  # mirror-symmetric
    assert not np.allclose(plain(x), plain(np.ascontiguousarray(x[..., ::-1])), atol=1e-5)
    np.testing.assert_allclose(model(x).sum(1), 1.0, atol=1e-5)


def test_init_inflates_a_single_frame_stem_into_a_timeconvnet(tmp_path):
    from aegis.models import create_model
    from aegis.training.checkpoints import init_from

    torch.manual_seed(0)
    static = create_model("emotionnet-nano-a").eval()
    torch.save({"model": static.state_dict()}, tmp_path / "static.pt")
    temporal = create_model("timeconvnet-nano-a", frames=5).eval()
    copied, total = init_from(temporal, str(tmp_path / "static.pt"))
    assert copied == total
    still = torch.rand(2, 1, 48, 48)
    with torch.no_grad():
        torch.testing.assert_close(temporal(still.repeat(1, 5, 1, 1)), static(still), atol=1e-5, rtol=1e-4)
        moving = torch.rand(2, 5, 48, 48)  # the inflated stem starts out seeing the mean of the frames
        torch.testing.assert_close(temporal(moving), static(moving.mean(1, keepdim=True)), atol=1e-5, rtol=1e-4)
