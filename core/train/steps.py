"""The update steps: NER, generator and discriminators (adversarial), and distillation.

Each loss owns an optimiser over exactly the parameters the papers let it move (TransAdv §2.3,
AdvPicker §3.1 and Algorithm 1):
  * L_ner  -> encoder (trainable layers) + NER head;
  * L_g    -> encoder only (labels flipped, TransAdv Eq. 5);
  * L_dis  -> the discriminators only, computed on the generator step's *detached* features, so the
              discriminator step costs no second encoder pass and can never reach the encoder;
  * L_kd   -> student encoder + head (MSE to soft labels, Eq. 8).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from ..data.labels import IGNORE_INDEX
from ..models.device import autocast_context
from ..plugins import DISCRIMINATOR_KINDS
from .kinds import language_mask, order_labels  # noqa: F401  (part of this module's API)
from .optim import adamw, linear_warmup


@dataclass(frozen=True)
class AdversarialSpec:
    """How one discriminator is trained: its kind and which words its loss sees (Eq. 6 masks)."""

    name: str
    kind: str  # a registered discriminator kind (train/kinds.py): "language" (token), "order" (sentence)
    mask: str = "all"  # "all", "entity" (labels != O), "context" (labels == O)


def kd_mse(logits: torch.Tensor, soft: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Eq. 8: mean over words of MSE(p_teacher, softmax(student)), the MSE averaged over labels."""
    p = torch.softmax(logits.float(), dim=-1)  # [B, S, L]
    per_word = ((p - soft) ** 2).mean(dim=-1)  # [B, S]
    m = mask.float()
    return (per_word * m).sum() / m.sum().clamp(min=1.0)


def kd_soft_ce(logits: torch.Tensor, soft: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Not in the papers: cross-entropy to the soft labels, -Σ_l q_l log p_l, mean over words.

    Why offered: MSE on probabilities gives a student starting from a fresh encoder almost no push
    away from predicting the label prior (all O) on a short schedule; measured on the CPU proxy
    (me5-small, 2000 sentences) the MSE student stayed at 0 F1 for 6 epochs. Eq. 8 stays the default.
    """
    logp = torch.log_softmax(logits.float(), dim=-1)
    per_word = -(soft * logp).sum(dim=-1)
    m = mask.float()
    return (per_word * m).sum() / m.sum().clamp(min=1.0)


def voted_ce(logits: torch.Tensor, hard: torch.Tensor) -> torch.Tensor:
    """UniTrans's hard-label term: cross-entropy on the words every model agreed on (mean over them;
    0 for a batch with none, where the authors' mean over nothing would be NaN)."""
    if not bool((hard != IGNORE_INDEX).any()):
        return logits.sum() * 0.0
    return F.cross_entropy(logits.float().flatten(0, 1), hard.flatten(), ignore_index=IGNORE_INDEX)


KD_LOSSES = {"mse": kd_mse, "soft-ce": kd_soft_ce}


class StepRunner:
    """Holds the model, its discriminators, one optimiser + schedule per loss, and does the steps."""

    def __init__(
        self,
        model: nn.Module,
        discriminators: Mapping[str, nn.Module],
        specs: Mapping[str, AdversarialSpec],
        *,
        lr_ner: float,
        lr_generator: float,
        lr_discriminator: float | Mapping[str, float],
        weight_decay: float,
        total_steps: int,
        warmup: float,
        grad_clip: float | None,
        device: torch.device,
        precision: str = "auto",
        no_decay_bias_norm: bool = False,
        discriminator_weight_decay: float | None = None,
        warmup_start: str = "one-step",
        adversarial_reduction: str = "mean",
    ) -> None:
        self.model = model
        self.discriminators = dict(discriminators)
        self.specs = dict(specs)
        self.device = device
        self.precision = precision
        self.grad_clip = grad_clip
        self.reduction = adversarial_reduction
        nd = no_decay_bias_norm
        self.opt_ner = adamw(model.named_parameters(), lr_ner, weight_decay, device, nd)
        self.schedulers = [linear_warmup(self.opt_ner, total_steps, warmup, warmup_start)]
        self.opt_gen = self.opt_dis = None
        if self.discriminators:
            self.opt_gen = adamw(model.encoder.named_parameters(), lr_generator, weight_decay, device, nd)
            groups = []
            dis_decay = weight_decay if discriminator_weight_decay is None else discriminator_weight_decay
            for name, disc in self.discriminators.items():
                lr = (lr_discriminator[name] if isinstance(lr_discriminator, Mapping)
                      else lr_discriminator)
                groups.append({"params": [p for p in disc.parameters() if p.requires_grad], "lr": lr,
                               "weight_decay": dis_decay})
            self.opt_dis = torch.optim.AdamW(groups)
            self.schedulers += [linear_warmup(self.opt_gen, total_steps, warmup, warmup_start),
                                linear_warmup(self.opt_dis, total_steps, warmup, warmup_start)]

    # -- helpers ---------------------------------------------------------------------------------
    def _to(self, batch: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        return {k: v.to(self.device, non_blocking=True) for k, v in batch.items()}

    def _zero(self) -> None:
        self.model.zero_grad(set_to_none=True)
        for d in self.discriminators.values():
            d.zero_grad(set_to_none=True)

    def _step(self, opt: torch.optim.Optimizer, params: Any) -> None:
        if self.grad_clip:
            torch.nn.utils.clip_grad_norm_([p for p in params if p.grad is not None], self.grad_clip)
        opt.step()

    def advance_schedules(self) -> None:
        for s in self.schedulers:
            s.step()

    # -- steps -----------------------------------------------------------------------------------
    def _supervised_step(self, batch: Mapping[str, torch.Tensor], loss_fn: Any) -> float:
        """One forward + backward + L_ner-optimiser step; `loss_fn(logits, batch)` picks the loss."""
        b = self._to(batch)
        self.model.train()
        self._zero()
        with autocast_context(self.device, self.precision):
            logits = self.model(b["input_ids"], b["attention_mask"])[1]  # [B, S, L]
        loss = loss_fn(logits, b)
        loss.backward()
        self._step(self.opt_ner, self.model.parameters())
        return float(loss.detach())

    def ner_step(self, batch: Mapping[str, torch.Tensor]) -> float:
        """Cross-entropy on first sub-tokens (Eq. 2, 5: L_ner); moves encoder + head."""
        return self._supervised_step(batch, lambda logits, b: F.cross_entropy(
            logits.float().flatten(0, 1), b["labels"].flatten(), ignore_index=IGNORE_INDEX))

    def distill_step(self, batch: Mapping[str, torch.Tensor], loss: str = "mse", weight: float = 1.0
                     ) -> float:
        """MSE to the soft labels (Eq. 8, L_kd), or soft-CE; `mse+vote` is UniTrans's
        weight x MSE + CE on the voted words. Moves the student's encoder + head."""
        if loss == "mse+vote":
            return self._supervised_step(batch, lambda logits, b: weight * kd_mse(
                logits, b["soft"], b["soft_mask"]) + voted_ce(logits, b["hard"]))
        fn = KD_LOSSES[loss]
        return self._supervised_step(batch, lambda logits, b: fn(logits, b["soft"], b["soft_mask"]))

    def _disc_loss(self, name: str, h: torch.Tensor, b: Mapping[str, torch.Tensor], flip: bool
                   ) -> torch.Tensor:
        spec = self.specs[name]
        return DISCRIMINATOR_KINDS.get(spec.kind).loss(self.discriminators[name], h, b, spec.mask, flip,
                                                       self.reduction)

    def adversarial_step(self, batches: Mapping[str, Sequence[Mapping[str, torch.Tensor]]]
                         ) -> dict[str, float]:
        """One generator step (L_g, encoder only) then one discriminator step (L_dis, detached h).

        `batches[name]` holds one batch per side of that discriminator: a source-side and a
        target-side batch (`balanced`, the authors' code: each side's loss is a mean, and the two
        are added) or a single batch drawn from the union of its data (`mixed`).
        """
        if not self.discriminators:
            return {}
        assert self.opt_gen is not None and self.opt_dis is not None
        self.model.train()
        self._zero()
        feats: list[tuple[str, torch.Tensor, dict[str, torch.Tensor]]] = []
        gen_loss = torch.zeros((), device=self.device)
        for name, sides in batches.items():
            for batch in sides:
                b = self._to(batch)
                with autocast_context(self.device, self.precision):
                    h = self.model.encoder(b["input_ids"], b["attention_mask"])  # [B, S, H]
                feats.append((name, h.detach(), b))
                gen_loss = gen_loss + self._disc_loss(name, h, b, flip=True)
        gen_loss.backward()
        self._step(self.opt_gen, self.model.encoder.parameters())
        self._zero()  # drop the discriminator grads L_g produced: only L_dis may move them
        dis_loss = torch.zeros((), device=self.device)
        out = {"loss_generator": float(gen_loss.detach())}
        for name, h, b in feats:
            loss = self._disc_loss(name, h, b, flip=False)
            out[f"loss_{name}"] = out.get(f"loss_{name}", 0.0) + float(loss.detach())
            dis_loss = dis_loss + loss
        dis_loss.backward()
        self._step(self.opt_dis, chain(*(d.parameters() for d in self.discriminators.values())))
        return out
