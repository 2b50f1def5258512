"""The maths and checks of a search without running one: the teacher-weight simplex, the pruning
steps, the dead-worker rule, the space checks and the best trial's YAML."""

from __future__ import annotations

import datetime as dt
import os
import random
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from demo_experiment import TINY, tiny_experiment
from hypothesis import given
from hypothesis import strategies as st

from xner.core import runner
from xner.core.config.loader import load_experiment
from xner.core.engine.graph import topological
from xner.core.engine.locks import process_start
from xner.core.errors import ConfigError, Pruned
from xner.core.search.runs import redact, write_best
from xner.core.search.space import Reporter, check_space, dead_reason, simplex

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"
unit = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


@given(st.lists(unit, min_size=2, max_size=6))
def test_simplex_weights_are_non_negative_and_sum_to_one(u: list[float]) -> None:
    w = simplex(u)
    assert len(w) == len(u) and all(x >= 0 for x in w)
    assert sum(w) == pytest.approx(1.0)


@given(st.lists(unit, min_size=2, max_size=6), st.integers(0, 5), unit)
def test_a_larger_u_never_gives_a_smaller_weight(u: list[float], i: int, bump: float) -> None:
    i %= len(u)
    higher = [*u]
    higher[i] = max(u[i], bump)
    assert simplex(higher)[i] >= simplex(u)[i] - 1e-12


def test_simplex_is_the_flat_dirichlet() -> None:
    """Uniform u -> every point of the simplex equally likely: each weight has mean 1/n, and for
    n = 2 the first weight is itself uniform on [0, 1]."""
    rng = random.Random(0)
    draws = [simplex([rng.random() for _ in range(4)]) for _ in range(20000)]
    for k in range(4):
        assert sum(d[k] for d in draws) / len(draws) == pytest.approx(0.25, abs=0.01)
    pairs = [simplex([rng.random(), rng.random()])[0] for _ in range(20000)]
    for q in (0.1, 0.25, 0.5, 0.9):
        assert sum(p < q for p in pairs) / len(pairs) == pytest.approx(q, abs=0.015)
    assert simplex([0.3, 0.3, 0.3]) == pytest.approx([1 / 3] * 3)
    assert simplex([0.0, 0.0]) == [0.5, 0.5]  # no information: equal weights, not a division by 0


class FakeTrial:
    number = 7

    def __init__(self, prune_from: int | None = None) -> None:
        self.reports: list[tuple[float, int]] = []
        self.prune_from = prune_from

    def report(self, value: float, step: int) -> None:
        self.reports.append((value, step))

    def should_prune(self) -> bool:
        return self.prune_from is not None and self.reports[-1][1] >= self.prune_from


def test_pruning_steps_count_epochs_through_stages_and_targets(tmp_path: Path) -> None:
    exp_path = tiny_experiment(tmp_path)
    sets = ["seeds=[1, 2]", "data.target_langs=[es]", "train.epochs=3", "train.teacher_epochs=2",
            "train.distill_epochs=4"]
    exp = runner.build(exp_path, sets, [], include_base=True)
    trial = FakeTrial()
    reporter = Reporter(trial)
    expected = 0
    for target in exp.targets:
        for node in topological([target.node]):
            if node.stage not in ("source", "teacher", "distill"):
                reporter(exp, target, node, 1, {"dev_f1": 50.0})  # not training: never reported
                continue
            for epoch in range(1, node.params["train"]["epochs"] + 1):
                reporter(exp, target, node, epoch, {"dev_f1": 40.0 + epoch, "source_dev_f1": 90.0})
                expected += 1
    steps = [s for _, s in trial.reports]
    assert steps == list(range(expected))  # one step per epoch, none twice, none skipped
    assert expected == 2 * (3 + 3 * 2 + 4)  # 2 seeds x (source + 3 teachers + student)
    assert [v for v, _ in trial.reports[:3]] == [41.0, 42.0, 43.0]  # target dev F1, not source dev


def test_the_pruner_stops_the_trial_between_epochs(tmp_path: Path) -> None:
    exp = runner.build(tiny_experiment(tmp_path), TINY, [], include_base=True)
    target = exp.targets[0]
    node = next(n for n in topological([target.node]) if n.stage == "source")
    reporter = Reporter(FakeTrial(prune_from=1))
    reporter(exp, target, node, 1, {"dev_f1": 10.0})
    with pytest.raises(Pruned, match=r"trial 7 pruned at .* epoch 2 \(step 1, target dev F1 5.00\)"):
        reporter(exp, target, node, 2, {"dev_f1": 5.0})
    reporter(exp, target, node, 3, {"dev_f1": float("nan")})  # a NaN is not reported, not pruned on


def _trial(owner: dict | None, beat: float | None = None, started: float | None = None) -> SimpleNamespace:
    attrs = {} if owner is None else {"xner.worker": owner}
    if beat is not None:
        attrs["xner.beat"] = beat
    start = dt.datetime.fromtimestamp(started) if started is not None else None
    return SimpleNamespace(user_attrs=attrs, datetime_start=start)


def test_a_dead_worker_is_told_from_a_slow_one() -> None:
    import socket

    here, now = socket.gethostname(), 10_000.0
    me = {"host": here, "pid": os.getpid(), "start": process_start(os.getpid()), "time": now - 9999}
    assert dead_reason(_trial(me), False, 60, now) is None  # alive, however old
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    dead = {"host": here, "pid": gone.pid, "start": "0", "time": now}
    assert "ended without finishing it" in dead_reason(_trial(dead), False, 60, now)
    reused = {**me, "start": "not-this-process"}  # same pid, another process: the worker is gone
    assert dead_reason(_trial(reused), False, 60, now) is not None
    far = {"host": "elsewhere", "pid": 1, "time": now - 500}
    assert dead_reason(_trial(far, beat=now - 30), False, 60, now) is None
    assert "no heartbeat from worker 1 on elsewhere for 90s" in dead_reason(_trial(far, beat=now - 90),
                                                                              False, 60, now)
    assert dead_reason(_trial(far, beat=now - 90), True, 60, now) is None  # Optuna's RDB heartbeat rules
    assert dead_reason(_trial(None, started=now - 10), False, 60, now) is None
    assert "no worker took it" in dead_reason(_trial(None, started=now - 100), False, 60, now)


@pytest.mark.parametrize(("space", "simplex_", "needle"), [
    ("    selection.ratio: {type: float, low: 0.5, high: 1.0}\n", "",
     "search.space.selection.ratio: 0.5 is not a valid value: selection.ratio: 0.5 is ignored by strategy"),
    ("    pseudo_label.confidence: {type: categorical, choices: [sum-prob, mean-max-logit]}\n", "",
     "search.space.pseudo_label.confidence: no stage of this transadv experiment reads"),
    ("    train.lr_ner: {type: float, low: 1.0e-3, high: 1.0e-4}\n", "", "needs low < high"),
    ("    train.lr_nr: {type: float, low: 1.0e-4, high: 1.0e-3}\n", "",
     "'train.lr_nr' is not a setting of this experiment; did you mean 'train.lr_ner'?"),
    ("    train.epochs: {type: int, low: 0, high: 3}\n", "",
     "search.space.train.epochs: 0 is not a valid value"),
    ("    discriminators.language.hidden: {type: categorical, choices: [64, 500]}\n", "",
     "-language.hidden: 500, but it starts from Θsrc's language discriminator"),
    ("", "    w: [teachers.source.weight]\n", "needs two or more distinct paths"),
    ("", "    w: [teachers.source.weight, teachers.soruce.weight]\n",
     "search.simplex.w: 'teachers.soruce.weight' is not a setting"),
    ("", "    teacher_weights: null\n", "search.space: empty"),  # the paper file's simplex removed too
])
def test_a_bad_space_fails_before_the_first_trial(tmp_path: Path, space: str, simplex_: str, needle: str
                                                  ) -> None:
    inherited = ("train.lr_ner", "train.lr_distill", "train.lr_discriminator", "discriminators.order.hidden")
    drop = "".join(f"    {k}: null\n" for k in inherited if f"{k}:" not in space)  # the demo file's own
    body = f"search:\n  space:\n{space}{drop}" + (f"  simplex:\n{simplex_}" if simplex_ else "")
    with pytest.raises(ConfigError) as info:
        exp = tiny_experiment(tmp_path, body)
        check_space(exp, TINY, load_experiment(exp, TINY))
    assert needle in str(info.value)


def test_the_best_yaml_extends_the_original_and_loads_to_the_trial_config(tmp_path: Path) -> None:
    exp = tiny_experiment(tmp_path)
    values = {"train.lr_ner": 0.00123456789, "teachers.entity.weight": 0.1, "teachers.source.weight": 0.9}
    out = write_best(exp, tmp_path / "sub" / "best.yaml", ["seeds=[1]", "train.epochs=1"], values, "a\nb")
    text = out.read_text()
    assert text.startswith("# a\n# b\nextends: ../exp.yaml\n")
    cfg = load_experiment(out)
    assert cfg.train.lr_ner == 0.00123456789 and cfg.seeds == [1] and cfg.train.epochs == 1
    assert cfg.teachers["entity"].weight == 0.1 and cfg.teachers["source"].weight == 0.9
    assert cfg.teachers["order"].weight == load_experiment(exp).teachers["order"].weight
    assert [p.name for p in out.parent.iterdir()] == ["best.yaml"]  # no temporary file left


def test_storage_urls_lose_their_password() -> None:
    assert redact("postgresql://xner:s3cret@db:5432/optuna") == "postgresql://xner:***@db:5432/optuna"
    assert redact("/data/optuna.journal") == "/data/optuna.journal"


SHIPPED = sorted(p.relative_to(ROOT / "experiments").as_posix()
                 for p in (ROOT / "experiments").glob("*/*.yaml")
                 if p.parent.name in ("papers", "proxy", "demo") and p.stem != "base")


@pytest.mark.slow
@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_space_passes_its_checks(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                               ) -> None:
    """What the README's search commands search is valid: on the real data for papers/ and proxy/
    (skipped without ../shared), on a generated demo corpus for demo/."""
    import xner.registry  # noqa: F401
    from xner.core.demo.write import write_demo_corpus

    path = ROOT / "experiments" / name
    if name.startswith("demo/"):
        write_demo_corpus(tmp_path / "data", sizes={k: {"train": 30, "dev": 10, "test": 10}
                                                    for k in ("en", "es", "de")})
        monkeypatch.setenv("XNER_DEMO_DATA", str(tmp_path / "data"))
    elif not SHARED.is_dir():
        pytest.skip(f"{SHARED} absent: the papers' data is read from there")
    cfg = load_experiment(path)
    if cfg.method in ("transadv", "advpicker"):
        assert cfg.search.space, f"{name}: a {cfg.method} experiment ships a search space"
    if cfg.method == "transadv":
        assert len(next(iter(cfg.search.simplex.values()))) == 4  # w1..w4 on the simplex
    if cfg.method == "advpicker":
        assert "selection.ratio" in cfg.search.space  # ρ
    check_space(path, [], cfg)
