"""Training augmentation on (B, t, H, W) windows in 0..1, one draw per window for all its t frames."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def augment(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Random rotation (10 deg), shifts (10%), zoom (10%) and h-flip, one transform per window for all t frames.

    Args:
        x: (B, t, H, W) windows in 0..1; the t frames are channels, so one affine grid moves them together.
        generator: a CPU generator: the draws are the same whichever device x is on.
    """
    b = x.shape[0]
    angle = (torch.rand(b, generator=generator) * 2 - 1) * math.radians(10)
    zoom = 1 + (torch.rand(b, generator=generator) * 2 - 1) * 0.1
    shift = (torch.rand(b, 2, generator=generator) * 2 - 1) * 0.2  # grid units: 0.2 = 10% of the side
    flip = torch.where(torch.rand(b, generator=generator) < 0.5, -1.0, 1.0)
    cos, sin = torch.cos(angle) / zoom, torch.sin(angle) / zoom
    theta = torch.stack([torch.stack([cos * flip, -sin, shift[:, 0]], 1),
                         torch.stack([sin * flip, cos, shift[:, 1]], 1)], 1).to(x.device)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, padding_mode="border", align_corners=False)


def random_erase(x: torch.Tensor, p: float, generator: torch.Generator) -> torch.Tensor:
    """Fill one random rectangle (2-25% of the area, aspect 0.3-3.3) of each window with noise, with chance p.

    The rectangle is the same in all t frames of a window, as if something covered the face.
    """
    b, _, h, w = x.shape
    area = (torch.rand(b, generator=generator) * 0.23 + 0.02) * h * w
    aspect = torch.exp((torch.rand(b, generator=generator) * 2 - 1) * math.log(3.3))
    eh = (area * aspect).sqrt().clamp(1, h).long()
    ew = (area / aspect).sqrt().clamp(1, w).long()
    top = (torch.rand(b, generator=generator) * (h - eh + 1)).long()
    left = (torch.rand(b, generator=generator) * (w - ew + 1)).long()
    rows, cols = torch.arange(h), torch.arange(w)
    mask = (((rows[None] >= top[:, None]) & (rows[None] < (top + eh)[:, None]))[:, :, None]
            & ((cols[None] >= left[:, None]) & (cols[None] < (left + ew)[:, None]))[:, None, :])
    mask &= (torch.rand(b, generator=generator) < p)[:, None, None]
    noise = torch.rand(b, 1, h, w, generator=generator).expand_as(x)
    return torch.where(mask[:, None].to(x.device), noise.to(x.device), x)


def mixup(x: torch.Tensor, target: torch.Tensor, alpha: float,
          generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Mix each window and its target with another of the batch by one Beta(alpha, alpha) weight."""
    lam = float(torch.distributions.Beta(alpha, alpha).sample()) if alpha > 0 else 1.0
    lam = max(lam, 1 - lam)  # the window keeps the larger share, so its own label stays on top
    perm = torch.randperm(len(x), generator=generator).to(x.device)
    return lam * x + (1 - lam) * x[perm], lam * target + (1 - lam) * target[perm]
