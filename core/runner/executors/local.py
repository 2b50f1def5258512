"""The `local` executor: one (variant, language, seed) graph at a time, in this process, in grid order."""

from __future__ import annotations

import traceback
from typing import Any

import torch

from ...engine.graph import Node, StageFailed, execute, topological
from ...engine.progress import GridProgress, LiveView, describe
from ...models.device import enable_tf32
from ...plugins import EXECUTORS
from ...stages import STAGES
from ..experiment import Collector, Experiment, Outcome, Target, plan, row_name, services_for


@EXECUTORS.register("local")
def run_local(exp: Experiment, collector: Collector, fail_fast: bool, address: str | None = None) -> None:
    """Every target in grid order, in this process, on `execution.threads` torch threads."""
    if exp.device.type == "cuda":
        enable_tf32()
    threads, before = next(iter(exp.configs.values())).execution.threads, torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    try:
        _local_targets(exp, collector, fail_fast)
    finally:
        torch.set_num_threads(before)  # the process's setting again, whatever runs next in it


def _local_targets(exp: Experiment, collector: Collector, fail_fast: bool) -> None:
    store = exp.store
    services = services_for(exp)
    failed: dict[str, str] = {}  # node key -> error text
    prog = GridProgress([r.node for r in plan(exp).rows if not r.cached])
    view = LiveView(prog.total)
    hooks = collector.hooks
    now: dict[str, Any] = {}  # the node being built and the variant it is built for

    def show() -> None:
        node = now.get("node")
        running = [describe(node, now["variant"], store.partial(node.stage, node.key))] if node else []
        prog.update(running)
        view.show(prog, running)

    def started(node: Node, t: Target) -> None:
        prog.start(node)
        now.update(node=node, variant=row_name(exp, t.variant))
        show()

    def built(node: Node, _manifest: Any, was_cached: bool) -> None:
        if not was_cached:
            prog.finish(node)
            now.pop("node", None)
            view.advance()
            show()

    for t in exp.targets:
        out = Outcome(t)
        if hooks is not None:  # the seed run exists while its stages train: live curves
            hooks.target_started(exp, t)

        def on_epoch(node: Node, epoch: int, metrics: dict[str, float], t: Target = t) -> None:
            show()  # the epoch and dev F1 as the stage recorded them in its partial node
            if hooks is not None:
                hooks.epoch_done(exp, t, node, epoch, metrics)

        services.on_epoch = on_epoch
        broken = next((n for n in topological([t.node]) if n.key in failed), None)
        if broken is not None:
            out.error = f"upstream node {broken.name} failed:\n{failed[broken.key]}"
        else:
            try:
                s = execute([t.node], store, STAGES, services, on_done=built,
                            on_start=lambda n, t=t: started(n, t), reuse_other_code=exp.reuse_other_code)
                out.ran, out.cached = s.ran, s.cached
                out.result = store.manifest(t.node.stage, t.node.key)["result"]
            except StageFailed as exc:
                if fail_fast:
                    raise
                text = "".join(traceback.format_exception(exc.__cause__ or exc))
                failed[exc.node.key] = text
                out.error = f"{exc}\n{text}"
        collector.add(out)
    view.close()


