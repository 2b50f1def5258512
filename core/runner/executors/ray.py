"""The `ray` executor: every node missing from the store is a Ray task that depends on its upstream
nodes' tasks, so independent seeds, variants and languages run at the same time on every CPU and GPU
of a box or a cluster. Ray is the only scheduler: this module submits, waits and collects.

* Training and labelling stages ask for one GPU where the cluster has GPUs, CPUs otherwise; cheap
  stages (encoder, translate, select) one CPU. `execution.resources.<stage>` overrides either.
* A task pins torch's threads to the CPUs Ray gave it and uses the GPU Ray gave it, if any.
* A task builds its node under the node's store claim (core/engine/locks.py), so a retried task, a second
  driver or a hand-started `xner run` on the same store never builds a node twice.
* A task whose worker dies is retried by Ray (`execution.max_retries`); a stage that raises fails
  its seeds (and what needs it) and the grid goes on, as locally.
* The driver hands each target to the tracker as soon as its last node is done. Its live view (a
  terminal) or progress line (every 30 s otherwise) shows done / running / queued, the ETA, and each
  running node's variant, seed, stage, epoch, dev F1 and host, read from the store's partial nodes.
"""

from __future__ import annotations

import logging
import math
import os
import socket
import time
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...engine.graph import Node, StageFailed, build, cached, topological
from ...engine.progress import GridProgress, LiveView, describe
from ...engine.store import Store
from ...errors import check_stop
from ...plugins import EXECUTORS, load_plugins, loaded
from ..experiment import Collector, Experiment, Outcome, row_name, services_for

if TYPE_CHECKING:
    from ...config.schema import ExecutionConfig

log = logging.getLogger(__name__)

HEAVY = ("source", "teacher", "pseudo_label", "distill", "evaluate")  # a GPU where there is one
PROGRESS_S = 30.0
_TASK: Any = None


def task_options(stage: str, has_gpu: bool, execution: ExecutionConfig) -> dict[str, float]:
    spec = execution.resources.get(stage)
    cpus = spec.cpus if spec else 1.0
    gpus = spec.gpus if spec and spec.gpus is not None else (1.0 if has_gpu and stage in HEAVY else 0.0)
    return {"num_cpus": cpus, "num_gpus": gpus}


def _build_node(node: Node, root: str, cache_dir: str, on_epoch: Callable[..., None] | None,
                threads: int | None, plugins: list[str], *upstream: dict[str, Any]) -> dict[str, Any]:
    """Body of a Ray task: build `node` (inputs already in the store), or say why not."""
    import ray
    import torch

    from ...stages import STAGES
    from ...stages.services import Services

    load_plugins(plugins)  # the components the stages look up by name, as the driver has them
    where = {"host": socket.gethostname(), "pid": os.getpid(), "name": node.name}
    failed = next((u for u in upstream if u.get("error")), None)
    if failed is not None:
        return {**where, "upstream": True,
                "error": f"upstream node {failed['name']} failed:\n{failed['error']}"}
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # a "Loading weights" bar per task would flood the driver's log
    cpus = ray.get_runtime_context().get_assigned_resources().get("CPU", 1.0)
    torch.set_num_threads(threads or max(1, int(cpus)))
    gpu = bool(ray.get_gpu_ids()) and torch.cuda.is_available()  # a fake GPU resource runs on the CPU
    device = torch.device("cuda" if gpu else "cpu")
    services = Services(cache_dir=Path(cache_dir), device=device)
    services.on_epoch = on_epoch  # the driver's tracker: curves appear while this stage trains
    started = time.perf_counter()
    try:
        manifest = build(node, Store(root), STAGES, services)
    except StageFailed as exc:
        text = "".join(traceback.format_exception(exc.__cause__ or exc))
        return {**where, "error": f"{exc}\n{text}"}
    return {**where, "built": manifest is not None, "seconds": round(time.perf_counter() - started, 2),
            "device": str(device), "live": manifest is not None and services.on_epoch is not None}


def running_lines(exp: Experiment, nodes: dict[str, Node], first: dict[str, Any],
                  pending: Iterable[str]) -> list[str]:
    """A `describe` line per pending node that a live process is building, read from its partial
    node (owner, start, epoch, dev F1), so it is as true of workers on other machines."""
    out = []
    for key in pending:
        n = nodes[key]
        part = exp.store.partial(n.stage, key)
        if part is not None:
            out.append(describe(n, row_name(exp, first[key].variant), part, host=True))
    return out


def _remote() -> Any:
    global _TASK
    if _TASK is None:
        import ray

        _TASK = ray.remote(_build_node)
    return _TASK


def connect(address: str | None) -> None:
    """Join `address` ('auto', ray://host:10001) or start a local cluster over the whole machine."""
    import ray

    if ray.is_initialized():
        return
    ray.init(address=address, include_dashboard=False, log_to_driver=True,
             runtime_env={"env_vars": {"PYTHONUNBUFFERED": "1"}})
    log.info("ray: %s", {k: v for k, v in ray.cluster_resources().items() if k in ("CPU", "GPU", "memory")})


@EXECUTORS.register("ray")
def run_ray(exp: Experiment, collector: Collector, fail_fast: bool, address: str | None = None) -> None:
    """Every missing node a Ray task, on a local cluster or the one at `address` (ray://host:10001)."""
    import ray

    execution = next(iter(exp.configs.values())).execution
    connect(address)
    hooks = collector.hooks
    first: dict[str, Any] = {}  # node key -> first target needing it: credited with it, gets its curves
    graphs = {id(t): {n.key: n for n in topological([t.node])} for t in exp.targets}  # once, not per event
    for t in exp.targets:
        for key in graphs[id(t)]:
            first.setdefault(key, t)
        if hooks is not None:
            hooks.target_started(exp, t)
    has_gpu = ray.cluster_resources().get("GPU", 0) > 0
    store = exp.store
    cache_dir = str(services_for(exp).cache_dir)
    refs: dict[str, Any] = {}
    for n in topological([t.node for t in exp.targets]):
        if cached(n, store, exp.reuse_other_code):
            continue
        ups = [refs[u.key] for u in n.inputs.values() if u.key in refs]
        opts = task_options(n.stage, has_gpu, execution)
        task = _remote().options(**opts, max_retries=execution.max_retries, retry_exceptions=False,
                                 name=f"{n.name}[{n.lang},s{n.seed}]")
        on_epoch = hooks.worker_epoch_logger(first[n.key], n) if hooks is not None else None
        refs[n.key] = task.remote(n, str(store.root), cache_dir, on_epoch, execution.threads, loaded(), *ups)
    log.info("ray: %d nodes submitted (%d cached)", len(refs),
             len(topological([t.node for t in exp.targets])) - len(refs))
    by_key = {n.key: n for n in topological([t.node for t in exp.targets])}
    resources, heavy = ray.cluster_resources(), task_options("source", has_gpu, execution)
    slots = resources.get("GPU", 0) / heavy["num_gpus"] if heavy["num_gpus"] else \
        resources.get("CPU", 1) / max(heavy["num_cpus"], 1e-9)
    prog = GridProgress([by_key[k] for k in refs], every_s=PROGRESS_S, workers=int(slots))
    view = LiveView(len(refs))
    every = 1.0 if view.enabled else PROGRESS_S  # a terminal's view each second, a log line per interval
    pending = {ref: key for key, ref in refs.items()}
    done: dict[str, dict[str, Any]] = {}
    waiting = list(exp.targets)
    shown = -math.inf
    while pending or waiting:
        check_stop()
        if pending:
            ready, _ = ray.wait(list(pending), num_returns=1, timeout=every)
            for ref in ready:
                key = pending.pop(ref)
                try:
                    done[key] = ray.get(ref)
                except Exception as exc:  # the worker died more often than max_retries allows
                    done[key] = {"name": key, "error": f"ray task failed: {type(exc).__name__}: {exc}"}
                info = done[key]
                if info.get("error") and not info.get("upstream"):
                    if fail_fast:
                        raise RuntimeError(info["error"])
                    log.error("node %s failed on %s", info.get("name"), info.get("host", "?"))
                elif info.get("built"):
                    prog.finish(by_key[key], float(info.get("seconds") or 0.0))
                    log.debug("node %s built on %s (pid %s, %s) in %ss%s", info["name"], info["host"],
                              info["pid"], info["device"], info["seconds"],
                              ", curves live" if info["live"] else "")
                view.advance()
        # the running nodes' partial directories (a glob per pending node) at most once a second
        # however fast cached or tiny nodes finish
        if time.monotonic() - shown >= every:
            shown = time.monotonic()
            running = running_lines(exp, by_key, first, pending.values())
            prog.update(running)  # the plain line, when no terminal shows the view
            view.show(prog, running)
        for t in list(waiting):
            nodes = graphs[id(t)]
            keys = list(nodes)
            if any(k in refs and k not in done for k in keys):
                continue
            waiting.remove(t)
            out = Outcome(t)
            out.ran = [nodes[k] for k in keys if done.get(k, {}).get("built") and first[k] is t]
            out.cached = [nodes[k] for k in keys if nodes[k] not in out.ran]
            out.live = {k for k in keys if done.get(k, {}).get("live") and first[k] is t}
            errors = [done[k]["error"] for k in keys if done.get(k, {}).get("error")]
            if errors:
                out.error = errors[0]
            else:
                out.result = store.manifest(t.node.stage, t.node.key)["result"]
            collector.add(out)
    view.close()
