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
VIEW_KEY = "xner-results"
VIEW_TAG = f"mlflow.sharedViewState.{VIEW_KEY}"
NOTE_TAG = "mlflow.note.content"
WORKFLOW = {"workflowType": "machine_learning"}

# Tags set on every group and seed run, and the metrics of each level (runner.METRICS + means).
_TAGS = ("variant", "language", "seed")
_METRICS = ("test_f1", "dev_f1", "test_strict_f1", "dev_strict_f1")
# The UI folds child runs under their parent and a shared view cannot unfold them, so the view lists
# the seed runs themselves (clear the filter in the UI for the parent -> group -> seed tree).
SEED_RUNS = "tags.`xner.level` = 'seed'"


def column(kind: str, name: str) -> str:
    """The UI's canonical column key: `tags.\\`variant\\``, `metrics.\\`test_f1\\``."""
    return f"{kind}.`{name}`"


def view_state() -> dict[str, Any]:
    """The runs list: the seed runs, newest first, with the result columns."""
    columns = [column("tags", t) for t in _TAGS] + [column("metrics", m) for m in _METRICS]
    return {"orderByKey": "attributes.start_time", "orderByAsc": False, "searchFilter": SEED_RUNS,
            "selectedColumns": columns, "columnOrder": columns, "runListHidden": False,
            "viewMaximized": False,
            # one row per variant x language with the seeds' average F1, unfolding to the seeds
            "groupBy": {"aggregateFunction": "average",
                        "groupByKeys": [{"mode": "tag", "groupByData": "variant"},
                                        {"mode": "tag", "groupByData": "language"}]}}


def prepare_experiment(client: Any, experiment_id: str, description: str | None = None) -> None:
    """Tag the experiment as model training and store the results view (idempotent)."""
    client.set_experiment_tag(experiment_id, KIND_TAG, KIND)
    client.set_experiment_tag(experiment_id, VIEW_TAG, json.dumps(view_state()))
    if description:
        client.set_experiment_tag(experiment_id, NOTE_TAG, description)


def experiment_url(base: str, experiment_id: str) -> str:
    """The runs list in the model-training view with the results columns."""
    query = urlencode({**WORKFLOW, "viewStateShareKey": VIEW_KEY})
    return f"{base.rstrip('/')}/#/experiments/{experiment_id}/runs?{query}"


def run_url(base: str, experiment_id: str, run_id: str) -> str:
    return f"{base.rstrip('/')}/#/experiments/{experiment_id}/runs/{run_id}?{urlencode(WORKFLOW)}"


def run_note(title: str, table_markdown: str, command: str = "") -> str:
    """The parent run's Overview description: the ablation table and how it was made."""
    lines = [f"### {title}", "", table_markdown.rstrip()]
    if command:
        lines += ["", f"`{command}`"]
    return "\n".join(lines) + "\n"
