"""Per-epoch curves from a stage that runs in another process: the one piece of tracking a Ray task
carries, so it must pickle and open its client lazily."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..engine.graph import Node
from .names import finite


@dataclass
class EpochLogger:
    """`services.on_epoch` for a stage running in another process (a Ray task): logs each epoch to
    the seed run the driver opened, under `prefix`. Picklable: the client is made in the worker, on
    the first epoch. Its first failure turns it off (Services.epoch_done)."""

    uri: str
    run_id: str
    prefix: str
    _client: Any = field(default=None, repr=False, compare=False)

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_client": None}

    def __call__(self, node: Node, epoch: int, metrics: Mapping[str, float]) -> None:
        from mlflow import MlflowClient
        from mlflow.entities import Metric

        if self._client is None:
            self._client = MlflowClient(tracking_uri=self.uri)
        now = int(time.time() * 1000)
        self._client.log_batch(self.run_id, metrics=[Metric(f"{self.prefix}/{k}", v, now, epoch)
                                                     for k, v in finite(metrics).items() if k != "epoch"])
