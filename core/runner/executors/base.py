"""The one interface every executor implements, so that adding one is a file and a registration.

An executor receives a built experiment and a collector. It builds each target's missing nodes
(`engine.graph.execute` or `build` under the store's claims), hands every (variant, language, seed)
outcome to `collector.add` as soon as it is known, and raises only under `fail_fast`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ..experiment import Collector, Experiment


class Executor(Protocol):
    """`@EXECUTORS.register(name)` on a function of this shape makes `--executor name` run it."""

    def __call__(self, exp: Experiment, collector: Collector, fail_fast: bool,
                 address: str | None = None) -> None: ...
