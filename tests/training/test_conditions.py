import numpy as np
import pytest

torch = pytest.importorskip("torch")

from aegis.training.conditions import CONDITIONS, apply_condition, degrade  # noqa: E402


def _windows(b: int = 4) -> torch.Tensor:
    rng = np.random.default_rng(0)
    face = np.clip(0.5 + 0.2 * rng.standard_normal((48, 48)), 0, 1).astype(np.float32)
    return torch.from_numpy(np.stack([np.stack([face] * 5)] * b))  # (b, t, 48, 48), the same face in each frame


@pytest.mark.parametrize("name", CONDITIONS)
def test_each_condition_changes_the_window_alike_in_every_frame_and_stays_in_range(name):
    window = _windows(1)[0]
    out = apply_condition(window, name, torch.Generator().manual_seed(1))
    assert out.shape == window.shape and out.dtype == window.dtype
    assert float(out.min()) >= 0 and float(out.max()) <= 1
    assert float((out - window).abs().mean()) > 1e-3  # it did something
    assert torch.allclose(out[0], out[-1], atol=1e-6)  # one condition for all t frames of the window


def test_conditions_darken_flatten_and_blur_as_named():
    window, g = _windows(1)[0], torch.Generator().manual_seed(0)
    assert apply_condition(window, "dark", g).mean() < window.mean()
    assert apply_condition(window, "flat", g).std() < window.std()
    assert apply_condition(window, "defocus", g).diff(dim=2).abs().mean() < window.diff(dim=2).abs().mean()


def test_degrade_follows_its_chance_and_its_generator():
    x = _windows(64)
    assert torch.equal(degrade(x, 0.0, torch.Generator().manual_seed(0)), x)
    a, b = (degrade(x, 0.5, torch.Generator().manual_seed(3)) for _ in range(2))
    assert torch.equal(a, b)  # the same draws from the same seed: runs reproduce
    changed = int(((a - x).abs().flatten(1).max(1).values > 0).sum())
    assert 16 <= changed <= 48  # about half of 64
    with pytest.raises(ValueError, match="not one of"):
        apply_condition(x[0], "fog", torch.Generator())
