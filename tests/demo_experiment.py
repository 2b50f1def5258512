"""A small demo corpus plus an experiment file extending the demo TransAdv, for tests that run real
(tiny) training through the CLI-level entry points: one writer instead of a copy per test file."""

from __future__ import annotations

from pathlib import Path

from xner.core.demo.write import write_demo_corpus

DEMO = Path(__file__).resolve().parents[1] / "experiments" / "demo" / "transadv.yaml"
TINY = ["seeds=[1]", "data.target_langs=[es]", "train.epochs=1", "train.teacher_epochs=1",
        "train.distill_epochs=1", "encoder.tiny.hidden=32", "encoder.tiny.vocab_size=400"]


def tiny_experiment(tmp: Path, body: str = "", variants: str = "", train: int = 60, evaluation: int = 20
                    ) -> Path:
    """`tmp/data` (en/es/de with `train` and `evaluation` sentences per split), `tmp/store`, and
    `tmp/exp.yaml` = the demo TransAdv plus `body`, its variants replaced by `variants` (YAML lines
    such as `"  w/o Θorder: {teachers.order.weight: 0}\n"`)."""
    sizes = {"train": train, "dev": evaluation, "test": evaluation}
    write_demo_corpus(tmp / "data", sizes={lang: sizes for lang in ("en", "es", "de")})
    exp = tmp / "exp.yaml"
    exp.write_text(f"extends: {DEMO}\ndata: {{root: {tmp / 'data'}}}\nstore: {tmp / 'store'}\n"
                   f"{body}variants:\n  hybrid: null\n{variants}")
    return exp
