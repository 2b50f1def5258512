"""Encoder loading, freezing, the no-grad frozen prefix, the NER head, the tiny encoder, devices."""

from __future__ import annotations

import itertools
import os
import random
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn
from transformers import DistilBertConfig, DistilBertModel

from xner.core.errors import ConfigError
from xner.core.models import device as dev
from xner.core.models.encoder import (
    NerHead,
    TokenEncoder,
    find_embeddings,
    find_layers,
    freeze,
    load_hf_encoder,
    save_encoder,
)
from xner.core.plugins import ENCODERS
from xner.registry.encoders import learn_wordpiece_vocab

SHARED = Path(os.environ.get("XNER_SHARED", Path(__file__).resolve().parents[2].parent / "shared"))
ME5 = SHARED / "models" / "me5-small-trimmed"

CORPUS = [
    ["EU", "rejects", "German", "call", "to", "boycott", "British", "lamb", "."],
    ["El", "Abogado", "General", "del", "Estado", ",", "Daryl", "Williams", "."],
    ["Die", "Bundesregierung", "in", "Berlin", "lehnt", "den", "Boykott", "ab", "."],
    ["Het", "kabinet", "in", "Den", "Haag", "steunt", "de", "boycot", "."],
    ["2009", "年", "中国", "北京", "举行", "会议", "。"],
    ["Williams", "visitó", "Madrid", "y", "Berlin", "en", "2009", "."],
] * 4


def tiny(**kwargs):
    sizes = {"hidden_size": 32, "num_layers": 4, "num_heads": 2, "intermediate_size": 64}
    return ENCODERS.build("tiny", corpus=CORPUS, vocab_size=300, **{**sizes, **kwargs})


def batch(tokenizer, sentences=CORPUS[:3]):
    enc = tokenizer(sentences, is_split_into_words=True, padding=True, return_tensors="pt")
    return enc["input_ids"], enc["attention_mask"]  # [B, S] each


def train_step(encoder: TokenEncoder, head: NerHead, tokenizer, seed: int = 0) -> set[str]:
    """One AdamW step on cross-entropy over random labels; returns the names of changed tensors."""
    torch.manual_seed(seed)
    params = dict(encoder.named_parameters(prefix="enc")) | dict(head.named_parameters("head"))
    before = {n: p.detach().clone() for n, p in params.items()}
    ids, mask = batch(tokenizer)
    logits = head(encoder(ids, mask))  # [B, S, L]
    labels = torch.randint(0, logits.shape[-1], ids.shape)  # [B, S]
    loss = nn.functional.cross_entropy(logits.flatten(0, 1), labels.flatten())
    optimizer = torch.optim.AdamW([p for p in params.values() if p.requires_grad], lr=1e-2)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return {n for n, p in params.items() if not torch.equal(p, before[n])}


def wrap(bundle) -> TokenEncoder:
    return TokenEncoder(bundle.model)


# --------------------------------------------------------------------------- freezing


def test_freeze_marks_embeddings_and_bottom_layers_only():
    bundle = tiny()
    frozen = freeze(bundle.model, freeze_embeddings=True, frozen_layers=2)
    expect = {
        n for n, _ in bundle.model.named_parameters()
        if n.startswith(("embeddings.", "encoder.layer.0.", "encoder.layer.1."))
    }
    assert set(frozen) == expect and len(expect) == 5 + 2 * 16
    for name, param in bundle.model.named_parameters():
        assert param.requires_grad == (name not in expect), name


def test_freeze_rejects_more_layers_than_the_model_has():
    bundle = tiny()
    with pytest.raises(ConfigError, match=r"encoder.frozen_layers: must be between 0 and 4"):
        freeze(bundle.model, frozen_layers=5)
    with pytest.raises(ConfigError, match="frozen_layers"):
        freeze(bundle.model, frozen_layers=-1)


def test_freeze_finds_distilbert_layers_and_explains_unknown_models():
    cfg = DistilBertConfig(vocab_size=50, dim=16, n_layers=2, n_heads=2, hidden_dim=32)
    model = DistilBertModel(cfg)
    frozen = freeze(model, frozen_layers=1)
    assert any(n.startswith("transformer.layer.0.") for n in frozen)
    assert not any(n.startswith("transformer.layer.1.") for n in frozen)
    odd = nn.Sequential(nn.Linear(2, 2))
    with pytest.raises(ConfigError, match=r"cannot find the transformer layers.*0 \(Linear\)"):
        freeze(odd, frozen_layers=1)


def test_optimizer_step_never_touches_frozen_parameters():
    bundle = tiny(frozen_layers=2, freeze_embeddings=True)
    bundle.model.train()
    encoder, head = wrap(bundle), NerHead(32, 9)
    changed = train_step(encoder, head, bundle.tokenizer)
    frozen = {f"enc.model.{n}" for n in bundle.frozen}
    assert frozen and not frozen & changed  # bit-identical after a real step
    trainable = {
        f"enc.model.{n}" for n, p in bundle.model.named_parameters()
        if p.requires_grad and not n.startswith("pooler.")  # the pooler gets no gradient
    }
    assert trainable <= changed
    assert {"head.classifier.weight", "head.classifier.bias"} <= changed


def test_the_frozen_check_fails_without_freezing():
    bundle = tiny()  # nothing frozen: the same step must move embeddings and bottom layers
    bundle.model.train()
    changed = train_step(wrap(bundle), NerHead(32, 9), bundle.tokenizer)
    assert "enc.model.embeddings.word_embeddings.weight" in changed
    assert "enc.model.encoder.layer.0.attention.self.query.weight" in changed


# --------------------------------------------------------------------------- frozen prefix


def saved_for_backward(bundle) -> Counter:
    """How many tensors each block (embeddings, layer.0, ...) saves for backward in one forward."""
    encoder, where, saved = wrap(bundle), ["outside"], Counter()
    blocks = {"embeddings": find_embeddings(bundle.model),
              **{f"layer.{i}": m for i, m in enumerate(find_layers(bundle.model))}}
    hooks = [m.register_forward_pre_hook(lambda *_, n=n: where.append(n)) for n, m in blocks.items()]
    hooks += [m.register_forward_hook(lambda *_: (where.pop(), None)[1]) for m in blocks.values()]

    def pack(t):
        saved[where[-1]] += 1
        return t

    ids, mask = batch(bundle.tokenizer)
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        out = encoder(ids, mask)  # [B, S, H]
    out.sum().backward()
    for hook in hooks:
        hook.remove()
    return saved


def test_frozen_prefix_saves_nothing_for_backward():
    """Why TokenEncoder needs no torch.no_grad(): below the first trainable layer nothing is recorded."""
    bundle = tiny(frozen_layers=2, freeze_embeddings=True)
    bundle.model.train()
    saved = saved_for_backward(bundle)
    assert saved["embeddings"] == saved["layer.0"] == saved["layer.1"] == 0
    assert saved["layer.2"] > 0 and saved["layer.3"] > 0
    assert all(p.grad is None for p in find_layers(bundle.model)[1].parameters())


def test_trainable_embeddings_are_recorded_from_the_bottom():
    bundle = tiny(frozen_layers=0, freeze_embeddings=False)
    saved = saved_for_backward(bundle)
    assert saved["embeddings"] > 0 and saved["layer.0"] > 0
    ids, mask = batch(bundle.tokenizer)
    with torch.no_grad():
        out = wrap(bundle)(ids, mask)
    assert out.shape == (*ids.shape, 32) and not out.requires_grad


def test_ner_head_shapes_and_validation():
    head = NerHead(32, 9, dropout=0.2)
    assert head(torch.zeros(3, 5, 32)).shape == (3, 5, 9)
    with pytest.raises(ConfigError, match="num_labels"):
        NerHead(32, 0)


# --------------------------------------------------------------------------- tiny encoder


def test_tiny_tokenizer_aligns_words_across_scripts():
    bundle = tiny()
    words = ["Abogados", "北京", "Bundesregierung", "Williams", "."]
    enc = bundle.tokenizer(words, is_split_into_words=True)
    ids = enc.word_ids()
    assert ids[0] is None and ids[-1] is None
    assert [i for i in ids if i is not None] == sorted(i for i in ids if i is not None)
    pieces: dict[int, str] = {}
    for token, wid in zip(enc.tokens(), ids, strict=True):
        if wid is not None:
            pieces[wid] = pieces.get(wid, "") + token.removeprefix("##")
    assert [pieces[i] for i in range(len(words))] == ["Abogados", "北京", *words[2:]]
    assert enc.tokens()[ids.index(1) : ids.index(1) + 2] == ["北", "京"]  # CJK split per char
    assert "Bundesregierung" in bundle.tokenizer.get_vocab()


def test_tiny_is_deterministic_and_leaves_global_rng_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    a = tiny(seed=1)
    assert torch.equal(torch.rand(3), expected)
    b = ENCODERS.build("tiny", corpus=list(reversed(CORPUS)), vocab_size=300, hidden_size=32,
                       num_layers=4, num_heads=2, intermediate_size=64, seed=1)
    assert a.tokenizer.get_vocab() == b.tokenizer.get_vocab()
    for (name, pa), pb in zip(a.model.named_parameters(), b.model.parameters(), strict=True):
        assert torch.equal(pa, pb), name
    c = tiny(seed=2)
    assert not torch.equal(c.model.embeddings.word_embeddings.weight,
                           a.model.embeddings.word_embeddings.weight)


def naive_wordpiece(counts: dict[str, int], vocab_size: int, min_frequency: int) -> list[str]:
    """Reference: recount every pair after every merge (slow, obviously right)."""
    words = {w: [w[0], *(f"##{c}" for c in w[1:])] for w in counts}
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    vocab += sorted({s for syms in words.values() for s in syms})
    while len(vocab) < vocab_size:
        pairs: Counter[tuple[str, str]] = Counter()
        for w, syms in words.items():
            for p in itertools.pairwise(syms):
                pairs[p] += counts[w]
        if not pairs:
            break
        best = min(pairs, key=lambda p: (-pairs[p], p))
        if pairs[best] < min_frequency:
            break
        merged = best[0] + best[1][2:]
        for w, syms in words.items():
            out, j = [], 0
            while j < len(syms):
                if syms[j : j + 2] == list(best):
                    out.append(merged)
                    j += 2
                else:
                    out.append(syms[j])
                    j += 1
            words[w] = out
        if merged not in vocab:
            vocab.append(merged)
    return vocab


def test_incremental_wordpiece_learner_equals_the_naive_reference():
    rng = random.Random(0)
    counts = {"".join(rng.choice("abcab") for _ in range(rng.randint(1, 7))): rng.randint(1, 5)
              for _ in range(150)}
    for size in (20, 60, 400):
        assert learn_wordpiece_vocab(counts, size, 2) == naive_wordpiece(counts, size, 2)


def test_save_load_round_trip_gives_identical_outputs(tmp_path):
    bundle = tiny(frozen_layers=1, freeze_embeddings=True)
    target = save_encoder(bundle, tmp_path / "enc")
    save_encoder(bundle, target)  # overwriting an existing checkpoint is atomic too
    assert sorted(p.name for p in tmp_path.iterdir()) == ["enc"]
    loaded = load_hf_encoder(str(target))
    assert loaded.tokenizer.is_fast and loaded.hidden_size == 32
    assert loaded.tokenizer.get_vocab() == bundle.tokenizer.get_vocab()
    ids, mask = batch(bundle.tokenizer)
    ids2, mask2 = batch(loaded.tokenizer)
    assert torch.equal(ids, ids2) and torch.equal(mask, mask2)
    with torch.no_grad():
        assert torch.equal(TokenEncoder(bundle.model)(ids, mask),
                           TokenEncoder(loaded.model)(ids, mask))
    hf = ENCODERS.build("hf", str(target), dropout=0.3, frozen_layers=4)
    assert hf.model.config.hidden_dropout_prob == 0.3
    assert {m.p for m in hf.model.modules() if isinstance(m, nn.Dropout)} == {0.3}
    assert len(hf.frozen) == 5 + 4 * 16


def test_load_errors_are_actionable(tmp_path):
    with pytest.raises(ConfigError, match="no such directory"):
        load_hf_encoder(str(tmp_path / "missing"))
    with pytest.raises(ConfigError, match=r"not a local directory and the Hugging Face hub is not"):
        load_hf_encoder("bert-base-multilingual-cased", local_files_only=True)
    with pytest.raises(ConfigError, match="from its local directory"):
        load_hf_encoder(str(tmp_path))  # exists but holds no model
    with pytest.raises(ConfigError, match="needs `corpus`"):
        ENCODERS.build("tiny")


# --------------------------------------------------------------------------- devices


def test_resolve_device(monkeypatch):
    assert dev.resolve_device("cpu") == torch.device("cpu")
    with pytest.raises(ConfigError, match="unknown device"):
        dev.resolve_device("tpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert dev.resolve_device("auto") == torch.device("cpu")
    with pytest.raises(ConfigError, match="CUDA is not available"):
        dev.resolve_device("cuda:0")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    assert dev.resolve_device("auto") == torch.device("cuda")
    assert dev.resolve_device("cuda:1") == torch.device("cuda", 1)
    with pytest.raises(ConfigError, match="only 2 GPU"):
        dev.resolve_device("cuda:2")


def test_gpu_for_worker_round_robin(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert dev.gpu_for_worker(5) == torch.device("cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 3)
    assert [dev.gpu_for_worker(i).index for i in range(5)] == [0, 1, 2, 0, 1]
    with pytest.raises(ConfigError):
        dev.gpu_for_worker(-1)


def test_autocast_is_a_no_op_on_cpu():
    cpu = torch.device("cpu")
    for precision in ("auto", "bf16", "fp32"):
        with dev.autocast_context(cpu, precision):
            assert (torch.ones(2, 2) @ torch.ones(2, 2)).dtype == torch.float32
    with pytest.raises(ConfigError, match="precision"):
        dev.autocast_context(cpu, "fp8")
    if not torch.cuda.is_available():
        assert dev.enable_tf32() is False


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_autocast_uses_bf16_on_a_capable_gpu():
    gpu = torch.device("cuda")
    assert dev.enable_tf32()
    with dev.autocast_context(gpu, "auto"):
        out = torch.ones(2, 2, device=gpu) @ torch.ones(2, 2, device=gpu)
    assert out.dtype == (torch.bfloat16 if dev.bf16_supported(gpu) else torch.float32)


def test_seed_everything_reproduces_every_rng():
    def draw():
        return random.random(), float(np.random.rand()), torch.rand(1).item()

    dev.seed_everything(11)
    first = draw()
    dev.seed_everything(11)
    assert draw() == first
    dev.seed_everything(12)
    assert draw() != first
    try:
        dev.seed_everything(11, deterministic=True)
        assert torch.are_deterministic_algorithms_enabled()
    finally:
        dev.seed_everything(11, deterministic=False)
    assert not torch.are_deterministic_algorithms_enabled()


# --------------------------------------------------------------------------- real encoder


@pytest.mark.shared
def test_real_multilingual_encoder_loads_offline_and_aligns():
    if not ME5.is_dir():
        pytest.skip(f"real encoder not found at {ME5} (set XNER_SHARED)")
    bundle = ENCODERS.build("hf", str(ME5), frozen_layers=3, freeze_embeddings=True)
    assert bundle.hidden_size == 384 and len(find_layers(bundle.model)) == 12
    assert len(bundle.frozen) == 5 + 3 * 16  # embeddings (5 tensors) + 3 layers x 16 tensors
    assert bundle.model.dtype == torch.float32
    sentences = [
        ["El", "Abogado", "General", "del", "Estado", ",", "Daryl", "Williams"],
        ["2009", "年", "中国", "北京"],
    ]
    enc = bundle.tokenizer(sentences, is_split_into_words=True, padding=True, return_tensors="pt")
    for row, words in enumerate(sentences):
        ids = enc.word_ids(row)
        assert ids[0] is None
        assert sorted({i for i in ids if i is not None}) == list(range(len(words)))
    with torch.no_grad():
        out = TokenEncoder(bundle.model)(enc["input_ids"], enc["attention_mask"])
    assert out.shape == (2, enc["input_ids"].shape[1], 384) and torch.isfinite(out).all()
