"""Every input checked before the first node runs: data files, tags, encoder, dictionaries, device.

A mistake found inside a stage costs the nodes that ran before it and leaves FAILED runs behind; a
mistake found here costs seconds and writes nothing. Each error names the YAML path it comes from.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import torch

from ..config.loader import ExperimentConfig
from ..data.cache import cached_corpus
from ..data.readers import first_line_with_type
from ..engine.store import cache_dir
from ..errors import ConfigError, DataFormatError
from ..models.device import bf16_supported, resolve_device
from ..stages.builders import OPTIONAL, SPLITS, data_params, entity_types
from ..stages.services import read_as

log = logging.getLogger(__name__)

_LAYER_KEYS = ("num_hidden_layers", "n_layers", "num_layers")


def resolve_precision(cfg: ExperimentConfig, device: torch.device) -> str:
    """The precision the run really uses, which is what node keys hold: `auto` is bf16 on a GPU that
    runs it natively and fp32 elsewhere; an explicit bf16 that cannot run is an error, not fp32."""
    if cfg.precision == "fp32":
        return "fp32"
    if bf16_supported(device):
        return "bf16"
    if cfg.precision == "bf16":
        where = torch.cuda.get_device_name(device) if device.type == "cuda" else "the CPU"
        raise ConfigError(f"precision: bf16 requested, but the run's device {device} ({where}) has no "
                          "native bf16; use precision: auto or fp32")
    return "fp32"


def resolve(cfg: ExperimentConfig, device: str = "auto", precision: str | None = None
            ) -> tuple[ExperimentConfig, torch.device]:
    """The config with its precision resolved for the device the run will use (`--device` wins);
    a given `precision` (replaying a recorded run) is taken as it is, on the CPU."""
    if precision is not None:
        return cfg.model_copy(update={"precision": precision}), torch.device("cpu")
    dev = resolve_device(device if device != "auto" else cfg.device)
    return cfg.model_copy(update={"precision": resolve_precision(cfg, dev)}), dev


def check_inputs(cfg: ExperimentConfig, say_missing: bool = True) -> None:
    """Data files (files, not folders; readable; tags of the format's types) and the encoder (path,
    layer counts), before any graph hashes them."""
    _check_encoder(cfg)
    types = set(entity_types(cfg))
    declared = "data.labels" if cfg.data.labels else f"the types of the {cfg.data.source_lang} train file"
    cache = cache_dir(cfg.store) / "corpora"
    seen: set[str] = set()
    for lang in cfg.data.target_langs:
        dp = data_params(cfg, lang)
        for role in (r for r in OPTIONAL if say_missing and r not in dp["files"]):
            split = SPLITS[role][1]
            log.info("%s: no target %s file (%s)%s", lang, split, cfg.data.path_for(lang, split),
                     "; checkpoints are selected on source dev" if role == "tgt_dev"
                     else "; nothing is tested, the trained models stay in the store (xner export)")
        for role, path in dp["files"].items():
            if path in seen:
                continue
            seen.add(path)
            p = Path(path)
            side = lang if role.startswith("tgt") else cfg.data.source_lang
            where = f"data.root / data.path_template ({SPLITS[role][1]} of {side})"
            fmt, words = read_as(dp, role)
            if p.is_dir():
                raise ConfigError(f"{where}: {p} is a directory, expected a {fmt} file")
            corpus = cached_corpus(p, fmt, lang, cache, words=words)  # a malformed file: path:line
            found = {t[2:] for t in corpus.table.column("tags").combine_chunks().flatten().unique()
                     .to_pylist() if t != "O"}
            if unknown := sorted(found - types):
                line = first_line_with_type(p, unknown)
                raise DataFormatError(p, line, f"tag type {unknown[0]!r} is not in the label set "
                                      f"{', '.join(sorted(types))} ({declared}); add it to data.labels")


def _check_encoder(cfg: ExperimentConfig) -> None:
    enc = cfg.encoder
    if enc.name == "tiny":
        layers = enc.tiny.layers
    else:
        layers = _hf_layers(enc.path)
        if layers is None:
            return  # a hub name not in the local cache: the encoder stage reports it
    kept = enc.num_layers if enc.num_layers is not None else layers
    if enc.num_layers is not None and enc.num_layers > layers:
        raise ConfigError(f"encoder.num_layers: {enc.num_layers}, but {enc.path} has {layers} layers")
    if enc.frozen_layers > kept:
        raise ConfigError(f"encoder.frozen_layers: {enc.frozen_layers}, but the encoder keeps {kept} "
                          f"layers ({enc.path if enc.name != 'tiny' else 'tiny'})")


def _hf_layers(path: str) -> int | None:
    """Layer count from a local directory's config.json, or from a cached hub config; a path that
    looks local but is missing is an error naming it."""
    p = Path(path).expanduser()
    looks_local = p.is_absolute() or path.startswith(("./", "../", "~"))
    if p.is_dir():
        cfg_file = p / "config.json"
        if not cfg_file.is_file():
            raise ConfigError(f"encoder.path: {p} has no config.json, so it is not a Hugging Face model")
        config = json.loads(cfg_file.read_text())
    elif looks_local or p.exists():
        missing = "" if p.exists() else " (it does not exist)"
        raise ConfigError(f"encoder.path: {p} is not a directory{missing}")
    else:
        try:
            from transformers import AutoConfig

            config = AutoConfig.from_pretrained(path, local_files_only=True).to_dict()
        except OSError:
            log.debug("encoder %s is not in the local Hugging Face cache; checked when loaded", path)
            return None
    return next((int(config[k]) for k in _LAYER_KEYS if k in config), None)
