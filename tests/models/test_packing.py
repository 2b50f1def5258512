"""Padding-free packing (`train.packing`) and `train.compile`: the same maths as the padded pass."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from tokenizers_for_tests import build_wordpiece_tokenizer
from torch import nn
from transformers import BertConfig, BertModel

from xner.core.config.loader import load_experiment
from xner.core.errors import ConfigError
from xner.core.models.encoder import TokenEncoder, keep_bottom_layers, load_hf_encoder
from xner.core.models.packing import check_packing, first_fit_decreasing, pack, packed_forward, unpack
from xner.core.stages.builders import train_params
from xner.core.stages.services import Services

SHARED = Path(os.environ.get("XNER_SHARED", Path(__file__).resolve().parents[2].parent / "shared"))
ME5 = SHARED / "models" / "me5-small-trimmed"


def bert(layers: int = 2, dropout: float = 0.0) -> BertModel:
    torch.manual_seed(0)
    return BertModel(BertConfig(vocab_size=300, hidden_size=32, num_hidden_layers=layers,
                                num_attention_heads=2, intermediate_size=64,
                                hidden_dropout_prob=dropout, attention_probs_dropout_prob=dropout))


def padded_batch(lengths: list[int], seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    s = max(lengths)
    mask = (torch.arange(s)[None, :] < torch.tensor(lengths)[:, None]).long()
    return torch.randint(5, 300, (len(lengths), s), generator=g) * mask, mask


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 40), min_size=1, max_size=20), st.integers(0, 60))
def test_first_fit_decreasing_places_every_row_once_within_capacity(lengths, capacity):
    capacity = max(capacity, max(lengths))
    bins = first_fit_decreasing(lengths, capacity)
    assert sorted(i for b in bins for i in b) == list(range(len(lengths)))
    assert all(sum(lengths[i] for i in b) <= capacity for b in bins)
    # no two bins could be merged: first fit leaves at most one bin at most half full
    assert sum(sum(lengths[i] for i in b) <= capacity / 2 for b in bins) <= 1


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 30), min_size=1, max_size=16), st.integers(0, 64))
def test_pack_then_unpack_returns_every_real_token_to_its_place(lengths, capacity):
    ids, mask = padded_batch(lengths)
    p = pack(ids, mask, capacity)
    assert p.input_ids.shape[1] == max(capacity, ids.shape[1])
    assert int((p.input_ids != 0).sum()) == int((ids != 0).sum())  # nothing lost, nothing doubled
    back = unpack(p.input_ids.unsqueeze(-1).float(), p, tuple(ids.shape)).squeeze(-1).long()
    assert torch.equal(back, ids)  # pads come back as 0, as ids are
    for r in range(p.position_ids.shape[0]):  # every segment counts 0, 1, 2, ...
        pos = p.position_ids[r]
        starts = torch.cat([torch.tensor([True]), pos[1:] != pos[:-1] + 1])
        seg = starts.cumsum(0) - 1
        first = torch.nonzero(starts).squeeze(1)
        assert torch.equal(pos, torch.arange(len(pos)) - first[seg])


def test_pack_refuses_left_padding():
    ids, mask = padded_batch([3, 5])
    with pytest.raises(ValueError, match="right-padded"):
        pack(ids, mask.flip(1), 8)


@pytest.mark.parametrize("capacity", [0, 16, 64])
def test_packed_forward_equals_the_padded_pass(capacity):
    model = bert().eval()
    ids, mask = padded_batch([7, 3, 12, 1, 5, 9, 2])
    with torch.no_grad():
        plain = model(input_ids=ids, attention_mask=mask).last_hidden_state
        packed = packed_forward(model, ids, mask, capacity)
    m = mask.bool()
    assert packed.shape == plain.shape
    torch.testing.assert_close(packed[m], plain[m], atol=1e-5, rtol=1e-5)
    assert torch.count_nonzero(packed[~m]) == 0
    if capacity == 64:  # the sentences really shared rows, so the block mask was needed
        assert pack(ids, mask, capacity).input_ids.shape[0] < ids.shape[0]


def test_packed_training_step_has_the_padded_gradients():
    ids, mask = padded_batch([6, 2, 9, 4, 4])
    labels = torch.randint(0, 3, ids.shape, generator=torch.Generator().manual_seed(1))
    grads = []
    for packing in (False, True):
        enc = TokenEncoder(bert(), pack=packing, pack_capacity=32).train()
        head = nn.Linear(32, 3)
        torch.manual_seed(0)
        nn.init.normal_(head.weight)
        logits = head(enc(ids, mask))
        loss = nn.functional.cross_entropy(logits[mask.bool()], labels[mask.bool()])
        loss.backward()
        grads.append({n: p.grad.clone() for n, p in enc.named_parameters() if p.grad is not None})
    assert grads[0].keys() == grads[1].keys() and len(grads[0]) > 10
    for name in grads[0]:
        torch.testing.assert_close(grads[1][name], grads[0][name], atol=1e-5, rtol=1e-4, msg=name)


class _DropsPositions(nn.Module):
    """An encoder whose forward ignores position ids: packed sentences would see each other."""

    def __init__(self, model: BertModel) -> None:
        super().__init__()
        self.inner, self.config = model, model.config

    def forward(self, input_ids, attention_mask=None, position_ids=None):
        return self.inner(input_ids=input_ids, attention_mask=attention_mask)


def test_an_encoder_that_attends_across_packed_sentences_is_refused():
    check_packing(bert())  # the real one passes
    with pytest.raises(ConfigError, match=r"train\.packing.*attends across packed sentences"):
        TokenEncoder(_DropsPositions(bert()), pack=True)


@pytest.mark.skipif(not ME5.is_dir(), reason=f"needs the real encoder at {ME5}")
def test_me5_packed_pass_matches_on_real_sentences():
    bundle = load_hf_encoder(str(ME5), dropout=0.0)
    keep_bottom_layers(bundle.model, 2)
    enc = bundle.tokenizer([["EU", "rejects", "German", "call", "."], ["Peter", "Blackburn"],
                            ["El", "Abogado", "General", "del", "Estado", ",", "Daryl", "Williams", "."]],
                           is_split_into_words=True, padding=True, return_tensors="pt")
    model = bundle.model.eval()
    with torch.no_grad():
        plain = model(**enc).last_hidden_state
        packed = packed_forward(model, enc["input_ids"], enc["attention_mask"], 64)
    m = enc["attention_mask"].bool()
    torch.testing.assert_close(packed[m], plain[m], atol=1e-4, rtol=1e-4)


def test_speed_options_are_keyed_only_when_on(tmp_path):
    (tmp_path / "exp.yaml").write_text(
        "name: x\nmethod: mbert-ft\ndata: {root: ., target_langs: [es]}\n")
    cfg = load_experiment(tmp_path / "exp.yaml")
    dp = {"files": {"tgt_dev": "dev.txt", "tgt_test": "test.txt"}}
    plain = train_params(cfg, dp)
    assert "packing" not in plain and "compile" not in plain  # old node keys stay valid
    fast = load_experiment(tmp_path / "exp.yaml", overrides=["train.packing=true", "train.compile=true"])
    assert train_params(fast, dp) == {**plain, "packing": True, "compile": True}
    assert train_params(fast, dp, distill=True)["packing"] is True


def test_services_build_packed_and_compiled_encoders(tmp_path):
    enc_dir = tmp_path / "enc"
    model = bert()
    model.save_pretrained(enc_dir)
    build_wordpiece_tokenizer().save_pretrained(enc_dir)
    svc = Services(tmp_path / "cache", device=torch.device("cpu"))
    spec = {"dropout": 0.0, "freeze_embeddings": True, "frozen_layers": 1}
    plain = svc.new_model(spec, str(enc_dir), 3)
    assert not plain.encoder.pack and plain.encoder.model._compiled_call_impl is None
    fast = svc.new_model(spec, str(enc_dir), 3, {"packing": True, "compile": True})
    assert fast.encoder.pack and fast.encoder.model._compiled_call_impl is not None
    assert [n for n, _ in fast.named_parameters()] == [n for n, _ in plain.named_parameters()]


def test_compiled_encoder_gives_the_eager_hidden_states():
    """`train.compile` on the CPU (inductor; ~10 s here): same outputs to float tolerance."""
    model = bert().eval()
    ids, mask = padded_batch([7, 3, 12, 5])
    with torch.no_grad():
        eager = model(input_ids=ids, attention_mask=mask).last_hidden_state
        model.compile(dynamic=True)
        compiled = model(input_ids=ids, attention_mask=mask).last_hidden_state
    assert model._compiled_call_impl is not None
    torch.testing.assert_close(compiled, eager, atol=1e-5, rtol=1e-5)
