"""xner models in MLflow: an export (a seed's student: `log_seed_model`) logged as a pyfunc model
linked to its seed run, put in the registry under a name and an alias, and read back by
`models:/NAME@alias` for `xner predict`.

Why a custom pyfunc and not `mlflow.transformers`: the transformers flavour decodes by argmax (invalid
IOB2, other spans than xner's), returns tags without offsets and raises on a sentence with no entity.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError

if TYPE_CHECKING:
    from ..runner.experiment import Experiment, Outcome

log = logging.getLogger(__name__)

CODE = Path(__file__).with_name("ner_pyfunc.py")
EXPORT_ARTIFACT = "export"
# what the model needs at load time; explicit, since inference would pin torchvision and more
_REQUIREMENTS = ("torch", "transformers", "tokenizers", "safetensors", "numpy", "pyarrow", "seqeval",
                 "pydantic", "mlflow")
EXAMPLE = [{"text": "Angela Merkel besuchte am Montag Paris ."},
           {"tokens": ["Real", "Madrid", "gewann", "."]}]


def requirements() -> list[str]:
    pins = []
    for name in _REQUIREMENTS:
        try:
            pins.append(f"{name}=={version(name)}")
        except PackageNotFoundError:
            pins.append(name)
    return pins


EXPORTS_EXPERIMENT = "xner-exports"  # where `xner export --register` logs a model that has no seed run


def _stage_code(into: Path) -> Path:
    """A copy of the `xner` package (core only: registry/ and the experiments are not needed to
    predict) for MLflow's `code_paths`, so the model loads where xner is not installed."""
    from .. import __file__ as core_init

    core = Path(core_init).parent
    pkg = into / "xner"
    shutil.copytree(core, pkg / "core", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    (pkg / "__init__.py").write_text('"""xner, as carried inside an MLflow model (core only)."""\n')
    return pkg


def log_ner_model(export_dir: str | Path, run_id: str | None = None, name: str = "ner-model",
                  registered_name: str | None = None, params: dict[str, Any] | None = None,
                  tracking_uri: str | None = None) -> Any:
    """Log `export_dir` as a pyfunc model, inside run `run_id` (linked to it) or a new run; register
    it under `registered_name` when given. Returns MLflow's ModelInfo."""
    import mlflow

    if tracking_uri is not None:
        mlflow.set_tracking_uri(tracking_uri)

    exp = None
    if run_id is None:  # a run of its own, in an experiment whose artifacts sit beside a local database
        from .experiments import experiment_id

        uri = mlflow.get_tracking_uri()
        exp = experiment_id(mlflow.MlflowClient(uri), EXPORTS_EXPERIMENT, uri)
    with tempfile.TemporaryDirectory() as tmp, mlflow.start_run(run_id=run_id, experiment_id=exp) as run:
        info = mlflow.pyfunc.log_model(
            name=name, python_model=str(CODE), artifacts={EXPORT_ARTIFACT: str(export_dir)},
            code_paths=[str(_stage_code(Path(tmp)))], pip_requirements=requirements(),
            input_example=EXAMPLE, registered_model_name=registered_name, params=params)
        log.info("logged model %s in run %s", info.model_uri, run.info.run_id)
    return info


def log_seed_model(exp: Experiment, outcome: Outcome, run: str, tracking_uri: str) -> None:
    """A seed's student as an MLflow model in its seed run (`tracking.log_models`); an ensemble or a
    head HF cannot hold is said and skipped, never a failed run."""
    from ..inference.export import ExportError, export_model
    from ..runner.experiment import row_name
    from ..runner.stored import stored_model

    try:
        found = stored_model(exp, outcome.target)
        predictor = found.predictor(str(exp.device))
        with tempfile.TemporaryDirectory() as tmp:
            out, _ = export_model(predictor.model, predictor.tokenizer, found.decoding,
                                  {**found.provenance(), "run_id": run}, Path(tmp) / "export")
            log_ner_model(out, run_id=run, tracking_uri=tracking_uri)
    except ExportError as exc:
        t = outcome.target
        log.warning("%s · %s · seed %d: not logged as a model: %s", row_name(exp, t.variant), t.lang,
                    t.seed, exc)


def set_alias(name: str, alias: str, version_: str | int) -> None:
    from mlflow import MlflowClient

    MlflowClient().set_registered_model_alias(name, alias, str(version_))


def run_tags(run_id: str) -> dict[str, str]:
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    try:
        return dict(MlflowClient().get_run(run_id).data.tags)
    except MlflowException as exc:
        raise ConfigError(f"no MLflow run {run_id!r} at {_uri()}: {exc.message}") from exc


def download_export(uri: str, tracking_uri: str | None = None) -> Path:
    """The export directory inside a logged xner model (`models:/NAME@alias`, `runs:/ID/name`)."""
    import mlflow
    from mlflow.exceptions import MlflowException

    if tracking_uri is not None:
        mlflow.set_tracking_uri(tracking_uri)

    try:
        local = Path(mlflow.artifacts.download_artifacts(artifact_uri=uri))
    except MlflowException as exc:
        raise ConfigError(f"model {uri!r} not found at {_uri()}: {exc.message}") from exc
    found = local / "artifacts" / EXPORT_ARTIFACT
    if not (found / "config.json").is_file():
        raise ConfigError(f"{uri} is not an xner model (no artifacts/{EXPORT_ARTIFACT}/config.json in it)")
    return found


def _uri() -> str:
    import mlflow

    return mlflow.get_tracking_uri()
