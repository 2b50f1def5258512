"""What the MLflow 3 UI reads to open an xner experiment on its results instead of the GenAI pages.

* The experiment tag `mlflow.experimentKind = custom_model_development` and the URL parameter
  `workflowType=machine_learning` put the UI in its model-training view (runs list, charts), not the
  Traces/Latency dashboard it shows an experiment of unknown kind.
* A *shared view* (the UI's "Share" button stores one as the experiment tag
  `mlflow.sharedViewState.<key>` and opens it with `?viewStateShareKey=<key>`) selects the columns:
  variant, language, seed and the F1s, instead of the first of 200 params.
* The parent run's description (`mlflow.note.content`) holds the ablation table in markdown, so its
  Overview page shows it.
Read from the UI bundle of mlflow 3.x (`mlflow/server/js`); `tests/tracking/test_mlflow_ui.py` renders the
pages in headless Chromium and checks what they show.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

KIND_TAG, KIND = "mlflow.experimentKind", "custom_model_development"
VIEW_TAG = "mlflow.sharedViewState.xner-results"
NOTE_TAG = "mlflow.note.content"
WORKFLOW = {"workflowType": "machine_learning"}

# Tags set on every group and seed run, and the metrics of each level (runner.METRICS + means).
_TAGS = ("variant", "language", "seed")
_METRICS = ("test_f1", "dev_f1", "test_strict_f1", "dev_strict_f1")
_SUMMARY = ("test_f1_mean", "test_f1_std", "dev_f1_mean", "dev_f1_std", "seeds_ok")
# The UI folds child runs under their parent and a shared view cannot unfold them, so each view lists
# one level itself: the summary the group runs (a row per variant x language: the seeds' mean and std,
# rounded), the seeds view the seed runs. Both sort by the `xner.order` tag: the table's row order.
SEED_RUNS = "tags.`xner.level` = 'seed'"
GROUP_RUNS = "tags.`xner.level` = 'group'"
VIEW_KEY, SEEDS_KEY = "xner-results", "xner-seeds"
SEEDS_TAG = f"mlflow.sharedViewState.{SEEDS_KEY}"


def column(kind: str, name: str) -> str:
    """The UI's canonical column key: `tags.\\`variant\\``, `metrics.\\`test_f1\\``."""
    return f"{kind}.`{name}`"


def _view(search: str, tags: tuple[str, ...], metrics: tuple[str, ...]) -> dict[str, Any]:
    columns = [column("tags", t) for t in tags] + [column("metrics", m) for m in metrics]
    return {"orderByKey": column("tags", "xner.order"), "orderByAsc": True, "searchFilter": search,
            "selectedColumns": columns, "columnOrder": columns, "runListHidden": False,
            "viewMaximized": False}


def view_state() -> dict[str, Any]:
    """The summary: one row per variant x language (its group run), in the table's order."""
    return _view(GROUP_RUNS, ("variant", "language"), _SUMMARY)


def seeds_view_state() -> dict[str, Any]:
    """Every seed run, exactly one row each, in the table's order."""
    return _view(SEED_RUNS, _TAGS, _METRICS)


def prepare_experiment(client: Any, experiment_id: str, description: str | None = None) -> None:
    """Tag the experiment as model training and store the results views (idempotent)."""
    client.set_experiment_tag(experiment_id, KIND_TAG, KIND)
    client.set_experiment_tag(experiment_id, VIEW_TAG, json.dumps(view_state()))
    client.set_experiment_tag(experiment_id, SEEDS_TAG, json.dumps(seeds_view_state()))
    if description:
        client.set_experiment_tag(experiment_id, NOTE_TAG, description)


def experiment_url(base: str, experiment_id: str, seeds: bool = False) -> str:
    """The runs list in the model-training view: the summary, or with `seeds` every seed run."""
    query = urlencode({**WORKFLOW, "viewStateShareKey": SEEDS_KEY if seeds else VIEW_KEY})
    return f"{base.rstrip('/')}/#/experiments/{experiment_id}/runs?{query}"


def run_url(base: str, experiment_id: str, run_id: str) -> str:
    return f"{base.rstrip('/')}/#/experiments/{experiment_id}/runs/{run_id}?{urlencode(WORKFLOW)}"


def run_note(title: str, table_markdown: str, command: str = "") -> str:
    """The parent run's Overview description: the ablation table and how it was made."""
    lines = [f"### {title}", "", table_markdown.rstrip()]
    if command:
        lines += ["", f"`{command}`"]
    return "\n".join(lines) + "\n"
