"""`xner demo` (what `make demo` runs): generate the multilingual demo corpus, then run the TransAdv
Table 3 ablation on it with a tiny encoder and five seeds, log everything to MLflow, and print the
per-language F1, the ablation table and the command that opens the MLflow UI."""

from __future__ import annotations

import importlib.util
import logging
import os
import sys
import time
from pathlib import Path

log = logging.getLogger(__name__)


def shipped_experiments() -> Path:
    """The shipped `experiments/` folder: beside `core/` in a checkout, `xner/experiments` in a wheel."""
    spec = importlib.util.find_spec("xner.experiments")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("xner.experiments is not installed: reinstall xner")
    return Path(next(iter(spec.submodule_search_locations)))


EXPERIMENT = shipped_experiments() / "ablations/demo/transadv-table3.yaml"


def run_demo(out_dir: str = "demo-out", seeds: list[int] | None = None, tracking_uri: str | None = None,
             track: bool = True, experiment: str | Path = EXPERIMENT, overrides: list[str] | None = None
             ) -> int:
    from ..demo.write import write_demo_corpus
    from . import run as ablate

    t0 = time.perf_counter()
    out = Path(out_dir).resolve()
    write_demo_corpus(out / "data")
    os.environ["XNER_DEMO_DATA"] = str(out / "data")
    os.environ["XNER_DEMO_STORE"] = str(out / "store")
    overrides = [*([f"seeds={list(seeds)}"] if seeds else []), *(overrides or [])]
    result = ablate.execute(experiment, overrides, ablate=True, track=track, tracking_uri=tracking_uri,
                            command="demo")
    sys.stdout.write("\n" + ablate.report(result, tracking_uri) + "\n")
    sys.stdout.write(f"demo finished in {time.perf_counter() - t0:.0f}s; corpus and store in {out}\n")
    failed = any("error" in r for rows in result.results.values() for r in rows)
    return 1 if failed else 0
