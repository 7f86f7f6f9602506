"""Model size as the papers count it (Keras: batch-norm moving statistics included)."""

from __future__ import annotations

from torch import nn


def count_params(model: nn.Module) -> int:
    """Parameters plus batch-norm running means and variances, as Keras' model.summary() counts them."""
    params = sum(p.numel() for p in model.parameters())
    stats = sum(b.numel() for name, b in model.named_buffers() if name.endswith(("running_mean", "running_var")))
    return params + stats
