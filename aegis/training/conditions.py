"""Webcam and film conditions as training augmentations: each window, with chance p, gets one of them, the same
in all its t frames (light, contrast, blur, compression, resolution, occlusion or head turn)."""

from __future__ import annotations

import cv2
import numpy as np
import torch
import torch.nn.functional as F

CONDITIONS = ("dark", "flat", "motion_blur", "defocus", "jpeg", "small", "hand", "glasses", "turn")


def degrade(x: torch.Tensor, p: float, generator: torch.Generator) -> torch.Tensor:
    """Windows (B, t, H, W) in 0..1, each with chance p given one condition drawn from CONDITIONS."""
    picks = torch.randint(len(CONDITIONS), (x.shape[0],), generator=generator)
    chosen = torch.rand(x.shape[0], generator=generator) < p
    out = x.clone()
    for i in torch.nonzero(chosen).flatten().tolist():
        out[i] = apply_condition(x[i], CONDITIONS[int(picks[i])], generator).clamp(0, 1)
    return out


def apply_condition(w: torch.Tensor, name: str, generator: torch.Generator) -> torch.Tensor:
    """One window (t, H, W) in 0..1 under the named condition, its strength drawn from `generator`."""
    u = float(torch.rand(1, generator=generator))
    t, h, width = w.shape
    if name == "dark":  # low light: a gamma of 1.5-3 and 40-100% of the exposure
        return w ** (1.5 + 1.5 * u) * (0.4 + 0.6 * float(torch.rand(1, generator=generator)))
    if name == "flat":  # low contrast: 30-70% of it around the window's mean
        mean = w.mean()
        return (w - mean) * (0.3 + 0.4 * u) + mean
    if name in ("motion_blur", "defocus"):
        k = 3 + 2 * int(u * 3)  # 3, 5 or 7 px
        kernel = torch.ones(1, 1, 1, k) / k if name == "motion_blur" else torch.ones(1, 1, k, k) / (k * k)
        if name == "motion_blur" and float(torch.rand(1, generator=generator)) < 0.5:
            kernel = kernel.transpose(2, 3)
        pad = (kernel.shape[3] // 2, kernel.shape[3] // 2, kernel.shape[2] // 2, kernel.shape[2] // 2)
        return F.conv2d(F.pad(w[:, None], pad, mode="replicate"), kernel.to(w))[:, 0]
    if name == "jpeg":  # quality 10-40, as a strained video call sends
        quality = int(10 + 30 * u)
        frames = (w.cpu().numpy() * 255).round().astype(np.uint8)
        coded = [cv2.imdecode(cv2.imencode(".jpg", f, [cv2.IMWRITE_JPEG_QUALITY, quality])[1], cv2.IMREAD_GRAYSCALE)
                 for f in frames]
        return torch.from_numpy(np.stack(coded).astype(np.float32) / 255).to(w)
    if name == "small":  # a face seen at 24-32 px and brought back to the crop size
        side = int(24 + 8 * u)
        return F.interpolate(F.interpolate(w[None], size=(side, side), mode="area"), size=(h, width),
                             mode="bilinear", align_corners=False)[0]
    if name == "hand":  # a flat, skin-grey blob over the lower face from one side
        grey, rows, cols = 0.45 + 0.3 * u, torch.arange(h)[:, None], torch.arange(width)[None]
        side = width * (0.15 if float(torch.rand(1, generator=generator)) < 0.5 else 0.85)
        blob = ((cols - side) / (0.35 * width)) ** 2 + ((rows - 0.75 * h) / (0.3 * h)) ** 2 <= 1
        return torch.where(blob.to(w.device), torch.full_like(w, grey), w)
    if name == "glasses":  # a dark band at eye height with a bridge in the middle
        top, rows, cols = int(h * (0.28 + 0.08 * u)), torch.arange(h)[:, None], torch.arange(width)[None]
        band = (rows >= top) & (rows < top + max(h // 8, 2)) & ((cols - width / 2).abs() > width / 24)
        return torch.where(band.to(w.device), w * 0.25, w)
    if name == "turn":  # a head turned: one side of the face narrower, as a yaw of 15-30 degrees looks
        squeeze = 1 - (0.13 + 0.2 * u) * (1 if float(torch.rand(1, generator=generator)) < 0.5 else -1)
        theta = torch.tensor([[[1 / squeeze, 0.0, (1 / squeeze - 1) * 0.5], [0.0, 1.0, 0.0]]]).to(w)
        grid = F.affine_grid(theta, [1, t, h, width], align_corners=False)
        return F.grid_sample(w[None], grid, padding_mode="border", align_corners=False)[0]
    raise ValueError(f"condition {name!r} is not one of {CONDITIONS}")
