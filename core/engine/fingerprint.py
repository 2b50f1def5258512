"""Code fingerprints of the stages: a result trained by older code is never served as current.

Each stage has a version that is part of every node key, and a digest of the source of the modules
that stage runs. `tests/engine/test_fingerprint.py` recomputes the digests and fails when a stage's code
changed while its recorded digest did not, so a behaviour change cannot land without a decision:

* behaviour changed -> bump the version (old nodes become "cached under other code");
* a pure refactor   -> keep the version and record the new digest.

`python -m xner.core.engine.fingerprint` prints the current digests and which stages drifted; with
`--write` it records them (versions untouched: bumping one is a decision a person makes, here).

Digests are over the modules' syntax trees with docstrings removed, so comments, docstrings and
formatting never count as code changes.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import json
import sys
from dataclasses import dataclass
from pathlib import Path

# Modules (dotted, under xner) whose code decides each stage's output. Shared modules are listed
# under every stage that runs them.
_COMMON = ("core.data.align", "core.data.batching", "core.data.corpus", "core.data.readers",
           "core.data.cache", "core.data.labels", "core.models.encoder", "core.models.ner_model",
           "core.stages.services")
_TRAIN = (*_COMMON, "core.models.discriminators", "core.models.viterbi", "core.train.loop",
          "core.train.optim", "core.train.steps", "core.train.kinds", "core.train.predict",
          "core.data.metrics", "core.models.checkpoint", "core.stages.training")
STAGE_MODULES: dict[str, tuple[str, ...]] = {
    "encoder": ("core.stages.inputs", "core.models.encoder", "registry.encoders"),
    "translate": ("core.stages.inputs", "core.data.readers", "core.data.corpus", "core.translate.datasets",
                  "core.translate.augment", "core.translate.strategies", "core.translate.lexicon",
                  "core.translate.segments", "core.translate.backends", "core.translate.precomputed",
                  "core.translate.truecase",
                  "registry.translators"),
    "source": _TRAIN,
    "teacher": _TRAIN,
    "pseudo_label": (*_TRAIN, "core.train.pseudo", "core.stages.labelling"),
    "select": ("core.train.pseudo", "core.stages.labelling", "registry.selectors"),
    "distill": (*_TRAIN, "core.stages.labelling"),
    "evaluate": (*_TRAIN, "core.stages.labelling", "core.inference.predictor"),
}

VERSIONS_FILE = Path(__file__).with_name("stage_versions.json")


@dataclass(frozen=True)
class StageCode:
    version: int
    digest: str


def _module_path(dotted: str) -> Path:
    spec = importlib.util.find_spec(f"xner.{dotted}")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(f"stage module xner.{dotted} not found")
    return Path(spec.origin)


def _normalised(source: str) -> str:
    """The module's AST without docstrings: what the code does, not how it is commented."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (isinstance(body, list) and body and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str)):
            node.body = body[1:] or [ast.Pass()]  # type: ignore[attr-defined]
    return ast.dump(tree, annotate_fields=False, include_attributes=False)


def stage_digest(stage: str) -> str:
    """sha256 (16 hex digits) over the normalised source of every module the stage runs."""
    h = hashlib.sha256()
    for dotted in sorted(STAGE_MODULES[stage]):
        h.update(dotted.encode())
        h.update(_normalised(_module_path(dotted).read_text(encoding="utf-8")).encode())
    return h.hexdigest()[:16]


def recorded() -> dict[str, StageCode]:
    raw = json.loads(VERSIONS_FILE.read_text())
    return {stage: StageCode(int(v["version"]), str(v["digest"])) for stage, v in raw.items()}


_VERSIONS = recorded()


def code_version(stage: str) -> int:
    """The stage's code version, part of its node key (1 for a stage with no record, e.g. in tests)."""
    entry = _VERSIONS.get(stage)
    return entry.version if entry else 1


def drifted() -> dict[str, tuple[str, str]]:
    """Stages whose code digest differs from the recorded one: stage -> (recorded, current)."""
    out = {}
    for stage, entry in recorded().items():
        now = stage_digest(stage)
        if now != entry.digest:
            out[stage] = (entry.digest, now)
    return out


def write_digests(path: Path = VERSIONS_FILE) -> None:
    """Record the current digests, keeping every version (atomic write)."""
    current = recorded()
    data = {s: {"version": current[s].version if s in current else 1, "digest": stage_digest(s)}
            for s in STAGE_MODULES}
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    tmp.replace(path)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    drift = drifted()
    for stage, entry in recorded().items():
        mark = f"CHANGED {drift[stage][0]} -> {drift[stage][1]}" if stage in drift else "ok"
        sys.stdout.write(f"{stage:13s} v{entry.version}  {entry.digest}  {mark}\n")
    if "--write" in args:
        write_digests()
        sys.stdout.write(f"recorded digests in {VERSIONS_FILE}\n")
        return 0
    return 1 if drift else 0


if __name__ == "__main__":
    raise SystemExit(main())
