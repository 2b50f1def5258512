"""The stage graph: nodes keyed by content, a plan that says what is cached, an executor that resumes.

A node's key hashes exactly what determines its output: the stage's name and version, the config slice
the stage reads (never the whole experiment), its seed, its upstream nodes' keys and the fingerprints of
the data files it reads. So an ablation variant that differs only in teacher weights shares every
teacher node with the full model, and a re-run recomputes nothing that finished.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from ..errors import Pruned, check_stop
from .fingerprint import code_version
from .hashing import file_sha256
from .locks import claim
from .store import Store, content_digest

log = logging.getLogger(__name__)


def stable_hash(obj: Any, n: int = 16) -> str:
    """sha256 of canonical JSON (sorted keys, floats by repr), truncated to `n` hex digits."""
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:n]


_FINGERPRINTS: dict[tuple[str, int, int], str] = {}  # (path, size, mtime_ns) -> fingerprint


def file_fingerprint(path: str | Path) -> str:
    """A data file's content hash (16 hex digits): node keys follow content, not file names.
    Memoised per (path, size, mtime) so building a grid of hundreds of nodes hashes each file once."""
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        return file_sha256(p)[:16]  # raises errors.MissingDataFileError, naming the path
    memo = (str(p.resolve()), st.st_size, st.st_mtime_ns)
    if memo not in _FINGERPRINTS:
        _FINGERPRINTS[memo] = file_sha256(p)[:16]
    return _FINGERPRINTS[memo]


def location_fingerprint(path: str | Path) -> str:
    """A file's fingerprint, or a directory's: the hash of every file's name and fingerprint in it
    (a local encoder or MT model directory copied elsewhere keeps its key)."""
    p = Path(path)
    if not p.is_dir():
        return file_fingerprint(p)
    files = sorted(f for f in p.rglob("*") if f.is_file())
    return stable_hash({f.relative_to(p).as_posix(): file_fingerprint(f) for f in files})


def without(params: Mapping[str, Any], paths: Iterable[str]) -> dict[str, Any]:
    """A deep copy of `params` less the dotted `paths` (absent ones are ignored)."""
    out = json.loads(json.dumps(params, default=str))
    for dotted in paths:
        *parents, last = dotted.split(".")
        tree = out
        for part in parents:
            tree = tree.get(part) if isinstance(tree, dict) else None
        if isinstance(tree, dict):
            tree.pop(last, None)
    return out


@dataclass(frozen=True, eq=False)
class Node:
    """One stage invocation. `inputs` maps a role name (e.g. `teacher:entity`) to an upstream node."""

    stage: str
    params: Mapping[str, Any]
    seed: int | None = None
    lang: str | None = None
    inputs: Mapping[str, Node] = field(default_factory=dict)
    data: Mapping[str, str] = field(default_factory=dict)  # role -> file fingerprint
    label: str = ""
    version: int | None = None  # None: the stage's recorded code version (xner.core.engine.fingerprint)
    # dotted params that are where a file lives, not what it holds: left out of the key, because
    # `data` carries the content's fingerprint (a copy of the data elsewhere shares every node)
    locations: tuple[str, ...] = ()

    @property
    def code_version(self) -> int:
        return self.version if self.version is not None else code_version(self.stage)

    def _hash(self, with_code: bool) -> str:
        body: dict[str, Any] = {
            "stage": self.stage,
            "params": without(self.params, self.locations),
            "seed": self.seed,
            "inputs": {role: (n.key if with_code else n.base_key) for role, n in sorted(self.inputs.items())},
            "data": dict(sorted(self.data.items())),
        }
        if with_code:
            body["version"] = self.code_version
        return stable_hash(body)

    @cached_property
    def key(self) -> str:
        """Everything that decides the output, this stage's and every upstream stage's code version too."""
        return self._hash(with_code=True)

    @cached_property
    def base_key(self) -> str:
        """The key without any code version: equal for the same node trained by other code."""
        return self._hash(with_code=False)

    @property
    def name(self) -> str:
        return self.label or self.stage

    def __repr__(self) -> str:
        return f"Node({self.name}, lang={self.lang}, seed={self.seed}, key={self.key})"


def topological(nodes: Iterable[Node]) -> list[Node]:
    """Every reachable node once, upstream first; duplicates (same key) collapse into one."""
    seen: dict[str, Node] = {}

    def visit(n: Node) -> None:
        if n.key in seen:
            return
        for up in n.inputs.values():
            visit(up)
        seen[n.key] = n

    for n in nodes:
        visit(n)
    return list(seen.values())


@dataclass
class PlanRow:
    node: Node
    cached: bool
    other_code: str | None = None  # key of the same node trained by other code, when not cached


@dataclass
class Plan:
    rows: list[PlanRow]
    naive: int  # nodes a run without sharing would train: sum over targets of their graph sizes

    @property
    def to_run(self) -> int:
        return sum(not r.cached for r in self.rows)

    @property
    def cached(self) -> int:
        return sum(r.cached for r in self.rows)

    @property
    def other_code(self) -> int:
        """Nodes to run that the store holds as trained by other code (reusable knowingly)."""
        return sum(r.other_code is not None for r in self.rows)


def make_plan(targets: Iterable[Node], store: Store) -> Plan:
    targets = list(targets)
    naive = sum(len(topological([t])) for t in targets)
    rows = []
    for n in topological(targets):
        cached = store.has(n.stage, n.key)
        rows.append(PlanRow(n, cached, None if cached else store.other_code(n.stage, n.base_key)))
    return Plan(rows, naive)


StageFn = Callable[["StageContext"], dict[str, Any]]


@dataclass
class StageContext:
    """What a stage function sees: its node, a private output dir, upstream dirs and manifests."""

    node: Node
    out: Path
    store: Store
    services: Any  # run-wide objects (device, tokenizer cache, data loaders); set by the runner

    def input_dir(self, role: str) -> Path:
        up = self.node.inputs[role]
        return self.store.path(up.stage, up.key)

    def input_manifest(self, role: str) -> dict[str, Any]:
        up = self.node.inputs[role]
        return self.store.manifest(up.stage, up.key)


class StageFailed(RuntimeError):
    """A stage raised; `node` says which, `__cause__` holds the original exception."""

    def __init__(self, node: Node) -> None:
        self.node = node
        super().__init__(f"stage {node.name} (lang={node.lang}, seed={node.seed}, key={node.key}) failed")


@dataclass
class RunSummary:
    ran: list[Node] = field(default_factory=list)
    cached: list[Node] = field(default_factory=list)
    seconds: float = 0.0


def _stale(node: Node, store: Store) -> bool:
    """A cached node whose upstream node was rebuilt with other content (a damaged node rebuilt on
    non-deterministic hardware, say) is quarantined: its result came from inputs that no longer exist."""
    recorded = store.manifest(node.stage, node.key).get("inputs_content", {})
    for role, up in node.inputs.items():
        now = content_digest(store.manifest(up.stage, up.key))
        if recorded.get(role) != now:
            store.quarantine(node.stage, node.key, f"its input {role} ({up.name}) now has other content "
                             f"({now}, built from {recorded.get(role)})")
            return True
    return False


def build(node: Node, store: Store, stages: Mapping[str, StageFn], services: Any = None,
          on_start: Callable[[Node], None] | None = None) -> dict[str, Any] | None:
    """Build one node whose inputs are in the store, under its claim: the new manifest, or None
    when another worker published the node while this one waited for its claim."""
    if node.stage not in stages:
        raise KeyError(f"no stage function for {node.stage!r}; known: {', '.join(sorted(stages))}")
    lock = claim(store.lock_path(node.stage, node.key), lambda: store.has(node.stage, node.key),
                 on_wait=lambda who: log.info("waiting for %s (%s): %s:%s is building it", node.name,
                                              node.key, who.get("host"), who.get("pid")))
    if lock is None:
        return None
    with lock:
        tmp = store.begin(node.stage, node.key)
        try:  # from here to the rename, any way out removes the partial node (a signal may land anywhere)
            manifest = _run_stage(node, tmp, store, stages, services, on_start)
            store.commit(node.stage, node.key, tmp, manifest)
        except BaseException:
            store.abort(tmp)
            raise
        audit = os.environ.get("XNER_BUILD_LOG")  # one line per build: audits exactly-once on a cluster
        if audit:
            with open(audit, "a") as f:
                gpus = os.environ.get("CUDA_VISIBLE_DEVICES", "-") or "-"
                f.write(f"{node.stage} {node.key} {socket.gethostname()} {os.getpid()} gpus={gpus}\n")
        return store.manifest(node.stage, node.key)


def _run_stage(node: Node, tmp: Path, store: Store, stages: Mapping[str, StageFn], services: Any,
               on_start: Callable[[Node], None] | None) -> dict[str, Any]:
    """Run the stage into `tmp` and return the manifest to commit."""
    if on_start:
        on_start(node)
    log.info("running %s (lang=%s seed=%s key=%s)", node.name, node.lang, node.seed, node.key)
    started = time.perf_counter()
    try:
        result = stages[node.stage](StageContext(node, tmp, store, services))
    except Pruned:  # a search trial stopped between epochs: passed on as it is
        raise
    except Exception as exc:
        raise StageFailed(node) from exc
    return {
        "stage": node.stage,
        "label": node.name,
        "key": node.key,
        "base_key": node.base_key,
        "code_version": node.code_version,
        "lang": node.lang,
        "seed": node.seed,
        "params": dict(node.params),
        "inputs": {role: up.key for role, up in node.inputs.items()},
        "inputs_content": {role: content_digest(store.manifest(up.stage, up.key))
                           for role, up in node.inputs.items()},
        "device": str(getattr(services, "device", "")) or None,
        "seconds": round(time.perf_counter() - started, 3),
        "result": result,
    }


def cached(node: Node, store: Store, reuse_other_code: bool = False) -> bool:
    """Whether the store serves `node` (adopting a copy trained by other code when asked to)."""
    old = None if store.has(node.stage, node.key) or not reuse_other_code else \
        store.other_code(node.stage, node.base_key)
    if old is not None:
        store.adopt(node.stage, node.key, old, node.code_version)
    return store.has(node.stage, node.key) and not _stale(node, store)


def execute(
    targets: Iterable[Node],
    store: Store,
    stages: Mapping[str, StageFn],
    services: Any = None,
    on_done: Callable[[Node, dict[str, Any], bool], None] | None = None,
    on_start: Callable[[Node], None] | None = None,
    reuse_other_code: bool = False,
) -> RunSummary:
    """Run every node that is not in the store, upstream first; a finished node is never redone, and
    a node another worker is building is waited for, not built twice.

    `on_done(node, manifest, was_cached)` is called for every node, cached or not, so a tracker can give
    each run its stage metrics even when they came from the cache. `reuse_other_code` serves a node
    that the store holds as trained by other code (same config, seed, inputs and data) instead of
    retraining it; its manifest records `adopted_from`.
    """
    summary = RunSummary()
    t0 = time.perf_counter()
    for node in topological(targets):
        check_stop()
        manifest = None if cached(node, store, reuse_other_code) else \
            build(node, store, stages, services, on_start)
        (summary.cached if manifest is None else summary.ran).append(node)
        if on_done:
            on_done(node, manifest or store.manifest(node.stage, node.key), manifest is None)
    summary.seconds = time.perf_counter() - t0
    return summary
