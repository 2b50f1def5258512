"""Each optimiser step moves exactly the parameters it owns; frozen layers never move (Eq. 5, 8)."""

from __future__ import annotations

import math

import pytest
import torch
from transformers import BertConfig, BertModel

from xner.core.models.discriminators import LanguageDiscriminator, OrderDiscriminator
from xner.core.models.encoder import TokenEncoder, freeze
from xner.core.models.ner_model import NerModel
from xner.core.train.steps import AdversarialSpec, StepRunner, kd_mse, language_mask

L = 5  # O, B-LOC, I-LOC, B-PER, I-PER


def _runner(discs: bool = True, frozen: int = 1) -> StepRunner:
    torch.manual_seed(0)
    cfg = BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=3, num_attention_heads=2,
                     intermediate_size=32, max_position_embeddings=64)
    bert = BertModel(cfg, add_pooling_layer=False)
    freeze(bert, freeze_embeddings=True, frozen_layers=frozen)
    model = NerModel(TokenEncoder(bert), L, dropout=0.0)
    d = {"language": LanguageDiscriminator(16, 8), "order": OrderDiscriminator(16, 4)} if discs else {}
    specs = {"language": AdversarialSpec("language", "language"),
             "order": AdversarialSpec("order", "order")} if discs else {}
    return StepRunner(model, d, specs, lr_ner=1e-2, lr_generator=1e-2, lr_discriminator=1e-2,
                      weight_decay=0.01, total_steps=10, warmup=0.0, grad_clip=1.0,
                      device=torch.device("cpu"))


def _batch(seed: int = 1) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(5, 50, (3, 7), generator=g)
    mask = torch.ones(3, 7, dtype=torch.long)
    mask[2, 5:] = 0
    labels = torch.randint(0, L, (3, 7), generator=g)
    labels[:, 0] = -100
    labels[2, 5:] = -100
    langs = torch.where(labels == -100, torch.tensor(-100), torch.randint(0, 2, (3, 7), generator=g))
    order = torch.where(labels == -100, torch.tensor(-100), torch.tensor([[1], [0], [1]]).expand(3, 7))
    return {"input_ids": ids, "attention_mask": mask, "labels": labels, "langs": langs, "order": order}


def _state(r: StepRunner) -> dict[str, torch.Tensor]:
    out = {f"model.{k}": v.clone() for k, v in r.model.state_dict().items()}
    for name, d in r.discriminators.items():
        out.update({f"{name}.{k}": v.clone() for k, v in d.state_dict().items()})
    return out


def _changed(before: dict[str, torch.Tensor], r: StepRunner) -> set[str]:
    after = _state(r)
    return {k for k in before if not torch.equal(before[k], after[k])}


def _groups(r: StepRunner) -> tuple[set[str], set[str], set[str], set[str]]:
    frozen = {f"model.{n}" for n, p in r.model.named_parameters() if not p.requires_grad}
    enc = {f"model.{n}" for n, p in r.model.named_parameters()
           if p.requires_grad and n.startswith("encoder.")}
    head = {f"model.{n}" for n, _ in r.model.named_parameters() if n.startswith("head.")}
    disc = {f"{name}.{n}" for name, d in r.discriminators.items() for n, _ in d.named_parameters()}
    return frozen, enc, head, disc


def test_ner_step_moves_encoder_and_head_only() -> None:
    r = _runner()
    frozen, enc, head, disc = _groups(r)
    before = _state(r)
    r.ner_step(_batch())
    changed = _changed(before, r)
    assert head <= changed
    assert changed & enc, "the trainable encoder layers must move"
    assert not changed & frozen, "frozen embeddings/bottom layers moved"
    assert not changed & disc, "L_ner must not touch the discriminators"


def test_adversarial_step_generator_moves_encoder_discriminator_moves_itself() -> None:
    r = _runner()
    frozen, enc, head, disc = _groups(r)
    before = _state(r)
    b = _batch()
    losses = r.adversarial_step({"language": [b], "order": [b]})
    changed = _changed(before, r)
    assert set(losses) == {"loss_generator", "loss_language", "loss_order"}
    assert changed & enc and disc <= changed
    assert not changed & head, "neither L_g nor L_dis may move the NER head"
    assert not changed & frozen


def test_discriminator_step_never_touches_encoder() -> None:
    """With the generator lr at 0 the only mover left is L_dis: the encoder must stay identical."""
    r = _runner()
    for g in r.opt_gen.param_groups:
        g["lr"] = 0.0
        g["weight_decay"] = 0.0
    _frozen, _enc, _head, disc = _groups(r)
    before = _state(r)
    b = _batch()
    r.adversarial_step({"language": [b], "order": [b]})
    changed = _changed(before, r)
    assert changed and changed <= disc


def test_generator_step_alone_moves_only_encoder() -> None:
    r = _runner()
    for g in r.opt_dis.param_groups:
        g["lr"] = 0.0
        g["weight_decay"] = 0.0
    _frozen, enc, _head, _disc = _groups(r)
    before = _state(r)
    b = _batch()
    r.adversarial_step({"language": [b], "order": [b]})
    changed = _changed(before, r)
    assert changed and changed <= enc


def test_frozen_layers_can_fail_the_check() -> None:
    """Sanity: without freezing, the same step does move the embeddings (so the check is live)."""
    r = _runner(frozen=0)
    for p in r.model.encoder.model.embeddings.parameters():
        p.requires_grad_(True)
    r = StepRunner(r.model, {}, {}, lr_ner=1e-2, lr_generator=0, lr_discriminator=0, weight_decay=0,
                   total_steps=1, warmup=0, grad_clip=None, device=torch.device("cpu"))
    before = _state(r)
    r.ner_step(_batch())
    assert any(k.startswith("model.encoder.model.embeddings") for k in _changed(before, r))


def test_language_mask_modes() -> None:
    b = {"langs": torch.tensor([[-100, 1, 0, 1, 0]]), "labels": torch.tensor([[-100, 0, 3, 4, 0]])}
    assert language_mask(b, "all").tolist() == [[False, True, True, True, True]]
    assert language_mask(b, "entity").tolist() == [[False, False, True, True, False]]
    assert language_mask(b, "context").tolist() == [[False, True, False, False, True]]
    with pytest.raises(ValueError, match="mask must be one of"):
        language_mask(b, "words")


def test_kd_mse_is_eq8() -> None:
    logits = torch.tensor([[[0.0, 0.0], [2.0, 0.0], [5.0, 5.0]]])
    soft = torch.tensor([[[1.0, 0.0], [0.5, 0.5], [0.0, 1.0]]])
    mask = torch.tensor([[True, True, False]])
    p1 = 1 / (1 + math.exp(-2.0))
    by_hand = (((0.5 - 1) ** 2 + 0.5**2) / 2 + ((p1 - 0.5) ** 2 + (1 - p1 - 0.5) ** 2) / 2) / 2
    assert math.isclose(kd_mse(logits, soft, mask).item(), by_hand, rel_tol=1e-6)


@pytest.mark.parametrize("mask", ["entity", "context"])
def test_masked_discriminator_sees_only_its_words(mask: str) -> None:
    """Eq. 6: the loss of entity-language (context-language) has zero gradient w.r.t. the features of
    every word outside its mask, and a non-zero one on each word inside it."""
    torch.manual_seed(0)
    disc = LanguageDiscriminator(16, 8)
    b = _batch()
    r = StepRunner(_runner(discs=False).model, {"d": disc}, {"d": AdversarialSpec("d", "language", mask)},
                   lr_ner=1e-2, lr_generator=1e-2, lr_discriminator=1e-2, weight_decay=0.0, total_steps=1,
                   warmup=0.0, grad_clip=None, device=torch.device("cpu"))
    h = torch.randn(3, 7, 16, requires_grad=True)
    for flip in (False, True):  # L_dis and the generator's flipped L_g
        (grad,) = torch.autograd.grad(r._disc_loss("d", h, b, flip=flip), h)
        seen = grad.abs().sum(-1) > 0
        inside = (b["labels"] > 0) if mask == "entity" else (b["labels"] == 0)
        assert inside.any() and (~inside & (b["labels"] != -100)).any()  # the batch has both kinds
        assert torch.equal(seen, inside), f"{mask}: discriminator saw words outside its mask"
    everything = StepRunner(r.model, {"d": disc}, {"d": AdversarialSpec("d", "language", "all")},
                            lr_ner=1e-2, lr_generator=1e-2, lr_discriminator=1e-2, weight_decay=0.0,
                            total_steps=1, warmup=0.0, grad_clip=None, device=torch.device("cpu"))
    (grad_all,) = torch.autograd.grad(everything._disc_loss("d", h, b, flip=False), h)
    assert not torch.equal(grad_all.abs().sum(-1) > 0, inside)  # the unmasked one would fail the check


def test_soft_ce_is_cross_entropy_to_the_soft_labels() -> None:
    from xner.core.train.steps import kd_soft_ce

    logits = torch.tensor([[[0.0, 0.0], [2.0, 0.0], [5.0, 5.0]]])
    soft = torch.tensor([[[1.0, 0.0], [0.5, 0.5], [0.0, 1.0]]])
    mask = torch.tensor([[True, True, False]])
    p1 = 1 / (1 + math.exp(-2.0))
    expected = (-math.log(0.5) + -(0.5 * math.log(p1) + 0.5 * math.log(1 - p1))) / 2
    assert kd_soft_ce(logits, soft, mask).item() == pytest.approx(expected, rel=1e-6)
    r = _runner(discs=False)
    b = _batch()
    b["soft"] = torch.softmax(torch.randn(3, 7, L), -1)
    b["soft_mask"] = b["labels"] != -100
    before = _state(r)
    r.distill_step(b, "soft-ce")
    frozen, enc, head, _ = _groups(r)
    assert _changed(before, r) == enc | head and not (_changed(before, r) & frozen)
