"""An experiment as data: dotted MLflow params, canonical section hashes, YAML that loads back equal."""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import BaseModel

from ..errors import ConfigError

if TYPE_CHECKING:
    from .schema import ExperimentConfig


def _canonical(value: Any) -> Any:
    """JSON-ready value where equal numbers look equal (1e-5 == 0.00001, 1.0 == 1)."""
    if isinstance(value, BaseModel):
        return _canonical(value.model_dump(mode="python"))
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Path):
        return str(value)
    return value


def _lookup(tree: Any, dotted: str) -> Any:
    node = tree
    for depth, part in enumerate(dotted.split(".")):
        if not isinstance(node, dict) or part not in node:
            where = ".".join(dotted.split(".")[:depth]) or "the config"
            known = sorted(node) if isinstance(node, dict) else []
            close = difflib.get_close_matches(part, known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ConfigError(f"{dotted}: {where} has no {part!r}{hint}")
        node = node[part]
    return node


def section_hash(cfg_or_model: BaseModel | Mapping[str, Any], *dotted_paths: str) -> str:
    """16 hex digits of sha256 over canonical JSON of the named sections (all of it when none are
    named). A stage's cache key uses only the sections it reads, so unrelated edits keep hits."""
    tree = _canonical(cfg_or_model)
    payload = {p: _lookup(tree, p) for p in dotted_paths} if dotted_paths else tree
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def flatten(cfg: BaseModel | Mapping[str, Any]) -> dict[str, str | int | float | bool]:
    """Dotted scalar params for MLflow; lists and empty sections become JSON text, None 'null'.
    `variants` is left out: it describes other runs, and `variant` names this one."""
    tree = cfg.model_dump(mode="json") if isinstance(cfg, BaseModel) else dict(cfg)
    tree.pop("variants", None)
    out: dict[str, str | int | float | bool] = {}

    def walk(node: Any, prefix: str) -> None:
        if isinstance(node, dict) and node:
            for key, value in node.items():
                walk(value, f"{prefix}.{key}" if prefix else str(key))
        elif isinstance(node, (str, int, float, bool)):
            out[prefix] = node
        else:
            out[prefix] = json.dumps(node)

    walk(tree, "")
    return out


def to_yaml(cfg: ExperimentConfig) -> str:
    """The resolved config as YAML; loading it again gives an equal config."""
    return yaml.safe_dump(cfg.model_dump(mode="json"), sort_keys=False, allow_unicode=True)
