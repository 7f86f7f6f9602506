"""Training configurations, torch-free so that the CLI builds its options from them: one source for each default."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, fields

from aegis.errors import ConfigError

SCHEDULES = ("paper", "cosine")
CLIP_MODELS = ("clip-pyramid", "clip-lstm3d")


@dataclass(frozen=True)
class TrainConfig:
    """Everything that defines a training run; saved in every checkpoint.

    `votes` is a FER+-style votes CSV, or a teacher's probabilities from `aegis distill` (distillation):
    windows whose image (the store's `video` column, a file stem) has emotion votes train toward
    `vote_weight` x the vote shares + (1 - vote_weight) x their own label (the FER+ paper's cross-entropy
    mode at 1.0); the others toward their label alone. `label_smoothing` mixes
    every target with the uniform distribution. `conditions` is the chance that a window is seen under one
    webcam or film condition (`aegis.training.conditions`: low light, low contrast, blur, JPEG, a small face, a hand,
    glasses or a turned head). `erase` is the chance of random erasing per window and
    `mixup` the Beta(alpha, alpha) parameter of mixup (0: off). `holdout` is the (val, test) share of
    subjects when no --val store is given. `init` starts the network from another run's weights (its folder
    or a checkpoint): every tensor whose name and shape match is copied, the rest (e.g. the classifier of a
    run with other classes) starts fresh.
    """

    model: str
    data: str
    out: str
    val: str | None = None
    epochs: int = 200
    batch: int = 64
    lr: float = 1e-3
    schedule: str = "paper"
    split: str = "subject"
    balance: bool = False
    contempt: bool = False
    frames: int = 5
    seed: int = 0
    threads: int = 2
    votes: str | None = None
    vote_weight: float = 1.0
    label_smoothing: float = 0.0
    erase: float = 0.0
    conditions: float = 0.0
    mixup: float = 0.0
    holdout: tuple[float, float] = (0.1, 0.2)
    folds: int = 0
    fold: int = 0
    init: str | None = None

    def __post_init__(self) -> None:
        if self.schedule not in SCHEDULES:
            raise ConfigError(f"schedule {self.schedule!r} is not one of {SCHEDULES}")
        if self.epochs < 1 or self.batch < 1:
            raise ConfigError(f"epochs and batch must be >= 1, got {self.epochs} and {self.batch}")
        if not (0 <= self.vote_weight <= 1 and 0 <= self.label_smoothing < 1 and 0 <= self.erase <= 1
                and 0 <= self.conditions <= 1 and self.mixup >= 0):
            raise ConfigError("need 0 <= vote_weight <= 1, 0 <= label_smoothing < 1, 0 <= erase <= 1, "
                             "0 <= conditions <= 1 and mixup >= 0")
        if len(self.holdout) != 2 or min(self.holdout) < 0 or sum(self.holdout) >= 1:
            raise ConfigError(f"holdout takes a val and a test share that sum to under 1, got {self.holdout}")
        from aegis.models.registry import model_spec  # torch: only when a run is configured

        try:
            model_spec(self.model)
        except ValueError as exc:
            raise ConfigError(str(exc)) from exc


@dataclass(frozen=True)
class ClipTrainConfig:
    """A clip-model run: which model, the clip store, the run folder and the optimisation settings.

    `levels` are clip-pyramid's pyramid levels; `k` is the number of frames clip-lstm3d samples per clip
    (at random in training, evenly at validation and test); `threads` are torch's CPU threads.
    """

    model: str
    data: str
    out: str
    epochs: int = 60
    batch: int = 128
    lr: float = 1e-3
    seed: int = 0
    levels: tuple[int, ...] = (0, 1, 2, 3)
    k: int = 32
    threads: int = 2

    def __post_init__(self) -> None:
        if self.model not in CLIP_MODELS:
            raise ConfigError(f"clip model {self.model!r} is not one of {CLIP_MODELS}")
        if self.epochs < 1 or self.batch < 1 or self.k < 1:
            raise ConfigError(f"epochs, batch and k must be >= 1, got {self.epochs}, {self.batch} and {self.k}")


@dataclass(frozen=True)
class SearchConfig:
    """A search run: data, budget and constraints."""

    data: str
    out: str = "runs/search-nano"
    max_params: int = 250_000
    min_acc: float = 0.0
    budget_minutes: float = 30.0
    proxy_epochs: int = 3
    batch: int = 64
    seed: int = 0
    threads: int = 2
    max_candidates: int | None = None


def config_from_values(config: type, values: dict):
    """A config dataclass from named values (None: the field's default); an unknown name is a ConfigError that
    names the closest field."""
    names = [f.name for f in fields(config)]
    for key in values:
        if key not in names:
            close = difflib.get_close_matches(key, names, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ConfigError(f"{config.__name__} has no setting {key!r}{hint}")
    chosen = {k: tuple(v) if isinstance(v, list) else v for k, v in values.items() if v is not None}
    return config(**chosen)
