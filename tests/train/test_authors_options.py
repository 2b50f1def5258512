"""The options that switch between the papers' text and the authors' code (README: deviations).

Each one is checked against its definition: balanced adversarial batches add one mean loss per
side, Eq. 5's sum reduction is the unnormalised sum, the schedule equals transformers' own, biases
and LayerNorm weights escape weight decay, Viterbi may open with I-X only when asked (against brute
force), the authors' best-of-seeds rule is the mean max logit over sub-tokens, and `num_layers`
keeps the bottom pretrained blocks.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from transformers import BertConfig, BertModel, get_linear_schedule_with_warmup

from xner.core.config.loader import validate_config
from xner.core.data.labels import CONLL_TYPES, LabelSet, is_valid_transition
from xner.core.errors import ConfigError
from xner.core.models.discriminators import LanguageDiscriminator, sentence_bce, token_bce
from xner.core.models.encoder import TokenEncoder, keep_bottom_layers
from xner.core.models.ner_model import NerModel
from xner.core.models.viterbi import ViterbiDecoder
from xner.core.stages.training import dataset_side, side_groups
from xner.core.train.optim import adamw, linear_warmup
from xner.core.train.pseudo import best_of_seeds
from xner.core.train.steps import AdversarialSpec, StepRunner


def _bert(layers: int = 3) -> BertModel:
    torch.manual_seed(0)
    cfg = BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=layers, num_attention_heads=2,
                     intermediate_size=32, max_position_embeddings=64)
    return BertModel(cfg, add_pooling_layer=False)


def _batch(seed: int, lang: int) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(5, 50, (2, 6), generator=g)
    labels = torch.randint(0, 3, (2, 6), generator=g)
    labels[:, 0] = -100
    langs = torch.where(labels == -100, torch.tensor(-100), torch.tensor(lang))
    return {"input_ids": ids, "attention_mask": torch.ones(2, 6, dtype=torch.long), "labels": labels,
            "langs": langs, "order": torch.ones(2, 6, dtype=torch.long)}


def test_sides_pair_source_with_target_and_follow_the_entity_mask() -> None:
    assert dataset_side("D_S", "language", "all") == "source"
    assert dataset_side("D_T_u_pool", "language", "all") == "target"
    assert dataset_side("D_T_swi", "language", "entity") == "source"  # its entities are English
    assert dataset_side("D_S_swi", "language", "context") == "source"
    assert dataset_side("D_T_shu", "order", "all") == "shuffled"
    transadv = {"kind": "language", "data": ["D_S", "D_T", "D_S_swi", "D_T_swi"]}
    assert side_groups(transadv, "balanced") == [["D_S", "D_S_swi"], ["D_T", "D_T_swi"]]
    assert side_groups(transadv, "mixed") == [["D_S", "D_T", "D_S_swi", "D_T_swi"]]
    entity = {"kind": "language", "mask": "entity", "data": ["D_T", "D_T_swi"]}
    assert side_groups(entity, "balanced") == [["D_T"], ["D_T_swi"]]
    order = {"kind": "order", "data": ["D_S", "D_T", "D_S_shu", "D_T_shu"]}
    assert side_groups(order, "balanced") == [["D_S", "D_T"], ["D_S_shu", "D_T_shu"]]


def test_balanced_step_adds_one_mean_loss_per_side() -> None:
    bert = _bert()
    model = NerModel(TokenEncoder(bert), 3, dropout=0.0)
    disc = LanguageDiscriminator(16, 8)
    runner = StepRunner(model, {"language": disc}, {"language": AdversarialSpec("language", "language")},
                        lr_ner=0.0, lr_generator=0.0, lr_discriminator=1e-9, weight_decay=0.0,
                        total_steps=1, warmup=0.0, grad_clip=None, device=torch.device("cpu"))
    src, tgt = _batch(1, 1), _batch(2, 0)
    model.eval()
    with torch.no_grad():
        want = 0.0
        for b in (src, tgt):
            h = model.encoder(b["input_ids"], b["attention_mask"])
            mask = b["langs"] != -100
            want += float(token_bce(disc(h), b["langs"].clamp(min=0), mask))
    bert.config.hidden_dropout_prob = 0.0
    for m in model.modules():
        if isinstance(m, torch.nn.Dropout):
            m.p = 0.0
    out = runner.adversarial_step({"language": [src, tgt]})
    assert out["loss_language"] == pytest.approx(want, rel=1e-5)


def test_sum_reduction_is_eq5_unnormalised() -> None:
    logits = torch.tensor([[0.3, -1.2, 2.0], [0.0, 1.0, -0.5]])
    labels = torch.tensor([[1, 0, 1], [0, 1, 1]])
    mask = torch.tensor([[True, True, False], [True, False, True]])
    per = torch.nn.functional.binary_cross_entropy_with_logits(logits, labels.float(), reduction="none")
    assert float(token_bce(logits, labels, mask, reduction="sum")) == pytest.approx(float(per[mask].sum()))
    assert float(token_bce(logits, labels, mask)) == pytest.approx(float(per[mask].mean()))
    row = torch.tensor([0.5, -0.5])
    assert float(sentence_bce(row, torch.tensor([1, 1]), reduction="sum")) == pytest.approx(
        2 * float(sentence_bce(row, torch.tensor([1, 1]))))
    with pytest.raises(ValueError, match="reduction"):
        token_bce(logits, labels, mask, reduction="max")


@pytest.mark.parametrize("total,warmup", [(100, 0.05), (37, 0.1), (10, 0.0)])
def test_zero_start_schedule_equals_transformers(total: int, warmup: float) -> None:
    p = torch.nn.Parameter(torch.zeros(1))
    ours = linear_warmup(torch.optim.AdamW([p], lr=1.0), total, warmup, "zero")
    theirs = get_linear_schedule_with_warmup(torch.optim.AdamW([p], lr=1.0), int(total * warmup), total)
    for step in range(total + 2):
        assert ours.lr_lambdas[0](step) == pytest.approx(theirs.lr_lambdas[0](step))
    one = linear_warmup(torch.optim.AdamW([p], lr=1.0), 100, 0.05, "one-step")
    assert one.lr_lambdas[0](0) == pytest.approx(1 / 5) and ours.lr_lambdas[0](0) == (0.0 if warmup else 1.0)


def test_bias_and_layernorm_escape_weight_decay() -> None:
    bert = _bert()
    for p in bert.parameters():
        p.grad = torch.zeros_like(p)  # only weight decay can move a parameter
    before = {n: p.detach().clone() for n, p in bert.named_parameters()}
    opt = adamw(bert.named_parameters(), lr=0.1, weight_decay=0.5, device=torch.device("cpu"),
                no_decay_bias_norm=True)
    opt.step()
    moved = {n for n, p in bert.named_parameters() if not torch.equal(before[n], p)}
    exempt = {n for n in before if n.endswith(("bias", "LayerNorm.weight"))}
    assert exempt and not (moved & exempt)
    assert moved == set(before) - exempt


def _brute(emissions: torch.Tensor, ls: LabelSet, inside_start: bool) -> list[int]:
    best, arg = -float("inf"), []
    for path in itertools.product(range(len(ls)), repeat=emissions.shape[0]):
        tags = [ls.tags[i] for i in path]
        if not inside_start and not is_valid_transition(None, tags[0]):
            continue
        if not all(is_valid_transition(a, b) for a, b in itertools.pairwise(tags)):
            continue
        s = float(sum(emissions[t, i] for t, i in enumerate(path)))
        if s > best:
            best, arg = s, list(path)
    return arg


@pytest.mark.parametrize("inside_start", [False, True])
def test_viterbi_start_constraint_against_brute_force(inside_start: bool) -> None:
    ls = LabelSet(("PER", "LOC"))
    decoder = ViterbiDecoder(ls, allow_inside_start=inside_start)
    gen = torch.Generator().manual_seed(7)
    opened_inside = 0
    for _ in range(40):
        n = int(torch.randint(1, 5, (1,), generator=gen))
        logits = torch.randn(1, n, len(ls), generator=gen, dtype=torch.float64) * 3
        logits[0, 0, 2] += 2.0  # push I-PER at the start
        lp = torch.log_softmax(logits, dim=-1)
        got = decoder.decode(lp, torch.ones(1, n, dtype=torch.bool))[0]
        assert got == _brute(lp[0], ls, inside_start)
        opened_inside += ls.tags[got[0]].startswith("I-")
    assert (opened_inside > 0) == inside_start


def test_authors_best_of_seeds_follows_the_given_confidence() -> None:
    a = [np.array([[0.9, 0.1], [0.9, 0.1]]), np.array([[0.6, 0.4]])]  # sums 1.8 | 0.6
    b = [np.array([[0.6, 0.4], [0.6, 0.4]]), np.array([[0.9, 0.1]])]  # sums 1.2 | 0.9
    soft, chosen = best_of_seeds([a, b])
    assert chosen.tolist() == [0, 1]
    soft, chosen = best_of_seeds([a, b], confidence=np.array([[1.0, 5.0], [2.0, 1.0]]))
    assert chosen.tolist() == [1, 0] and soft[0] is b[0] and soft[1] is a[1]
    with pytest.raises(ValueError, match="shape"):
        best_of_seeds([a, b], confidence=np.ones((3, 2)))


def test_mean_max_logit_is_over_every_real_subtoken() -> None:
    from tokenizers_for_tests import build_wordpiece_tokenizer

    from xner.core.data.align import encode_corpus
    from xner.core.data.corpus import Corpus, Sentence
    from xner.core.train.predict import predict

    tok = build_wordpiece_tokenizer()
    ls = LabelSet(CONLL_TYPES)
    corpus = Corpus.from_sentences([Sentence(["Merkel", "international", "in", "Berlin"],
                                             ["B-PER", "O", "O", "B-LOC"]),
                                    Sentence(["Paris"], ["B-LOC"])], name="t")
    encoded = encode_corpus(corpus, tok, ls, 32)
    torch.manual_seed(0)
    model = NerModel(TokenEncoder(_bert_for(tok)), len(ls), dropout=0.0)
    preds = predict(model, encoded, torch.device("cpu"))
    model.eval()
    for s in range(len(corpus)):
        row = encoded.row(s)
        ids = torch.tensor(row["input_ids"])[None]
        with torch.no_grad():
            logits = model(ids, torch.ones_like(ids))[1][0]  # [S, L]
        assert preds.mean_max_logit[s] == pytest.approx(float(logits.max(dim=-1).values.mean()), rel=1e-5)


def _bert_for(tok) -> BertModel:
    cfg = BertConfig(vocab_size=len(tok), hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
                     intermediate_size=32, max_position_embeddings=64, hidden_dropout_prob=0.0,
                     attention_probs_dropout_prob=0.0)
    return BertModel(cfg, add_pooling_layer=False)


def test_num_layers_keeps_the_bottom_pretrained_blocks() -> None:
    full, small = _bert(4), _bert(4)
    keep_bottom_layers(small, 2)
    assert len(small.encoder.layer) == 2 and small.config.num_hidden_layers == 2
    for i in range(2):
        for (n, p), (_, q) in zip(full.encoder.layer[i].named_parameters(),
                                  small.encoder.layer[i].named_parameters(), strict=True):
            assert torch.equal(p, q), n
    ids = torch.randint(5, 50, (1, 5))
    assert small(ids).last_hidden_state.shape == (1, 5, 16)
    with pytest.raises(ConfigError, match="num_layers: must be between 1 and 2"):
        keep_bottom_layers(small, 3)


def test_epoch_eval_must_score_what_selects_the_checkpoint() -> None:
    base = {"name": "t", "method": "m", "data": {"root": "/d", "target_langs": ["de"]}}
    with pytest.raises(ConfigError, match=r"train\.epoch_eval: .* lacks 'dev'"):
        validate_config({**base, "train": {"epoch_eval": ["test"]}})
    ok = validate_config({**base, "train": {"epoch_eval": ["source_dev"], "selection_metric": "source_dev"}})
    assert ok.train.epoch_eval == ["source_dev"]
