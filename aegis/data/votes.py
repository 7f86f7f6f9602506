"""FER+-style crowd votes: soft training targets and the majority-vote test protocol.

A votes CSV has a `file` column (an image path; rows are matched to images by file stem) and one column
of vote counts per category: the emotions, plus `unknown` and `NF` (not a face), as in FER+'s
`split,file,neutral,happiness,surprise,sadness,anger,disgust,fear,contempt,unknown,NF`.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from aegis.errors import AegisError
from aegis.labels import canonical_label, is_label

NON_EMOTIONS = ("unknown", "NF")


class Votes:
    """Vote counts per image, keyed by file stem; `categories` are the vote columns in CSV order."""

    def __init__(self, categories: tuple[str, ...], counts: dict[str, np.ndarray]) -> None:
        self.categories = categories
        self.counts = counts

    def __len__(self) -> int:
        return len(self.counts)

    def get(self, stem: str) -> np.ndarray | None:
        """The vote counts of one image (None if the CSV has no row for it)."""
        return self.counts.get(stem)

    def soft_target(self, stem: str, classes: tuple[str, ...]) -> np.ndarray | None:
        """The share of each class among the emotion votes (contempt dropped if not a class); None: no such votes."""
        counts = self.get(stem)
        if counts is None:
            return None
        target = np.array([counts[self.categories.index(c)] if c in self.categories else 0.0 for c in classes],
                          dtype=np.float32)
        total = target.sum()
        return target / total if total > 0 else None

    def majority_label(self, stem: str) -> str | None:
        """FER+ majority protocol: drop single votes; the top emotion if it holds over half of the rest, else None.

        None also when the image has no row, or its top category is unknown or not a face.
        """
        counts = self.get(stem)
        if counts is None:
            return None
        kept = np.where(counts > 1, counts, 0)
        total = kept.sum()
        if total == 0:
            return None
        top = int(np.argmax(kept))
        category = self.categories[top]
        if category in NON_EMOTIONS or kept[top] * 2 <= total:
            return None
        return category


def load_votes(path: str | Path) -> Votes:
    """Read a votes CSV; a missing file, a missing `file` column or a non-numeric count raises AegisError."""
    path = Path(path)
    if not path.is_file():
        raise AegisError(f"no votes file at {path}")
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        fields = reader.fieldnames or []
        if "file" not in fields:
            raise AegisError(f"{path}: a votes CSV needs a 'file' column, got {fields}")
        columns = [c for c in fields if c in NON_EMOTIONS or is_label(c)]
        if not any(is_label(c) for c in columns):
            raise AegisError(f"{path}: no emotion vote columns among {fields}")
        categories = tuple(c if c in NON_EMOTIONS else canonical_label(c, contempt=True) for c in columns)
        counts = {}
        for line, row in enumerate(reader, 2):
            try:
                counts[Path(row["file"]).stem] = np.array([float(row[c]) for c in columns], dtype=np.float32)
            except (TypeError, ValueError) as exc:
                raise AegisError(f"{path}:{line}: vote counts must be numbers ({exc})") from exc
    return Votes(categories, counts)
