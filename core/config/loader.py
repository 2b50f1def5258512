"""Load one YAML experiment into a typed, validated `ExperimentConfig`.

Order of resolution: `extends:` chain (deep merge, child wins, `null` removes) -> the chosen variant
-> `--set a.b=c` overrides -> validation. `${VAR}` / `${VAR:-default}` are expanded in every string
as it is read, so a value is expanded exactly once. Removed keys are kept as `None` until validation
so that a later override *into* them can be refused instead of silently re-creating them.
"""

from __future__ import annotations

import copy
import difflib
import logging
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from ..errors import ConfigError
from .schema import ExperimentConfig, FieldError, Section
from .section import num_text
from .serialize import flatten, section_hash, to_yaml

__all__ = [
    "ExperimentConfig",
    "flatten",
    "load_experiment",
    "parse_override",
    "section_hash",
    "to_yaml",
    "validate_config",
    "with_overrides",
]

log = logging.getLogger(__name__)

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
# name -> component dicts: an entry set to null is gone, and setting a key inside it is a mistake
_FAMILY = {
    "teachers": "teacher",
    "discriminators": "discriminator",
    "variants": "variant",
    "search.space": "search parameter",
}


class _Loader(yaml.SafeLoader):
    """SafeLoader that also reads `1e-5` as a float (YAML 1.1 insists on `1.0e-5`) and refuses a key
    written twice in one mapping: PyYAML would keep the last silently, e.g. a second `train:`."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
            line = key_node.start_mark.line + 1
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r} on lines {seen[key]} and {line}", key_node.start_mark)
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)


def _yaml(text: str, where: str) -> Any:
    try:
        return yaml.load(text, Loader=_Loader)  # a SafeLoader subclass: no arbitrary objects
    except yaml.YAMLError as exc:
        raise ConfigError(f"{where}: invalid YAML: {exc}".replace("\n", " ")) from exc


def _expand(value: Any, path: str, where: str) -> Any:
    """Expand `${VAR}` / `${VAR:-default}` in every string of `value` (default also when empty)."""
    if isinstance(value, dict):
        return {k: _expand(v, f"{path}.{k}" if path else str(k), where) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand(v, f"{path}[{i}]", where) for i, v in enumerate(value)]
    if not isinstance(value, str):
        return value

    def sub(match: re.Match[str]) -> str:
        var, default = match.group(1), match.group(2)
        got = os.environ.get(var)
        if got:
            return got
        if default is None:
            raise ConfigError(
                f"{path}: environment variable {var} is not set in {value!r} ({where}); "
                f"write ${{{var}:-default}} to give a default"
            )
        return default

    return _ENV.sub(sub, value)


def _merge(base: dict[str, Any], child: Mapping[str, Any]) -> dict[str, Any]:
    """Deep merge: mappings merge, everything else (lists included) is replaced; None stays as the
    marker of a removed key."""
    out = copy.deepcopy(base)
    for key, value in child.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _read_chain(path: Path, stack: tuple[Path, ...] = ()) -> dict[str, Any]:
    path = path.resolve()
    if path in stack:
        chain = " -> ".join(p.name for p in (*stack, path))
        raise ConfigError(f"extends: cycle {chain}")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        via = f" (extended by {stack[-1]})" if stack else ""
        raise ConfigError(f"extends: cannot read {path}{via}: {exc.strerror}") from exc
    raw = _yaml(text, str(path)) or {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: the top level must be a mapping, got {type(raw).__name__}")
    raw = _anchor_paths(_expand(raw, "", str(path)), path.parent)
    parents = raw.pop("extends", None)
    if parents is None:
        return raw
    if isinstance(parents, str):
        parents = [parents]
    if not isinstance(parents, list) or not all(isinstance(p, str) for p in parents):
        raise ConfigError(f"extends: {parents!r} should be a file name or a list of them")
    merged: dict[str, Any] = {}
    for parent in parents:  # left to right, then this file on top
        merged = _merge(merged, _read_chain(path.parent / parent, (*stack, path)))
    return _merge(merged, raw)


# (section, key, only-if-prefix): relative paths mean "next to the file that wrote them", so a file
# in a subfolder can extend one higher up and both keep pointing at the same data.
# `store` is not among them: like the default `.xner/store`, it is relative to the working directory.
_PATH_FIELDS = (("data", "root", None), ("encoder", "path", ("./", "../")),
                ("translation", "dictionary", None))


def _anchor_paths(raw: dict[str, Any], folder: Path) -> dict[str, Any]:
    for section, key, prefixes in _PATH_FIELDS:
        tree = raw.get(section) if section else raw
        if not isinstance(tree, dict) or not isinstance(tree.get(key), str):
            continue
        value = tree[key]
        if value.startswith("{") or Path(value).is_absolute():  # a template such as "{root}/../muse"
            continue
        if prefixes is not None and not value.startswith(prefixes):
            continue  # e.g. a hub model name
        tree[key] = str((folder / value).resolve())
    return raw


def parse_override(text: str) -> tuple[str, Any]:
    """`a.b=c` -> ("a.b", value); the value is YAML, so `1e-5`, `[1,2]`, `null`, `true` work."""
    key, sep, value = text.partition("=")
    key = key.strip()
    if not sep or not key or "" in key.split("."):
        raise ConfigError(f"{text}: an override is dotted.path=value, e.g. train.epochs=3")
    return key, _expand(_yaml(value, f"--set {key}"), key, "--set")


def _set(tree: dict[str, Any], dotted: str, value: Any, origin: str) -> None:
    parts = dotted.split(".")
    node = tree
    for depth, part in enumerate(parts[:-1]):
        child = node.setdefault(part, {})
        family = _FAMILY.get(".".join(parts[:depth]))
        if child is None and family is not None:
            built = ", ".join(k for k, v in node.items() if v is not None) or "none"
            raise ConfigError(f"{dotted}: {family} {part!r} is not built (built: {built}) [{origin}]")
        if child is None:  # a section reset to its defaults: set into a fresh one
            child = node[part] = {}
        if not isinstance(child, dict):
            prefix = ".".join(parts[: depth + 1])
            raise ConfigError(f"{dotted}: {prefix} is {child!r}, not a section [{origin}]")
        node = child
    node[parts[-1]] = copy.deepcopy(value)


def _seed_dict_defaults(raw: dict[str, Any]) -> None:
    """`--set teachers.entity.weight=1` on a file without `teachers:` must add to the default
    teachers, not replace them, so absent name->component dicts start from their defaults."""
    for name, field in ExperimentConfig.model_fields.items():
        if name not in raw and get_origin(field.annotation) is dict:
            default = field.get_default(call_default_factory=True)
            if default:
                raw[name] = {k: v.model_dump() for k, v in default.items()}


def _describe(value: Any) -> str:
    if isinstance(value, float) and not isinstance(value, bool):
        return num_text(value)
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model class whose field list a location points into (for "did you mean")."""
    tp: Any = ExperimentConfig
    for seg in loc:
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            field = tp.model_fields.get(str(seg))
            if field is None:
                return None
            tp = field.annotation
        elif get_origin(tp) in (dict, list):
            tp = get_args(tp)[-1]
        else:
            return None
    return tp if isinstance(tp, type) and issubclass(tp, Section) else None


def _line(err: Mapping[str, Any]) -> str:
    loc = tuple(err["loc"])
    exc = (err.get("ctx") or {}).get("error")
    if isinstance(exc, FieldError):
        loc = (*loc, *exc.path.split("."))
    path = "".join(f"[{s}]" if isinstance(s, int) else f".{s}" for s in loc).lstrip(".")
    path = path or "(top level)"
    if isinstance(exc, ValueError):
        return f"{path}: {exc}"
    if err["type"] == "missing":
        return f"{path}: required setting is missing"
    if err["type"] == "extra_forbidden":
        model = _model_at(loc[:-1])
        known = sorted(model.model_fields) if model else []
        close = difflib.get_close_matches(str(loc[-1]), known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        value = _describe(err["input"])
        return f"{path}: unknown key (value {value}){hint} (known: {', '.join(known)})"
    msg = err["msg"]
    reason = msg[len("Input ") :] if msg.startswith("Input should") else f"is invalid: {msg}"
    return f"{path}: {_describe(err['input'])} {reason}"


def validate_config(data: Mapping[str, Any], base_dir: str | Path | None = None) -> ExperimentConfig:
    """Validate a raw dict; pydantic's errors become one ConfigError, one `path: value ...` line
    per problem, so the researcher sees every mistake at once and where it is in the YAML."""
    context = {"base_dir": Path(base_dir).resolve() if base_dir is not None else None}
    try:
        cfg = ExperimentConfig.model_validate(dict(data), context=context)
    except ValidationError as exc:
        raise ConfigError("\n".join(_line(e) for e in exc.errors())) from None
    return cfg


_GREEK = {"θ": "theta", "ρ": "rho", "λ": "lambda", "α": "alpha", "β": "beta", "τ": "tau"}


def variant_key(name: str) -> str:
    """A spelling-insensitive form: case folded, Greek letters spelt out, only letters and digits
    (`w/o Θentity`, `W/O theta-entity` and `wo_thetaentity` are one name)."""
    text = "".join(_GREEK.get(ch, ch) for ch in name.casefold())
    return "".join(ch for ch in text if ch.isalnum())


def match_variant(name: str, known: list[str], where: str = "") -> str:
    """The declared variant `name` means: itself, else the one whose `variant_key` equals its key;
    otherwise an error listing the known names with the closest match."""
    if name in known:
        return name
    same = [k for k in known if variant_key(k) == variant_key(name)]
    if len(same) == 1:
        log.debug("variant %r read as %r", name, same[0])
        return same[0]
    keys = {variant_key(k): k for k in known}
    close = difflib.get_close_matches(variant_key(name), list(keys), n=1, cutoff=0.6)
    hint = f"; did you mean {keys[close[0]]!r}?" if close else ""
    raise ConfigError(f"variants: unknown variant {name!r}{f' in {where}' if where else ''}; known: "
                      f"{', '.join(known) or '(none)'}{hint} (case and Greek letters may be spelt "
                      "freely: w/o theta-entity)")


# what a row read from another file keeps of the table's own file: where and how it runs, which seeds
# and languages, and the table itself; everything else (method, training, data) is the row file's
TABLE_KEYS = ("name", "seeds", "variants", "published", "store", "tracking", "execution", "device",
              "precision", "search")


def _row_from(table: dict[str, Any], target: Any, path: Path, variant: str) -> dict[str, Any]:
    """`variants: {Row: {extends: file}}`: the row's experiment is that file, run inside this table."""
    if not isinstance(target, str):
        raise ConfigError(f"variants.{variant}.extends: {_describe(target)} should be a file name")
    row = _read_chain(path.parent / target)
    row.pop("label", None)
    for key in TABLE_KEYS:
        if key in table:
            row[key] = copy.deepcopy(table[key])
    langs = (table.get("data") or {}).get("target_langs")
    if langs is not None:
        row.setdefault("data", {})["target_langs"] = copy.deepcopy(langs)
    _seed_dict_defaults(row)
    return row


def load_experiment(
    path: str | Path, overrides: Iterable[str] = (), variant: str | None = None
) -> ExperimentConfig:
    """Read `path` (following `extends:`), apply `variant`, then `overrides`, and validate."""
    path, overrides = Path(path), list(overrides)
    if not path.is_file():
        raise ConfigError(f"{path}: no such experiment file")
    raw = _read_chain(path)
    _seed_dict_defaults(raw)
    if variant is not None:
        declared = raw.get("variants") or {}
        if not isinstance(declared, dict):
            raise ConfigError(f"variants: {_describe(declared)} should map a name to overrides")
        variants = {k: v for k, v in declared.items() if v is not None}
        variant = match_variant(variant, list(variants), path.name)
        if not isinstance(variants[variant], dict):
            raise ConfigError(f"variants.{variant}: should map dotted.path -> value")
        changes = dict(variants[variant])
        if "extends" in changes:  # a row that is another experiment, e.g. a baseline in a main table
            raw = _row_from(raw, changes.pop("extends"), path, variant)
        for key, value in changes.items():
            _set(raw, str(key), value, f"variant {variant!r}")
        raw["variant"] = variant
    for text in overrides:
        key, value = parse_override(text)
        _set(raw, key, value, "--set")
    cfg = validate_config(raw, base_dir=path.parent)
    log.debug("loaded %s (variant %s, %d overrides)", path, variant, len(overrides))
    return cfg


def with_overrides(cfg: ExperimentConfig, values: Mapping[str, Any]) -> ExperimentConfig:
    """A copy of `cfg` with `{dotted.path: value}` set (an Optuna trial's parameters, say)."""
    raw = cfg.model_dump()
    for key, value in values.items():
        _set(raw, key, value, "override")
    return validate_config(raw, base_dir=cfg.base_dir)
