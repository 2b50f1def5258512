"""The one epoch loop every training stage uses, with model selection on a dev metric.

An epoch is one pass over the main loader (labelled NER data, or soft-labelled data for
distillation); each main step is followed by one adversarial step drawing the next batch of every
discriminator's own loader, cycling it as needed (AdvPicker Algorithm 1: NER, then E, then DIS).
After each epoch the stage's `evaluate` callback scores dev (and test) sets; the epoch with the best
`select` metric is kept, as both papers keep the checkpoint with the best target-dev F1.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

import torch
from torch.utils.data import DataLoader
from tqdm.auto import tqdm

from ..errors import check_stop
from ..models.checkpoint import trainable_state
from .steps import StepRunner

log = logging.getLogger(__name__)


def cycle(loader: DataLoader) -> Iterator[Mapping[str, torch.Tensor]]:
    """Endless batches, re-shuffled each pass (a new sampler epoch)."""
    epoch = 0
    while True:
        sampler = loader.batch_sampler
        if hasattr(sampler, "set_epoch"):
            sampler.set_epoch(epoch)
        yield from loader
        epoch += 1


def snapshot(modules: Mapping[str, torch.nn.Module]) -> dict[str, dict[str, torch.Tensor]]:
    """CPU copies of what can change: frozen weights stay the encoder's and are never copied."""
    return {name: trainable_state(m) for name, m in modules.items()}


@dataclass
class FitResult:
    best_epoch: int
    best: dict[str, float]
    curve: list[dict[str, float]] = field(default_factory=list)
    state: dict[str, dict[str, torch.Tensor]] = field(default_factory=dict)


def fit(
    runner: StepRunner,
    main_loader: DataLoader,
    *,
    epochs: int,
    evaluate: Callable[[], dict[str, float]],
    select: str,
    mode: str = "ner",
    adversarial: Mapping[str, list[DataLoader]] | None = None,
    desc: str = "train",
    on_epoch: Callable[[int, dict[str, float]], None] | None = None,
    kd_loss: str = "mse",
    kd_weight: float = 1.0,
) -> FitResult:
    """Train for `epochs`, evaluate after each, return the best epoch's metrics and weights."""
    step = runner.ner_step if mode == "ner" else (lambda b: runner.distill_step(b, kd_loss, kd_weight))
    adv_iters = {name: [cycle(dl) for dl in sides] for name, sides in (adversarial or {}).items()}
    modules: dict[str, torch.nn.Module] = {"model": runner.model, **runner.discriminators}
    best: FitResult | None = None
    curve: list[dict[str, float]] = []
    for epoch in range(1, epochs + 1):
        if hasattr(main_loader.batch_sampler, "set_epoch"):
            main_loader.batch_sampler.set_epoch(epoch)
        totals: dict[str, float] = {}
        n = 0
        bar = tqdm(main_loader, desc=f"{desc} epoch {epoch}/{epochs}", leave=False, disable=None)
        for batch in bar:
            check_stop()
            losses = {"loss": step(batch)}
            if adv_iters:
                losses.update(runner.adversarial_step(
                    {k: [next(it) for it in sides] for k, sides in adv_iters.items()}))
            runner.advance_schedules()
            for k, v in losses.items():
                totals[k] = totals.get(k, 0.0) + v
            n += 1
            bar.set_postfix(loss=f"{losses['loss']:.4f}")
        metrics = {k: v / max(n, 1) for k, v in totals.items()}
        metrics.update(evaluate())
        metrics["epoch"] = float(epoch)
        curve.append(metrics)
        if select not in metrics:
            raise KeyError(f"selection metric {select!r} not among {sorted(metrics)}")
        log.info("%s epoch %d/%d: loss %.4f, %s %.2f", desc, epoch, epochs, metrics["loss"], select,
                 metrics[select])
        log.debug("%s epoch %d: %s", desc, epoch,
                  " ".join(f"{k}={v:.4f}" for k, v in metrics.items() if k != "epoch"))
        if on_epoch:
            on_epoch(epoch, metrics)
        if best is None or metrics[select] > best.best[select]:
            best = FitResult(epoch, dict(metrics), state=snapshot(modules))
    assert best is not None, "fit needs at least one epoch"
    best.curve = curve
    return best
