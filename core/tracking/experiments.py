"""MLflow experiments as xner creates them: a new experiment on a local sqlite database keeps its
artifacts beside that database, never in `./mlruns` of whatever folder a command ran from."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any


def artifact_location(uri: str, experiment: str) -> str | None:
    """Where a new experiment keeps its artifacts: beside a local sqlite database, in
    `<db name>-artifacts/<experiment>/` (MLflow's default is `./mlruns` of whatever folder is current,
    which mixes unrelated databases' runs); None for a server, which has its own artifact store."""
    if not uri.startswith("sqlite:///"):
        return None
    db = Path(uri.removeprefix("sqlite:///")).expanduser().resolve()
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", experiment).strip("_") or "experiment"
    return (db.parent / f"{db.stem}-artifacts" / safe).as_uri()


def experiment_id(client: Any, name: str, uri: str) -> str:
    """The experiment `name`, created with its artifacts beside a local database if it is new."""
    found = client.get_experiment_by_name(name)
    if found is not None:
        return found.experiment_id
    return client.create_experiment(name, artifact_location=artifact_location(uri, name))
