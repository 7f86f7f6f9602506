"""Typed evaluation reports: the classification metrics, then what each source adds; `to_json` gives the
`aegis evaluate --json` layout."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

from aegis.evaluation.metrics import classification_report, confusion_matrix


@dataclass(frozen=True)
class EvaluationReport:
    """Metrics of a model on one source.

    The first block is `classification_report`'s. A source fills in what it measures beside them: calibration
    (`calibration`), the pipeline's misses on face crops (`pipeline_accuracy` ... `miss_rate`), the FER+
    majority (`ferplus`), whole sequences (`sequence_accuracy`, `sequences`) or clips (`clip_accuracy`, `clips`).
    A field left None is not measured on that source.
    """

    accuracy: float
    weighted_f1: float
    uar: float
    mean_class_acc: float
    std_class_acc: float
    per_class: dict[str, dict]
    confusion: list[list[int]]
    classes: list[str]
    n: int
    calibration: dict | None = None
    skipped_labels: dict[str, int] = field(default_factory=dict)
    unreadable: list[str] | None = None
    skipped: list[str] | None = None
    flip_tta: bool | None = None
    temperature: float | None = None
    pipeline_accuracy: float | None = None
    crop: str | None = None
    no_face: int | None = None
    no_face_images: list[str] | None = None
    miss_rate: float | None = None
    ferplus: MajorityReport | None = None
    sequence_accuracy: float | None = None
    sequences: int | None = None
    no_face_sequences: list[str] | None = None
    clip_accuracy: float | None = None
    clips: int | None = None
    no_face_clips: list[str] | None = None
    method: str | None = None
    model: dict | None = None

    @classmethod
    def scored(cls, y_true: list[int], y_pred: list[int], classes: tuple[str, ...], **extra) -> EvaluationReport:
        """The report of predictions against labels (class indices), with the source's own fields."""
        return cls(**classification_report(confusion_matrix(y_true, y_pred, len(classes)), classes), **extra)

    def with_(self, **changes) -> EvaluationReport:
        """A copy with some fields set."""
        return replace(self, **changes)

    def to_json(self) -> dict:
        """The measured fields as a JSON-ready dict (None fields left out, the FER+ block nested)."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None:
                out[f.name] = value.to_json() if isinstance(value, EvaluationReport) else value
        return out


@dataclass(frozen=True)
class MajorityReport(EvaluationReport):
    """Metrics against the FER+ majority labels: `accuracy` counts majorities outside the model's classes as
    wrong (`counted_wrong`), `accuracy_own_classes` leaves them out; `without_majority` images have none."""

    accuracy_own_classes: float = 0.0
    counted_wrong: dict[str, int] = field(default_factory=dict)
    without_majority: int = 0
