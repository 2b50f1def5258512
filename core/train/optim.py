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


NO_DECAY = ("bias", "LayerNorm.weight", "layer_norm.weight", "norm.weight")


def adamw(
    named: Iterable[tuple[str, torch.nn.Parameter]], lr: float, weight_decay: float, device: torch.device,
    no_decay_bias_norm: bool = False,
) -> torch.optim.AdamW:
    """AdamW over the trainable parameters; the fused CUDA kernel when every one lives on a GPU.

    `no_decay_bias_norm` puts biases and LayerNorm weights in a group without weight decay, as the
    authors' `get_optimizer_grouped_parameters` (and BERT's original recipe) do.
    """
    pairs = [(n, p) for n, p in named if p.requires_grad]
    if not pairs:
        raise ValueError("an optimiser with no trainable parameters")
    plist = [p for _, p in pairs]
    fused = device.type == "cuda" and all(p.is_cuda for p in plist)
    if not no_decay_bias_norm:
        return torch.optim.AdamW(plist, lr=lr, weight_decay=weight_decay, fused=fused or None)
    plain = [p for n, p in pairs if not n.endswith(NO_DECAY)]
    exempt = [p for n, p in pairs if n.endswith(NO_DECAY)]
    groups = [g for g in ({"params": plain, "weight_decay": weight_decay},
                          {"params": exempt, "weight_decay": 0.0}) if g["params"]]
    return torch.optim.AdamW(groups, lr=lr, fused=fused or None)


def linear_warmup(optimizer: torch.optim.Optimizer, total_steps: int, warmup: float,
                  start: str = "one-step") -> LambdaLR:
    """Linear warm-up over the first `warmup` share of steps, then linear decay to 0 at `total_steps`.

    `start="zero"` is transformers' `get_linear_schedule_with_warmup` (lr 0 at step 0, what the
    authors ran); `"one-step"` starts at lr/warm so the first step already learns.
    """
    warm = int(total_steps * warmup) if start == "zero" else (max(1, round(total_steps * warmup))
                                                               if warmup > 0 else 0)
    total = max(total_steps, 1)
    offset = 0 if start == "zero" else 1

    def factor(step: int) -> float:
        if warm and step < warm:
            return (step + offset) / warm
        return max(0.0, (total - step) / max(1, total - warm))

    return LambdaLR(optimizer, factor)
