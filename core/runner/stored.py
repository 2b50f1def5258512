"""A trained model in the store, as an export needs it: its node, the evaluate node that scored it,
and what it is (method, variant, language, seed). Named by a target of a built experiment, or by the
node keys an MLflow seed run carries."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from ..engine.store import Store
from ..errors import ConfigError
from ..inference.export import ExportError
from ..inference.predictor import Decoding, Predictor
from ..models import checkpoint as ckpt
from ..models.device import resolve_device
from ..stages.services import Services, label_set_for
from .experiment import Experiment, Target, row_name


def xner_version() -> str:
    try:
        return version("xner")
    except PackageNotFoundError:
        return "unknown (not installed)"


@dataclass
class StoredModel:
    """One trained model in a store (stage, key) and the evaluate node that scored it: all an export
    needs, so it can be named by experiment + variant + language + seed, or by an MLflow seed run's
    `xner.model_node` / `xner.evaluate_node` / `xner.store` tags alone."""

    store: Store
    model: tuple[str, str]  # (stage, key)
    evaluate: tuple[str, str]
    about: dict[str, Any]  # method, experiment, variant, language, seed, dataset

    def manifest(self, which: tuple[str, str]) -> dict[str, Any]:
        return self.store.manifest(*which)

    @property
    def scores(self) -> dict[str, Any]:
        return self.manifest(self.evaluate)["result"]

    @property
    def decoding(self) -> Decoding:
        p = self.manifest(self.model)["params"]
        ev = self.manifest(self.evaluate)["params"]
        return Decoding(tuple(label_set_for(p["data"]).tags), p["encoder"]["max_length"], None,
                        bool(ev.get("viterbi_inside_start", False)), precision=ev.get("precision", "auto"))

    def provenance(self) -> dict[str, Any]:
        return {"node_key": self.model[1], "stage": self.model[0], **self.about,
                "dev_f1": self.scores.get("dev_f1"), "test_f1": self.scores.get("test_f1"),
                "xner_version": xner_version()}

    def predictor(self, device: str = "auto") -> Predictor:
        """xner's own model, rebuilt from the encoder node and the checkpoint (as evaluate does)."""
        svc = Services(cache_dir=self.store.cache, device=resolve_device(device))
        m = self.manifest(self.model)
        p = m["params"]
        enc_key = m["inputs"]["encoder"]
        result = self.store.manifest("encoder", enc_key)["result"]
        edir = result["path"] or str(self.store.path("encoder", enc_key) / result["subdir"])
        ls = label_set_for(p["data"])
        model = svc.load_model(p["encoder"], edir, len(ls), self.store.path(*self.model) / ckpt.MODEL)
        return Predictor(model, svc.tokenizer(edir), self.decoding, svc.device)


def stored_model(exp: Experiment, target: Target, member: int | None = None) -> StoredModel:
    """The model `target`'s evaluate node scored; an ensemble needs `member` (one HF model cannot hold
    the mean of several)."""
    roles = sorted(r for r in target.node.inputs if r.startswith("model:"))
    name = row_name(exp, target.variant)
    if len(roles) > 1 and member is None:
        raise ExportError(f"{name} is an ensemble of {len(roles)} models (the mean of their "
                          f"probabilities, e.g. AdvPicker's w/o KD), which one HF model cannot hold; "
                          f"export one member with --member 0..{len(roles) - 1}")
    if member is not None and not 0 <= member < len(roles):
        raise ConfigError(f"--member {member}: the ensemble has members 0..{len(roles) - 1}")
    cfg, node = exp.configs[target.variant], target.node.inputs[roles[member or 0]]
    about = {"method": cfg.method, "experiment": cfg.name, "variant": name, "language": target.lang,
             "seed": target.seed, "dataset": cfg.data.format}
    return StoredModel(exp.store, (node.stage, node.key), (target.node.stage, target.node.key), about)
