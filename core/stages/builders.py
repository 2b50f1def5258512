"""Node builders: turn an ExperimentConfig into stage nodes whose params hold only what each stage
reads. Methods (registry/methods.py) compose these; sharing follows from equal params."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..config.loader import ExperimentConfig
from ..data.cache import file_entity_types
from ..data.labels import FORMAT_TYPES
from ..engine.graph import Node, file_fingerprint, location_fingerprint
from ..errors import ConfigError
from ..plugins import DISCRIMINATORS, SELECTORS, TEACHERS

POOLED = "D_T_u_pool"  # AdvPicker §4.1: unlabelled text sampled from every target language, |D_S| sentences
log = logging.getLogger(__name__)

SPLITS = {"src_train": ("source", "train"), "src_dev": ("source", "dev"),
          "tgt_train": ("target", "unlabeled"), "tgt_dev": ("target", "dev"), "tgt_test": ("target", "test")}


OPTIONAL = ("tgt_dev", "tgt_test")  # zero-resource for real: a target language may have no labelled text


def entity_types(cfg: ExperimentConfig) -> tuple[str, ...]:
    """`data.labels`, else the types the source train file uses (else, while that file is missing,
    the format's own types: preflight then names the missing file)."""
    if cfg.data.labels:
        return tuple(sorted(cfg.data.labels))
    path = cfg.data.path_for(cfg.data.source_lang, "train")
    if not path.is_file():
        return FORMAT_TYPES[cfg.data.format]
    return file_entity_types(path, cfg.data.format, cfg.data.encoding)


def data_params(cfg: ExperimentConfig, lang: str) -> dict[str, Any]:
    """What a node reads of the data. Keys absent in the papers' setting (a custom label set, raw
    target text, no target dev/test) are left out rather than set to a default, so every node
    stored before they existed keeps its key."""
    d = cfg.data
    files = {}
    for role, (side, split) in SPLITS.items():
        split = d.unlabeled_split if split == "unlabeled" else split
        path = d.path_for(d.source_lang if side == "source" else lang, split)
        if role in OPTIONAL and not path.exists():  # preflight says so, once per run
            continue
        files[role] = str(path)
    out: dict[str, Any] = {"format": d.format, "source_lang": d.source_lang, "lang": lang, "files": files,
                           "max_train": d.max_train_sentences, "max_eval": d.max_eval_sentences}
    types = entity_types(cfg)
    if types != FORMAT_TYPES[d.format]:
        out["labels"] = list(types)
    if d.unlabeled_format != "labelled":
        out["unlabeled_format"] = d.unlabeled_format
        if d.unlabeled_format == "raw":
            out["word_tokenizer"] = d.word_tokenizer
    return out


def _fingerprints(data: Mapping[str, Any]) -> dict[str, str]:
    return {role: file_fingerprint(path) for role, path in data["files"].items()}


def encoder_params(cfg: ExperimentConfig) -> dict[str, Any]:
    return cfg.encoder.model_dump()


def _encoder_location(cfg: ExperimentConfig) -> tuple[tuple[str, ...], dict[str, str]]:
    """A local encoder directory is keyed by its content; a hub name by the name itself."""
    if cfg.encoder.name == "hf" and Path(cfg.encoder.path).exists():
        return ("encoder.path",), {"encoder": location_fingerprint(cfg.encoder.path)}
    return (), {}


def _reads_data(cfg: ExperimentConfig, dp: Mapping[str, Any]) -> tuple[tuple[str, ...], dict[str, str]]:
    """Locations and fingerprints of a node that reads the language's files and the encoder."""
    locs, data = _encoder_location(cfg)
    return ("data.files", *locs), {**_fingerprints(dp), **data}


def encoder_node(cfg: ExperimentConfig) -> Node:
    enc = encoder_params(cfg)
    params: dict[str, Any] = {"encoder": enc}
    locations, data = _encoder_location(cfg)
    if enc["name"] == "tiny":  # the vocabulary is learned from every language of the experiment
        specs, files = [], {}
        for lang in [cfg.data.source_lang, *cfg.data.target_langs]:
            dp = data_params(cfg, lang)
            role = "src_train" if lang == cfg.data.source_lang else "tgt_train"
            spec = {"format": dp["format"], "lang": lang, "limit": dp["max_train"]}
            if role == "tgt_train" and "unlabeled_format" in dp:  # raw or one-column target text
                spec["format"] = dp["unlabeled_format"]
                spec.update({"words": dp["word_tokenizer"]} if "word_tokenizer" in dp else {})
            specs.append(spec)
            files[lang] = dp["files"][role]
            data[lang] = file_fingerprint(dp["files"][role])
        params["vocab_corpora"], params["vocab_files"] = specs, files
        locations = (*locations, "vocab_files")
    return Node("encoder", params, data=data, label="encoder", locations=locations)


def translation_strategy(cfg: ExperimentConfig, lang: str) -> str:
    """The strategy that translates into `lang`: `translation.fallback` where `precomputed` has no
    file for it (the UniTrans authors translated en->es and en->de, not en->nl)."""
    t = cfg.translation
    if t.strategy == "precomputed" and t.fallback:
        path = cfg.precomputed_path(lang)
        if path is None or not path.is_file():
            return t.fallback
    return t.strategy


def translate_node(cfg: ExperimentConfig, lang: str) -> Node:
    t = cfg.translation
    name = translation_strategy(cfg, lang)
    if name == "none":
        raise ConfigError("translation.strategy: 'none', but this method needs translated data")
    dp = data_params(cfg, lang)
    strategy = {"name": name, "candidate": t.candidate, "casing": t.casing,
                "keep_per": t.keep_per, "translate_entities": t.translate_entities}
    dictionary = str(cfg.dictionary_path(lang)) if name == "lexicon-word" else None
    data = {"src_train": file_fingerprint(dp["files"]["src_train"])}
    locations = ["data.files", "dictionary", "strategy.backend_options.table",
                 "strategy.backend_options.source", "precomputed"]
    extra: dict[str, Any] = {}
    if name == "precomputed":
        path = cfg.precomputed_path(lang)
        if path is None or not path.is_file():
            what = "not set" if path is None else ("a directory" if path.is_dir() else f"missing: {path}")
            raise ConfigError(f"translation.file: strategy 'precomputed' needs the {cfg.data.source_lang}"
                              f" train file translated into {lang}, sentence by sentence ({what})")
        data["precomputed"] = file_fingerprint(str(path))
        extra["precomputed"] = str(path)
    elif name != "lexicon-word":
        strategy["backend"] = t.mt.backend
        options = {k: v for k, v in t.mt.model_dump().items() if k != "backend"}
        for k in ("model", "table"):  # one file or model per language pair: "{root}/mt/{src}-{lang}.tsv"
            if isinstance(options.get(k), str):
                options[k] = options[k].format(root=cfg.data.root, src=cfg.data.source_lang, lang=lang)
        if options.get("table"):
            options["table"] = str(cfg.resolve_path(options["table"]))
            data["table"] = file_fingerprint(options["table"])
        if t.mt.backend == "aligned":
            options["source"] = dp["files"]["src_train"]
        if options.get("model") and Path(options["model"]).exists():  # a local MT model directory
            data["mt_model"] = location_fingerprint(options["model"])
            locations.append("strategy.backend_options.model")
        strategy["backend_options"] = options
    if dictionary:
        if not Path(dictionary).is_file():
            what = "a directory" if Path(dictionary).is_dir() else "missing"
            raise ConfigError(f"translation.dictionary: no {cfg.data.source_lang}-{lang} dictionary at "
                              f"{dictionary} ({what}; expected a MUSE file, 'source target' per line)")
        data["dictionary"] = file_fingerprint(dictionary)
        if t.casing == "target":  # the casing is learnt from the unlabelled target text
            data["tgt_train"] = file_fingerprint(dp["files"]["tgt_train"])
    return Node("translate", {"data": dp, "strategy": strategy, "dictionary": dictionary, "shuffle_seed": 0,
                              **extra},
                lang=lang, data=data, label=f"translate[{lang}]", locations=tuple(locations))


def selection(cfg: ExperimentConfig, dp: Mapping[str, Any]) -> tuple[str, list[str]]:
    """(selection_metric, epoch_eval) for a language's files: without a target dev, checkpoints are
    chosen on source dev; a split the language lacks is not scored after each epoch."""
    metric, evals = cfg.train.selection_metric, list(cfg.train.epoch_eval)
    if "tgt_dev" not in dp["files"] and metric == "target_dev":
        metric = "source_dev"
        evals = [e for e in evals if e != "dev"]
        if "source_dev" not in evals:
            evals.insert(0, "source_dev")
    if "tgt_test" not in dp["files"]:
        evals = [e for e in evals if e != "test"]
    return metric, evals


def train_params(cfg: ExperimentConfig, dp: Mapping[str, Any], epochs: int | None = None,
                 distill: bool = False) -> dict[str, Any]:
    """Only the training settings the stage reads: a distillation lr change keeps every teacher cached,
    and an adversarial lr change keeps every student's config (though not its inputs) the same."""
    t = cfg.train
    metric, evals = selection(cfg, dp)
    common = {"epochs": epochs or t.epochs, "batch_size": t.batch_size, "warmup": t.warmup,
              "warmup_start": t.warmup_start, "weight_decay": t.weight_decay,
              "no_decay_bias_norm": t.no_decay_bias_norm, "grad_clip": t.grad_clip,
              "selection_metric": metric, "epoch_eval": evals,
              "viterbi_inside_start": t.viterbi_inside_start, "precision": cfg.precision}
    # speed options change floats and the dropout draw, so they are keyed; absent when off, so every
    # node stored before they existed keeps its key
    common.update({k: True for k in ("packing", "compile") if getattr(t, k)})
    if distill:
        return {**common, "lr_distill": t.lr_distill, "kd_loss": t.kd_loss}
    return {**common, "lr_ner": t.lr_ner, "lr_generator": t.lr_generator,
            "lr_discriminator": t.lr_discriminator, "adversarial_batches": t.adversarial_batches,
            "adversarial_reduction": t.adversarial_reduction,
            "discriminator_weight_decay": t.discriminator_weight_decay}


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


UNTRANSLATED = ("D_S", "D_T_u", POOLED)


def source_node(cfg: ExperimentConfig, lang: str, seed: int, discriminators: list[str],
                language_data: list[str], ner_data: tuple[str, ...] = ("D_S",)) -> Node:
    """A model trained from the pretrained encoder: on D_S (Θsrc, mBERT-FT, TLADV, MLADV) or on
    translated data (`ner_data=("D_T",)`: UniTrans's data transfer, M_trans)."""
    dp = data_params(cfg, lang)
    specs = {n: discriminator_spec(cfg, n, language_data if n == "language" else None)
             for n in discriminators}
    needs_translation = any(d not in UNTRANSLATED for d in ner_data) or \
        any(d not in UNTRANSLATED for s in specs.values() for d in s["data"])
    inputs = {"encoder": encoder_node(cfg)}
    if needs_translation:
        inputs["translate"] = translate_node(cfg, lang)
    params = {"data": dp, "encoder": encoder_params(cfg), "train": train_params(cfg, dp),
              "discriminators": specs, "ner_data": list(ner_data)}
    locations, data = _reads_data(cfg, dp)
    if any(POOLED in s["data"] for s in specs.values()):
        params["pool"] = {t: data_params(cfg, t)["files"]["tgt_train"] for t in cfg.data.target_langs}
        data.update({f"pool:{t}": file_fingerprint(path) for t, path in params["pool"].items()})
        params["pool_langs"] = sorted(params["pool"])
        locations = (*locations, "pool")
    label = "source[" + ("+".join(discriminators) or "ft") + "]"
    if list(ner_data) != ["D_S"]:
        label = f"source[{'+'.join(ner_data)}]"
    return Node("source", params, seed=seed, lang=lang, inputs=inputs, data=data, label=label,
                locations=locations)


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
              "train": train_params(cfg, source.params["data"], epochs), "teacher": name,
              "ner_data": spec["data"],
              "discriminators": discs}
    locations, data = _reads_data(cfg, params["data"])
    return Node("teacher", params, seed=source.seed, lang=lang,
                inputs={"encoder": encoder_node(cfg), "translate": translate_node(cfg, lang), "source": source},  # noqa: E501
                label=f"teacher[{name}]", data=data, locations=locations)


def pseudo_node(cfg: ExperimentConfig, models: Mapping[str, Node], combine: str,
                weights: Mapping[str, float] | None, discriminator_from: str | None,
                relabel: Mapping[str, Any] | None = None, label: str | None = None) -> Node:
    """Labels for a corpus from `models`: soft labels on D_T^u (TransAdv, AdvPicker, TSL), or, with
    `relabel` (stages/relabel.py), the targets of UniTrans and CoLaDa: a vote, a blend with the
    translated labels, hard labels, kNN weights, on D_T^u or on the translated D_T."""
    first = next(iter(models.values()))
    params = {"data": first.params["data"], "encoder": first.params["encoder"], "combine": combine,
              "weights": dict(weights or {}),
              "confidence": cfg.pseudo_label.confidence if combine == "best-of-seeds" else None,
              "discriminator_from": f"model:{discriminator_from}" if discriminator_from else None,
              "precision": cfg.precision}
    inputs = {"encoder": encoder_node(cfg), **{f"model:{k}": n for k, n in models.items()}}
    if relabel:  # absent for the papers' soft labels, so their nodes keep their keys
        params["relabel"] = dict(relabel)
        if relabel.get("corpus", "D_T_u") != "D_T_u":
            inputs["translate"] = translate_node(cfg, first.lang)
    locations, data = _reads_data(cfg, params["data"])
    return Node("pseudo_label", params, lang=first.lang, inputs=inputs,
                label=label or f"pseudo_label[{combine}]", data=data, locations=locations)


def select_node(cfg: ExperimentConfig, pseudo: Node) -> Node:
    SELECTORS.get(cfg.selection.strategy)
    ratio = cfg.selection.ratio if cfg.selection.strategy != "all" else 1.0
    return Node("select", {"strategy": cfg.selection.strategy, "ratio": ratio}, lang=pseudo.lang,
                inputs={"pseudo": pseudo}, label=f"select[{cfg.selection.strategy}]")


def distill_node(cfg: ExperimentConfig, pseudo: Node, select: Node, seed: int, init: Node | None = None,
                 kd_loss: str | None = None, kd_weight: float | None = None, label: str = "distill") -> Node:
    """A student trained on the pseudo node's labels, from the pretrained encoder or, with `init`,
    from that model's weights (CoLaDa's M_trans^i starts from M_tgt^(i-1)); it reads the corpus the
    labels are for. `kd_loss` overrides train.kd_loss where a method's targets need their own loss."""
    params = {"data": pseudo.params["data"], "encoder": pseudo.params["encoder"],
              "train": train_params(cfg, pseudo.params["data"], cfg.train.distill_epochs, distill=True)}
    if kd_loss:
        params["train"]["kd_loss"] = kd_loss
    if kd_weight is not None:
        params["train"]["kd_weight"] = kd_weight
    inputs = {"encoder": encoder_node(cfg), "pseudo": pseudo, "select": select}
    if init is not None:
        params["init"] = True
        inputs["init"] = init
    if "translate" in pseudo.inputs:
        inputs["translate"] = pseudo.inputs["translate"]
    locations, data = _reads_data(cfg, params["data"])
    return Node("distill", params, seed=seed, lang=pseudo.lang, inputs=inputs, label=label,
                data=data, locations=locations)


def evaluate_node(cfg: ExperimentConfig, models: list[Node]) -> Node:
    first = models[0]
    inputs = {"encoder": encoder_node(cfg), **{f"model:{i}": m for i, m in enumerate(models)}}
    params = {"data": first.params["data"], "encoder": first.params["encoder"],
              "viterbi_inside_start": cfg.train.viterbi_inside_start, "precision": cfg.precision}
    locations, data = _reads_data(cfg, params["data"])
    return Node("evaluate", params, seed=first.seed, lang=first.lang, inputs=inputs, label="evaluate",
                data=data, locations=locations)
