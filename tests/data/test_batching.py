"""Length-bucket sampler, dynamic-padding collate (with soft labels) and the loader built from them."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from tokenizers_for_tests import WORDS, build_wordpiece_tokenizer

from xner.core.data.align import encode_corpus, word_first_positions
from xner.core.data.batching import EncodedDataset, LengthBucketSampler, collate, make_loader
from xner.core.data.corpus import Corpus, Sentence
from xner.core.data.labels import IGNORE_INDEX, LabelSet
from xner.core.errors import ConfigError, XnerError

LABELS = LabelSet(("LOC", "ORG", "PER"))
TOK = build_wordpiece_tokenizer()


def conll_like_lengths(n: int, seed: int = 0) -> np.ndarray:
    """Sub-token counts with CoNLL's skew: many short rows, a long tail (mean ~25)."""
    rng = np.random.default_rng(seed)
    return np.clip(rng.lognormal(mean=3.0, sigma=0.6, size=n).astype(int) + 2, 3, 128)


def toy_corpus(n: int, seed: int = 0) -> Corpus:
    rng = np.random.default_rng(seed)
    sents = []
    for _ in range(n):
        k = int(rng.integers(1, 40))
        words = [WORDS[i] for i in rng.integers(0, len(WORDS), k)]
        tags = [LABELS.tags[i] for i in rng.integers(0, len(LABELS), k)]
        langs = ["en" if x else "de" for x in rng.integers(0, 2, k)]
        sents.append(Sentence(words, tags, langs))
    return Corpus.from_sentences(sents, name="toy")


def padding_fraction(batches: list[list[int]], lengths: np.ndarray) -> float:
    padded = sum(len(b) * lengths[b].max() for b in batches)
    return 1.0 - lengths.sum() / padded


def test_sampler_yields_every_index_once_and_is_reproducible() -> None:
    lengths = conll_like_lengths(1003)
    sampler = LengthBucketSampler(lengths, 16, seed=7, bucket_factor=4)
    epoch0, epoch1 = list(sampler), list(sampler)
    for batches in (epoch0, epoch1):
        assert len(batches) == len(sampler) == 63
        assert sorted(i for b in batches for i in b) == list(range(1003))
    assert epoch0 != epoch1  # the epoch advances the shuffle
    sampler.set_epoch(0)
    assert list(sampler) == epoch0
    assert list(LengthBucketSampler(lengths, 16, seed=7, bucket_factor=4)) == epoch0
    assert list(LengthBucketSampler(lengths, 16, seed=8, bucket_factor=4)) != epoch0


def test_sampler_drop_last_and_sorted_evaluation_order() -> None:
    lengths = conll_like_lengths(1003)
    dropped = list(LengthBucketSampler(lengths, 16, drop_last=True, seed=1))
    assert len(dropped) == len(LengthBucketSampler(lengths, 16, drop_last=True)) == 62
    assert all(len(b) == 16 for b in dropped)
    assert len({i for b in dropped for i in b}) == 62 * 16
    ordered = [i for b in LengthBucketSampler(lengths, 16, shuffle=False) for i in b]
    assert np.all(np.diff(lengths[ordered]) >= 0)
    with pytest.raises(ConfigError, match="batch_size"):
        LengthBucketSampler(lengths, 0)


def test_bucketing_pads_much_less_than_random_batches() -> None:
    lengths = conll_like_lengths(5000)
    bucketed = list(LengthBucketSampler(lengths, 32, seed=0))
    perm = np.random.default_rng(0).permutation(len(lengths))
    random_batches = [perm[i : i + 32] for i in range(0, len(perm), 32)]
    bucketed_frac = padding_fraction(bucketed, lengths)
    random_frac = padding_fraction(random_batches, lengths)
    assert random_frac > 0.4
    assert bucketed_frac < 0.1 * random_frac


def test_collate_pads_every_column_with_its_own_value() -> None:
    corpus = toy_corpus(6)
    masks = [[i % 2 for i in range(len(s.tokens))] for s in corpus]
    enc = encode_corpus(corpus, TOK, LABELS, lang_ids={"en": 0, "de": 1},
                        extras={"entity_mask": masks})
    rows = [enc.row(i) for i in range(len(enc))]
    batch = collate(rows, pad_id=99)
    lens = [len(r["input_ids"]) for r in rows]
    b, s = len(rows), max(lens)
    assert set(batch) == {"input_ids", "attention_mask", "labels", "word_index", "langs",
                          "entity_mask", "sentence", "row"}
    for key in ("input_ids", "attention_mask", "labels", "word_index", "langs", "entity_mask"):
        assert batch[key].shape == (b, s) and batch[key].dtype == torch.int64
    assert batch["attention_mask"].sum(1).tolist() == lens
    pad = batch["attention_mask"] == 0
    assert pad.any()
    assert (batch["input_ids"][pad] == 99).all()
    assert (batch["labels"][pad] == IGNORE_INDEX).all()
    assert (batch["word_index"][pad] == -1).all()
    assert (batch["langs"][pad] == -100).all() and (batch["entity_mask"][pad] == -100).all()
    for i, r in enumerate(rows):
        assert batch["labels"][i, : lens[i]].tolist() == r["label_ids"].tolist()
        assert batch["entity_mask"][i, : lens[i]].tolist() == r["entity_mask"].tolist()
    assert batch["sentence"].tolist() == [r["sentence"] for r in rows]
    assert batch["row"].tolist() == list(range(len(rows)))


def test_soft_labels_land_on_owned_first_subtokens() -> None:
    corpus = toy_corpus(20, seed=3)
    enc = encode_corpus(corpus, TOK, LABELS, max_length=24)  # long sentences become windows
    assert len(enc) > len(corpus)
    rng = np.random.default_rng(0)
    soft = [rng.dirichlet(np.ones(len(LABELS)), size=len(s.tokens)) for s in corpus]  # [n, L]
    loader = make_loader(enc, batch_size=4, shuffle=True, seed=0, soft_labels=soft)
    seen = 0
    for batch in loader:
        assert batch["soft"].shape == (*batch["input_ids"].shape, len(LABELS))
        assert torch.equal(batch["soft_mask"], batch["word_index"] >= 0)
        assert (batch["soft"][~batch["soft_mask"]] == 0).all()
        for b, (sent, r) in enumerate(zip(batch["sentence"], batch["row"], strict=True)):
            for p in word_first_positions(enc.row(int(r))):
                w = int(batch["word_index"][b, p])
                expected = torch.tensor(soft[int(sent)][w], dtype=torch.float32)
                assert torch.allclose(batch["soft"][b, p], expected)
                seen += 1
    assert seen == sum(len(s.tokens) for s in corpus)


def test_hard_labels_land_beside_the_soft_ones_and_minus_one_is_ignored() -> None:
    """UniTrans's vote: a word's hard label at its owned first sub-token, -1 (no agreement) ignored."""
    corpus = toy_corpus(12, seed=4)
    enc = encode_corpus(corpus, TOK, LABELS, max_length=24)
    rng = np.random.default_rng(1)
    soft = [rng.dirichlet(np.ones(len(LABELS)), size=len(s.tokens)) for s in corpus]
    hard = [rng.integers(-1, len(LABELS), size=len(s.tokens)) for s in corpus]
    seen = 0
    for batch in make_loader(enc, batch_size=4, shuffle=True, seed=0, soft_labels=soft, hard_labels=hard):
        assert (batch["hard"][batch["word_index"] < 0] == IGNORE_INDEX).all()
        for b, (sent, r) in enumerate(zip(batch["sentence"], batch["row"], strict=True)):
            for p in word_first_positions(enc.row(int(r))):
                want = int(hard[int(sent)][int(batch["word_index"][b, p])])
                assert int(batch["hard"][b, p]) == (want if want >= 0 else IGNORE_INDEX)
                seen += 1
    assert seen == sum(len(s.tokens) for s in corpus)
    with pytest.raises(XnerError, match="hard labels come with soft labels"):
        make_loader(enc, 4, True, hard_labels=hard)


def test_loader_covers_every_row_and_uses_the_tokenizer_pad_id() -> None:
    enc = encode_corpus(toy_corpus(50), TOK, LABELS)
    loader = make_loader(enc, batch_size=8, shuffle=True, seed=3)
    rows = [int(r) for batch in loader for r in batch["row"]]
    assert sorted(rows) == list(range(len(enc)))
    batch = next(iter(make_loader(enc, batch_size=50, shuffle=False)))
    assert (batch["input_ids"][batch["attention_mask"] == 0] == TOK.pad_token_id).all()
    with pytest.raises(XnerError, match="soft-label sentences"):
        make_loader(enc, 8, True, soft_labels=[np.ones((1, 7))])
    bad = EncodedDataset(enc, [np.ones((1, 7))] * enc.num_sentences)
    with pytest.raises(XnerError, match="expected"):
        bad[0]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU (pinned host memory)")
def test_pinned_loader_gives_page_locked_batches_with_the_same_content() -> None:
    """The stages pin on CUDA so that `.to(device, non_blocking=True)` really overlaps the copy."""
    enc = encode_corpus(toy_corpus(40), TOK, LABELS)
    pinned = list(make_loader(enc, 8, shuffle=True, seed=1, pin_memory=True))
    plain = list(make_loader(enc, 8, shuffle=True, seed=1))
    assert all(v.is_pinned() for b in pinned for v in b.values())
    assert all(torch.equal(a[k], b[k]) for a, b in zip(pinned, plain, strict=True) for k in a)
