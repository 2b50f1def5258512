"""Checkpoints: safetensors with the trainable tensors only; the frozen part comes back from the encoder."""

from __future__ import annotations

import pytest
import torch

from xner.core.models import checkpoint as ckpt
from xner.core.models.discriminators import LanguageDiscriminator, OrderDiscriminator
from xner.core.models.encoder import TokenEncoder, freeze, save_encoder
from xner.core.models.ner_model import NerModel
from xner.registry.encoders import build_tiny

CORPUS = [["EU", "rejects", "German", "call", "."], ["El", "Abogado", "General", "del", "Estado"]] * 4


def _model(directory, frozen_layers: int, seed: int) -> NerModel:
    """What Services.new_model does: the pretrained encoder from `directory`, frozen, a fresh head."""
    from xner.core.models.encoder import load_hf_encoder

    bundle = load_hf_encoder(str(directory), dropout=0.0)
    freeze(bundle.model, True, frozen_layers)
    torch.manual_seed(seed)
    return NerModel(TokenEncoder(bundle.model), 5, dropout=0.0)


@pytest.fixture()
def encoder_dir(tmp_path):
    bundle = build_tiny(corpus=CORPUS, vocab_size=200, hidden_size=32, num_layers=4, min_frequency=1,
                            num_heads=2, intermediate_size=64)
    return save_encoder(bundle, tmp_path / "encoder")


def _train(model: NerModel) -> None:
    """Move every trainable tensor so a round trip that dropped one would be caught."""
    with torch.no_grad():
        for p in model.parameters():
            if p.requires_grad:
                p.add_(torch.randn_like(p))


def test_round_trip_restores_every_tensor_and_omits_the_frozen_ones(encoder_dir, tmp_path):
    model = _model(encoder_dir, frozen_layers=2, seed=0)
    _train(model)
    frozen = ckpt.frozen_names(model)
    assert any(n.startswith("encoder.model.embeddings.") for n in frozen)
    assert any(".layer.1." in n for n in frozen) and not any(".layer.2." in n for n in frozen)
    state = ckpt.trainable_state(model)
    assert not frozen & state.keys() and "head.classifier.weight" in state
    path = ckpt.save_model(state, tmp_path / ckpt.MODEL, omitted=len(frozen))
    full = tmp_path / "full.safetensors"
    ckpt.save_model({k: v.clone() for k, v in model.state_dict().items()}, full)
    assert path.stat().st_size < 0.8 * full.stat().st_size

    fresh = _model(encoder_dir, frozen_layers=2, seed=1)  # another head init: the file must win
    ckpt.load_model_state(fresh, path, torch.device("cpu"))
    want, got = model.state_dict(), fresh.state_dict()
    assert want.keys() == got.keys()
    for key in want:
        assert torch.equal(want[key], got[key]), key


def test_a_checkpoint_from_another_freeze_setting_is_refused(encoder_dir, tmp_path):
    model = _model(encoder_dir, frozen_layers=3, seed=0)
    path = ckpt.save_model(ckpt.trainable_state(model), tmp_path / ckpt.MODEL)
    fewer_frozen = _model(encoder_dir, frozen_layers=1, seed=0)  # layers 1-2 now need weights
    with pytest.raises(ValueError, match=r"missing trainable keys .*layer\.1\..*frozen_layers"):
        ckpt.load_model_state(fewer_frozen, path, torch.device("cpu"))


def test_discriminators_round_trip_and_an_empty_set(tmp_path):
    torch.manual_seed(0)
    discs = {"language": LanguageDiscriminator(16, 8), "entity-language": LanguageDiscriminator(16, 8),
             "order": OrderDiscriminator(16, 8)}
    states = {n: d.state_dict() for n, d in discs.items()}
    loaded = ckpt.load_discriminators(ckpt.save_discriminators(states, tmp_path / "d.safetensors"))
    assert loaded.keys() == states.keys()
    for name, sd in states.items():
        assert loaded[name].keys() == sd.keys()
        assert all(torch.equal(loaded[name][k], v) for k, v in sd.items())
    assert ckpt.load_discriminators(ckpt.save_discriminators({}, tmp_path / "none.safetensors")) == {}
