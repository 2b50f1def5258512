"""Training stages: `source` (Θsrc: mBERT-FT / TLADV / MLADV), `teacher` (Θentity/Θcontext/Θorder)
and `distill` (Θstu). All share one fit loop and one epoch evaluation on target dev/test + source dev.

Which corpus a name refers to:
  D_S      labelled source train            D_T_u    target train, unlabelled (labels never read)
  D_T, D_S_swi, D_T_swi, D_S_shu, D_T_shu   TransAdv §2.2 datasets from the `translate` node
Language labels are per word (1 = source language, 0 = target) from each corpus' `langs` column, so
code-switched sentences carry both; order labels are per sentence (1 = original, 0 = `*_shu`).
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Mapping
from typing import Any

import pyarrow as pa
import torch

from ..data.batching import make_loader
from ..data.corpus import Corpus
from ..engine.graph import StageContext
from ..models import checkpoint as ckpt
from ..models.device import seed_everything
from ..plugins import DISCRIMINATOR_KINDS
from ..train.loop import fit
from ..train.predict import quick_score
from ..train.steps import AdversarialSpec, StepRunner
from .services import Services, label_set_for, read_as

log = logging.getLogger(__name__)


def encoder_dir(ctx: StageContext) -> str:
    result = ctx.input_manifest("encoder")["result"]
    return result["path"] or str(ctx.input_dir("encoder") / result["subdir"])


def dataset(ctx: StageContext, name: str) -> Corpus:
    svc: Services = ctx.services
    data = ctx.node.params["data"]
    if name == "D_S":
        return svc.split(data, "src_train")
    if name == "D_T_u":
        return svc.split(data, "tgt_train")
    if name == "D_T_u_pool":
        return pooled_targets(svc, data, ctx.node.params["pool"])
    path = ctx.input_dir("translate") / f"{name}.parquet"
    if not path.exists():
        raise KeyError(f"dataset {name!r} is not produced by the translate node ({path})")
    return Corpus.from_parquet(path)


def pooled_targets(svc: Services, data: Mapping[str, Any], pool: Mapping[str, str]) -> Corpus:
    """AdvPicker's multi-target adversarial set: sentences drawn at random (fixed seed, so every node
    sees the same set) from all target languages' unlabelled text, as many as D_S has (or all of
    them when the pool is smaller). Each sentence keeps its own language in `langs`."""
    fmt, words = read_as(data, "tgt_train")  # the pool is every language's unlabelled text
    parts = [svc.corpus(path, fmt, lang, data["max_train"], words) for lang, path in sorted(pool.items())]
    pooled = union(parts, "D_T_u_pool")
    size = min(len(svc.split(data, "src_train")), len(pooled))
    keep = sorted(random.Random(0).sample(range(len(pooled)), size))
    return pooled.select(keep, name="D_T_u_pool")


def order_labels(ctx: StageContext, name: str, n: int) -> list[int]:
    """1 = original order, 0 = shuffled; a `*_shu` sentence no shuffle could change counts as original."""
    if not name.endswith("_shu"):
        return [1] * n
    changed = json.loads((ctx.input_dir("translate") / "order.json").read_text())[name]
    return [1 - int(c) for c in changed]


def union(corpora: list[Corpus], name: str) -> Corpus:
    return Corpus(pa.concat_tables([c.table for c in corpora]), name=name)


def _lang_ids(data: Mapping[str, Any], pool: Mapping[str, str] | None = None) -> dict[str, int]:
    """1 = source language, 0 = any target language (the pooled set mixes several)."""
    return {**{lang: 0 for lang in (pool or {})}, data["lang"]: 0, data["source_lang"]: 1}


EPOCH_SPLITS = {"dev": "tgt_dev", "test": "tgt_test", "source_dev": "src_dev"}


def evaluator(ctx: StageContext, model: torch.nn.Module) -> Any:
    """Per-epoch scores of `train.epoch_eval`: target dev (selection), target test (curves only),
    source dev (the leak-free selection option). Scoring a split costs a forward pass over it, as
    much as training on short schedules, so the splits that only draw curves can be switched off."""
    svc: Services = ctx.services
    data, enc, train = ctx.node.params["data"], ctx.node.params["encoder"], ctx.node.params["train"]
    ls = label_set_for(data)
    edir = encoder_dir(ctx)
    names = train["epoch_eval"]
    sets = {name: svc.split(data, EPOCH_SPLITS[name]) for name in names}
    encoded = {k: svc.encode(c, edir, ls, enc["max_length"]) for k, c in sets.items()}
    inside = train["viterbi_inside_start"]

    def evaluate() -> dict[str, float]:
        out: dict[str, float] = {}
        for name, corpus in sets.items():
            out[f"{name}_f1"], out[f"{name}_strict_f1"] = quick_score(
                model, encoded[name], corpus, ls, svc.device, allow_inside_start=inside,
                precision=train["precision"])
        return out

    return evaluate


def step_runner(ctx: StageContext, model: torch.nn.Module, discs: Mapping[str, torch.nn.Module],
                specs: Mapping[str, AdversarialSpec], lr_main: float, lr_discriminator: Any,
                steps: int) -> StepRunner:
    """The stage's optimisers and schedules from its `train` params (one place for every stage)."""
    svc: Services = ctx.services
    train = ctx.node.params["train"]
    return StepRunner(
        model, discs, specs, lr_ner=lr_main, lr_generator=train.get("lr_generator", 0.0),
        lr_discriminator=lr_discriminator, weight_decay=train["weight_decay"],
        total_steps=steps, warmup=train["warmup"], grad_clip=train["grad_clip"], device=svc.device,
        precision=train["precision"], no_decay_bias_norm=train["no_decay_bias_norm"],
        discriminator_weight_decay=train.get("discriminator_weight_decay"),
        warmup_start=train["warmup_start"],
        adversarial_reduction=train.get("adversarial_reduction", "mean"))


def build_discriminators(specs: Mapping[str, Mapping[str, Any]], hidden_size: int
                         ) -> tuple[dict[str, torch.nn.Module], dict[str, AdversarialSpec]]:
    modules: dict[str, torch.nn.Module] = {}
    out: dict[str, AdversarialSpec] = {}
    for name, spec in specs.items():
        modules[name] = DISCRIMINATOR_KINDS.get(spec["kind"]).module(hidden_size, spec["hidden"])
        out[name] = AdversarialSpec(name, spec["kind"], spec.get("mask", "all"))
    return modules, out


def dataset_side(name: str, kind: str, mask: str) -> str:
    """Which class a dataset's discriminated words belong to, so balanced batches can pair the two.

    The discriminator's kind decides (train/kinds.py): language discriminators split source from
    target words, order discriminators original from shuffled sentences.
    """
    return DISCRIMINATOR_KINDS.get(kind).side(name, mask)


def side_groups(spec: Mapping[str, Any], batching: str) -> list[list[str]]:
    """The discriminator's datasets, one group per batch drawn each adversarial step."""
    if batching == "mixed":
        return [list(spec["data"])]
    groups: dict[str, list[str]] = {}
    for d in spec["data"]:
        groups.setdefault(dataset_side(d, spec["kind"], spec.get("mask", "all")), []).append(d)
    return list(groups.values())


def adversarial_loaders(ctx: StageContext, specs: Mapping[str, Mapping[str, Any]], batch_size: int
                        ) -> dict[str, list[Any]]:
    """Per discriminator, one loader per side (`balanced`, the authors' separate source and target
    batches) or one over the union of its data (`mixed`)."""
    svc: Services = ctx.services
    data, enc = ctx.node.params["data"], ctx.node.params["encoder"]
    batching = ctx.node.params["train"]["adversarial_batches"]
    ls = label_set_for(data)
    lang_ids = _lang_ids(data, ctx.node.params.get("pool"))
    loaders: dict[str, list[Any]] = {}
    for i, (name, spec) in enumerate(specs.items()):
        loaders[name] = []
        for j, group in enumerate(side_groups(spec, batching)):
            parts = [dataset(ctx, d) for d in group]
            corpus = union(parts, f"adv-{name}")
            order = [[label] * len(s.tokens) for d, part in zip(group, parts, strict=True)
                     for s, label in zip(part, order_labels(ctx, d, len(part)), strict=True)]
            encoded = svc.encode(corpus, encoder_dir(ctx), ls, enc["max_length"], lang_ids,
                                 extras={"order": order}, extras_key="order:" + ",".join(group))
            loaders[name].append(make_loader(encoded, batch_size, shuffle=True,
                                             seed=ctx.node.seed + 1000 * (i + 1) + 100 * j,
                                             pin_memory=svc.device.type == "cuda"))
    return loaders


def train_ner(ctx: StageContext, model: torch.nn.Module, discs: dict[str, torch.nn.Module],
              specs: Mapping[str, Mapping[str, Any]], ner_data: list[str], lr_discriminator: Any
              ) -> dict[str, Any]:
    """Fit NER on `ner_data` (+ adversarial steps), keep the best epoch, save it, return metrics."""
    svc: Services = ctx.services
    p = ctx.node.params
    train, data, enc = p["train"], p["data"], p["encoder"]
    ls = label_set_for(data)
    ner_corpus = union([dataset(ctx, d) for d in ner_data], "ner")
    encoded = svc.encode(ner_corpus, encoder_dir(ctx), ls, enc["max_length"])
    loader = make_loader(encoded, train["batch_size"], shuffle=True, seed=ctx.node.seed,
                         pin_memory=svc.device.type == "cuda")
    adv_specs = {n: AdversarialSpec(n, s["kind"], s.get("mask", "all")) for n, s in specs.items()}
    runner = step_runner(ctx, model, discs, adv_specs, train["lr_ner"], lr_discriminator,
                         train["epochs"] * len(loader))
    result = fit(runner, loader, epochs=train["epochs"], evaluate=evaluator(ctx, model),
                 select=_select(train), adversarial=adversarial_loaders(ctx, specs, train["batch_size"]),
                 desc=ctx.node.name, on_epoch=lambda e, m: svc.epoch_done(ctx, e, m, epochs=train["epochs"]))
    return _save(ctx, result, model, discs)


def _select(train: Mapping[str, Any]) -> str:
    return "dev_f1" if train["selection_metric"] == "target_dev" else "source_dev_f1"


def _save(ctx: StageContext, result: Any, model: torch.nn.Module, discs: Mapping[str, torch.nn.Module]
          ) -> dict[str, Any]:
    """The best epoch's trainable weights (frozen ones stay the encoder node's), discriminators, curve."""
    ckpt.save_model(result.state["model"], ctx.out / ckpt.MODEL, len(ckpt.frozen_names(model)))
    ckpt.save_discriminators({n: result.state[n] for n in discs}, ctx.out / ckpt.DISCRIMINATORS)
    (ctx.out / "curve.json").write_text(json.dumps(result.curve, indent=1))
    best = {k: v for k, v in result.best.items() if k != "epoch"}
    return {"best_epoch": result.best_epoch, **best, "curve": result.curve}


def run_source(ctx: StageContext) -> dict[str, Any]:
    """Θsrc: NER on D_S plus any subset of discriminators (none = mBERT-FT, language = TLADV,
    language + order = TransAdv's MLADV)."""
    seed_everything(ctx.node.seed)
    p, svc = ctx.node.params, ctx.services
    ls = label_set_for(p["data"])
    model = svc.new_model(p["encoder"], encoder_dir(ctx), len(ls), p["train"])
    discs, _ = build_discriminators(p["discriminators"], model.encoder.hidden_size)
    discs = {n: d.to(svc.device) for n, d in discs.items()}
    lrs = {n: s.get("lr") or p["train"]["lr_discriminator"] for n, s in p["discriminators"].items()}
    return train_ner(ctx, model, discs, p["discriminators"], p["ner_data"], lrs)


def run_teacher(ctx: StageContext) -> dict[str, Any]:
    """Θentity / Θcontext / Θorder: a copy of Θsrc fine-tuned with L_ner on the teacher's data mix;
    the entity/context teachers continue adversarial training with the masked language discriminator
    initialised from Θsrc's language discriminator (TransAdv §2.4, Eq. 6)."""
    seed_everything(ctx.node.seed)
    p, svc = ctx.node.params, ctx.services
    ls = label_set_for(p["data"])
    model = svc.load_model(p["encoder"], encoder_dir(ctx), len(ls), ctx.input_dir("source") / ckpt.MODEL,
                           p["train"])
    discs, _ = build_discriminators(p["discriminators"], model.encoder.hidden_size)
    src_discs = ckpt.load_discriminators(ctx.input_dir("source") / ckpt.DISCRIMINATORS)
    for name, spec in p["discriminators"].items():
        init = spec.get("init_from")
        if init:
            if init not in src_discs:
                raise KeyError(f"teacher discriminator {name!r} starts from Θsrc's {init!r}, "
                               f"which Θsrc does not have (it has {sorted(src_discs)})")
            discs[name].load_state_dict(src_discs[init])
    discs = {n: d.to(svc.device) for n, d in discs.items()}
    lrs = {n: s.get("lr") or p["train"]["lr_discriminator"] for n, s in p["discriminators"].items()}
    return train_ner(ctx, model, discs, p["discriminators"], p["ner_data"], lrs)
