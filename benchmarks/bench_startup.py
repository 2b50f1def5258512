"""Start-up of a command: `import xner.core.cli.main` in a fresh interpreter, against the same import
with what it no longer loads put back in front: scikit-learn and scipy.stats (seqeval's and rankdata's
imports moved into the functions that compute a report or an AUC), then transformers' model classes
(imported where an encoder is built, no longer by the encoder module and the tiny-encoder registry).

Every CLI subprocess, Ray worker and search worker pays this; the two are timed alternately, best of
`repeats`, so a busy machine slows both alike.
Run: `python -m benchmarks.bench_startup [--repeats 5]`
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

NOW = "import xner.core.cli.main"
EAGER = "import seqeval.metrics, scipy.stats; import xner.core.cli.main"
BEFORE = ("import seqeval.metrics, scipy.stats; from transformers import AutoConfig, AutoModel, "
          "AutoTokenizer, BertModel, PreTrainedModel; import xner.core.cli.main")


def _seconds(code: str) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - t0


def run(repeats: int = 5) -> list[str]:
    _seconds(NOW)  # the first start reads every .pyc from disk: not what a second command pays
    best = {NOW: float("inf"), EAGER: float("inf"), BEFORE: float("inf")}
    for _ in range(repeats):
        for code in best:
            best[code] = min(best[code], _seconds(code))
    return [f"xner.core.cli.main import: {best[NOW]:.2f} s; with scikit-learn and scipy.stats loaded "
            f"first: {best[EAGER]:.2f} s ({best[EAGER] / best[NOW]:.2f}x); with transformers' model "
            f"classes too, as before: {best[BEFORE]:.2f} s ({best[BEFORE] / best[NOW]:.2f}x)"]


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    sys.stdout.write("\n".join(run(ap.parse_args().repeats)) + "\n")
