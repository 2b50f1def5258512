"""bf16 autocast against fp32 on a CUDA GPU, on the tiny demo TransAdv: same seed, both precisions;
then bf16 with `train.packing` (varlen attention) against bf16 without.

Why: `precision: auto` trains in bf16 on a GPU that has it, and node keys hold the resolved precision,
so the two must be different nodes (never served for each other) whose F1 agree within noise. Prints
one JSON line per precision (F1, seconds, the source node's key, the device in its manifest) and the
gap. Run on a GPU machine: `python -m benchmarks.gpu_parity OUT_DIR`.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from pathlib import Path

from xner.core import runner
from xner.core.demo.write import write_demo_corpus
from xner.core.engine.graph import topological

# (name, precision, extra --set): fp32, bf16 where the GPU has it, and bf16 with packed sequences
RUNS = (("fp32", "fp32", ()), ("auto", "auto", ()), ("auto+packing", "auto", ("train.packing=true",)))
DEMO = Path(__file__).resolve().parents[1] / "experiments" / "demo" / "transadv.yaml"


def run(out: Path) -> dict:
    import os

    import xner.registry  # noqa: F401

    data = out / "demo-data"
    write_demo_corpus(data)
    os.environ["XNER_DEMO_DATA"] = str(data)
    found: dict = {}
    for name, precision, extra in RUNS:
        sets = ["seeds=[1]", "data.target_langs=[es]",
                f"precision={precision}", f"store={out / 'store'}", *extra]
        exp = runner.build(DEMO, sets, device="cuda")
        t0 = time.perf_counter()
        _, results = runner.run(exp)
        row = results[("base", "es")][0]
        src = next(n for n in topological([t.node for t in exp.targets]) if n.stage == "source")
        found[name] = {"resolved": exp.configs["base"].precision, "dev_f1": row["dev_f1"],
                            "test_f1": row["test_f1"], "seconds": round(time.perf_counter() - t0, 1),
                            "source_key": src.key,
                            "device": exp.store.manifest("source", src.key)["device"]}
        sys.stdout.write(json.dumps({name: found[name]}) + "\n")
    found["keys_differ"] = len({found[n]["source_key"] for n, _, _ in RUNS}) == len(RUNS)
    found["test_f1_gap"] = round(found["auto"]["test_f1"] - found["fp32"]["test_f1"], 2)
    found["packing_test_f1_gap"] = round(found["auto+packing"]["test_f1"] - found["auto"]["test_f1"], 2)
    return found


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "gpu-check-out")
    target.mkdir(parents=True, exist_ok=True)
    result = run(target)
    (target / "parity.json").write_text(json.dumps(result, indent=1))
    keys = ("keys_differ", "test_f1_gap", "packing_test_f1_gap")
    sys.stdout.write(json.dumps({k: result[k] for k in keys}) + "\n")
