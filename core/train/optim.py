"""AdamW with linear warm-up and decay — the papers' optimiser — one instance per loss.

Both papers update different parameter groups from different losses at different learning rates
(NER 6e-5, generator 6e-7, discriminators 5e-3 or 6e-7), so each loss owns its optimiser and schedule.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch.optim.lr_scheduler import LambdaLR


def trainable(params: Iterable[torch.nn.Parameter]) -> list[torch.nn.Parameter]:
    """Only parameters that can change: frozen ones must not even enter an optimiser's state."""
    return [p for p in params if p.requires_grad]


def adamw(
    params: Iterable[torch.nn.Parameter], lr: float, weight_decay: float, device: torch.device
) -> torch.optim.AdamW:
    """AdamW; the fused CUDA kernel when every parameter lives on a GPU (one launch per step)."""
    plist = trainable(params)
    if not plist:
        raise ValueError("an optimiser with no trainable parameters")
    fused = device.type == "cuda" and all(p.is_cuda for p in plist)
    return torch.optim.AdamW(plist, lr=lr, weight_decay=weight_decay, fused=fused or None)


def linear_warmup(optimizer: torch.optim.Optimizer, total_steps: int, warmup: float) -> LambdaLR:
    """lr * step/warm for the first `warmup` share of steps, then linear decay to 0 at `total_steps`."""
    warm = max(1, round(total_steps * warmup)) if warmup > 0 else 0
    total = max(total_steps, 1)

    def factor(step: int) -> float:
        if warm and step < warm:
            return (step + 1) / warm
        return max(0.0, (total - step) / max(1, total - warm))

    return LambdaLR(optimizer, factor)
