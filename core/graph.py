"""Node builders: turn an ExperimentConfig into stage nodes whose params hold only what each stage
reads. Methods (registry/methods.py) compose these; sharing follows from equal params."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from xner.core.config import ExperimentConfig
from xner.core.errors import ConfigError
from xner.core.pipeline import Node, file_fingerprint
from xner.core.registry import DISCRIMINATORS, SELECTORS, TEACHERS

SPLITS = {"src_train": ("source", "train"), "src_dev": ("source", "dev"),
          "tgt_train": ("target", "unlabeled"), "tgt_dev": ("target", "dev"), "tgt_test": ("target", "test")}


def data_params(cfg: ExperimentConfig, lang: str) -> dict[str, Any]:
    d = cfg.data
    files = {}
    for role, (side, split) in SPLITS.items():
        split = d.unlabeled_split if split == "unlabeled" else split
        files[role] = str(d.path_for(d.source_lang if side == "source" else lang, split))
    return {"format": d.format, "source_lang": d.source_lang, "lang": lang, "files": files,
            "max_train": d.max_train_sentences, "max_eval": d.max_eval_sentences}


def _fingerprints(data: Mapping[str, Any]) -> dict[str, str]:
    return {role: file_fingerprint(path) for role, path in data["files"].items()}


def encoder_params(cfg: ExperimentConfig) -> dict[str, Any]:
    return cfg.encoder.model_dump()


def encoder_node(cfg: ExperimentConfig) -> Node:
    enc = encoder_params(cfg)
    params: dict[str, Any] = {"encoder": enc}
    data: dict[str, str] = {}
    if enc["name"] == "tiny":  # the vocabulary is learned from every language of the experiment
        specs = []
        for lang in [cfg.data.source_lang, *cfg.data.target_langs]:
            dp = data_params(cfg, lang)
            role = "src_train" if lang == cfg.data.source_lang else "tgt_train"
            specs.append({"path": dp["files"][role], "format": dp["format"], "lang": lang,
                          "limit": dp["max_train"]})
            data[lang] = file_fingerprint(dp["files"][role])
        params["vocab_corpora"] = specs
    return Node("encoder", params, data=data, label="encoder")


def translate_node(cfg: ExperimentConfig, lang: str) -> Node:
    t = cfg.translation
    if t.strategy == "none":
        raise ConfigError("translation.strategy: 'none', but this method needs translated data")
    dp = data_params(cfg, lang)
    strategy = {"name": t.strategy, "candidate": t.candidate, "casing": t.casing,
                "keep_per": t.keep_per, "translate_entities": t.translate_entities}
    dictionary = str(cfg.dictionary_path(lang)) if t.strategy == "lexicon-word" else None
    if t.strategy != "lexicon-word":
        strategy["backend"] = t.mt.backend
        strategy["backend_options"] = {k: v for k, v in t.mt.model_dump().items() if k != "backend"}
    data = {"src_train": file_fingerprint(dp["files"]["src_train"])}
    if dictionary:
        data["dictionary"] = file_fingerprint(dictionary)
    return Node("translate", {"data": dp, "strategy": strategy, "dictionary": dictionary, "shuffle_seed": 0},
                lang=lang, data=data, label=f"translate[{lang}]")


def train_params(cfg: ExperimentConfig, epochs: int | None = None) -> dict[str, Any]:
    t = cfg.train
    return {"epochs": epochs or t.epochs, "batch_size": t.batch_size, "lr_ner": t.lr_ner,
            "lr_generator": t.lr_generator, "lr_discriminator": t.lr_discriminator,
            "lr_distill": t.lr_distill, "warmup": t.warmup, "weight_decay": t.weight_decay,
            "grad_clip": t.grad_clip, "selection_metric": t.selection_metric}


def discriminator_spec(cfg: ExperimentConfig, name: str, default_data: list[str] | None = None
                       ) -> dict[str, Any]:
    """The component's defaults (registry) overlaid with the experiment's `discriminators.<name>`."""
    spec = dict(DISCRIMINATORS.get(name))
    user = cfg.discriminators[name]
    if "hidden" in user.model_fields_set:
        spec["hidden"] = user.hidden
    if user.lr is not None:
        spec["lr"] = user.lr
    if user.data:
        spec["data"] = [d.strip() for d in user.data.split(",") if d.strip()]
    elif default_data is not None and spec.get("data") is None:
        spec["data"] = default_data
    if not spec.get("data"):
        raise ConfigError(f"discriminators.{name}.data: no dataset given and the component has no default")
    return spec


def source_node(cfg: ExperimentConfig, lang: str, seed: int, discriminators: list[str],
                language_data: list[str]) -> Node:
    dp = data_params(cfg, lang)
    specs = {n: discriminator_spec(cfg, n, language_data if n == "language" else None)
             for n in discriminators}
    needs_translation = any(d not in ("D_S", "D_T_u") for s in specs.values() for d in s["data"])
    inputs = {"encoder": encoder_node(cfg)}
    if needs_translation:
        inputs["translate"] = translate_node(cfg, lang)
    params = {"data": dp, "encoder": encoder_params(cfg), "train": train_params(cfg),
              "discriminators": specs, "ner_data": ["D_S"]}
    label = "source[" + ("+".join(discriminators) or "ft") + "]"
    return Node("source", params, seed=seed, lang=lang, inputs=inputs, data=_fingerprints(dp), label=label)


def teacher_node(cfg: ExperimentConfig, name: str, source: Node) -> Node:
    """Θentity/Θcontext/Θorder from its component (data mix + masked discriminator if Θsrc has one)."""
    spec = TEACHERS.get(name)
    lang = source.lang
    assert lang is not None and source.seed is not None
    discs = {}
    disc = spec.get("discriminator")
    if disc and disc in cfg.discriminators and "language" in source.params["discriminators"]:
        discs[disc] = discriminator_spec(cfg, disc)
    epochs = cfg.teachers[name].epochs or cfg.train.teacher_epochs
    params = {"data": source.params["data"], "encoder": source.params["encoder"],
              "train": train_params(cfg, epochs), "teacher": name, "ner_data": spec["data"],
              "discriminators": discs}
    return Node("teacher", params, seed=source.seed, lang=lang,
                inputs={"encoder": encoder_node(cfg), "translate": translate_node(cfg, lang), "source": source},  # noqa: E501
                label=f"teacher[{name}]")


def pseudo_node(cfg: ExperimentConfig, models: Mapping[str, Node], combine: str,
                weights: Mapping[str, float] | None, discriminator_from: str | None) -> Node:
    first = next(iter(models.values()))
    params = {"data": first.params["data"], "encoder": first.params["encoder"], "combine": combine,
              "weights": dict(weights or {}),
              "discriminator_from": f"model:{discriminator_from}" if discriminator_from else None}
    inputs = {"encoder": encoder_node(cfg), **{f"model:{k}": n for k, n in models.items()}}
    return Node("pseudo_label", params, lang=first.lang, inputs=inputs, label=f"pseudo_label[{combine}]")


def select_node(cfg: ExperimentConfig, pseudo: Node) -> Node:
    SELECTORS.get(cfg.selection.strategy)
    ratio = cfg.selection.ratio if cfg.selection.strategy != "all" else 1.0
    return Node("select", {"strategy": cfg.selection.strategy, "ratio": ratio}, lang=pseudo.lang,
                inputs={"pseudo": pseudo}, label=f"select[{cfg.selection.strategy}]")


def distill_node(cfg: ExperimentConfig, pseudo: Node, select: Node, seed: int) -> Node:
    params = {"data": pseudo.params["data"], "encoder": pseudo.params["encoder"],
              "train": train_params(cfg, cfg.train.distill_epochs)}
    return Node("distill", params, seed=seed, lang=pseudo.lang,
                inputs={"encoder": encoder_node(cfg), "pseudo": pseudo, "select": select}, label="distill")


def evaluate_node(cfg: ExperimentConfig, models: list[Node]) -> Node:
    first = models[0]
    inputs = {"encoder": encoder_node(cfg), **{f"model:{i}": m for i, m in enumerate(models)}}
    return Node("evaluate", {"data": first.params["data"], "encoder": first.params["encoder"]},
                seed=first.seed, lang=first.lang, inputs=inputs, label="evaluate")
