"""Code fingerprints: no result trained by other stage code is served as current.

* the recorded digests match the code that is checked in (so a changed stage fails here until its
  version is bumped or its digest re-recorded, a decision made on purpose);
* changing a stage module's code changes its digest; docstrings and comments do not;
* a bumped version reruns that node and everything downstream, the plan says those nodes are
  cached under other code, and `reuse_other_code` serves them knowingly.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from xner.core.engine import fingerprint
from xner.core.engine.graph import Node, execute, make_plan
from xner.core.engine.store import Store


def test_recorded_digests_match_the_code() -> None:
    drift = fingerprint.drifted()
    assert not drift, (
        f"stage code changed without a fingerprint decision: {drift}. If the behaviour changed, bump "
        f"the stage's version in {fingerprint.VERSIONS_FILE.name}; then (or for a pure refactor) run "
        "`python -m xner.core.engine.fingerprint --write`")
    assert set(fingerprint.recorded()) == set(fingerprint.STAGE_MODULES)


def _patched(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, module: str, edit) -> None:
    """Make `module` read from an edited copy of its source."""
    real = fingerprint._module_path
    copy = tmp_path / (module.replace(".", "_") + ".py")
    copy.write_text(edit(real(module).read_text()))
    monkeypatch.setattr(fingerprint, "_module_path", lambda d: copy if d == module else real(d))


def test_changing_a_stage_module_without_its_fingerprint_fails(monkeypatch: pytest.MonkeyPatch,
                                                               tmp_path: Path) -> None:
    # the selection rule's code: keep one sentence fewer
    _patched(monkeypatch, tmp_path, "core.train.pseudo", lambda src: src.replace(
        "return np.sort(order[:k])", "return np.sort(order[: k - 1])"))
    drift = fingerprint.drifted()
    assert {"select", "pseudo_label"} <= set(drift)  # every stage that runs core.train.pseudo
    assert "source" not in drift and "translate" not in drift
    with pytest.raises(AssertionError, match="bump the stage's version"):
        test_recorded_digests_match_the_code()


def test_docstrings_and_comments_are_not_code(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _patched(monkeypatch, tmp_path, "core.train.pseudo", lambda src: src.replace(
        '"""Indices of the floor', '"""Reworded: indices of the floor').replace(
        "    k = selection_size(", "    # a comment\n    k = selection_size("))
    assert fingerprint.drifted() == {}


def _chain(calls: list[str]) -> tuple[Node, dict]:
    a = Node("encoder", {"x": 1})
    b = Node("source", {"lr": 1}, seed=1, inputs={"encoder": a})
    c = Node("distill", {"lr": 2}, seed=1, inputs={"source": b})

    def stage(ctx) -> dict:
        calls.append(ctx.node.stage)
        (ctx.out / "weights.bin").write_bytes(ctx.node.key.encode())
        return {"f1": float(len(calls))}

    return c, {s: stage for s in ("encoder", "source", "distill")}


def _trained_then_bumped(monkeypatch: pytest.MonkeyPatch, store: Store, calls: list[str]
                         ) -> tuple[dict[str, str], int]:
    """Run the chain once, then bump the source stage's code version; returns the old keys."""
    target, stages = _chain(calls)
    execute([target], store, stages)
    assert calls == ["encoder", "source", "distill"]
    old = {r.node.stage: r.node.key for r in make_plan([target], store).rows}
    versions = dict(fingerprint._VERSIONS)
    versions["source"] = fingerprint.StageCode(versions["source"].version + 1, "changed")
    monkeypatch.setattr(fingerprint, "_VERSIONS", versions)
    calls.clear()
    return old, versions["source"].version


def test_a_bumped_version_reruns_the_node_and_everything_downstream(monkeypatch: pytest.MonkeyPatch,
                                                                     tmp_path: Path) -> None:
    store = Store(tmp_path)
    calls: list[str] = []
    old_keys, _ = _trained_then_bumped(monkeypatch, store, calls)
    target, stages = _chain(calls)  # fresh nodes: keys are computed once per node
    plan = make_plan([target], store)
    status = {r.node.stage: (r.cached, r.other_code) for r in plan.rows}
    assert status["encoder"] == (True, None)
    assert status["source"] == (False, old_keys["source"])
    assert status["distill"] == (False, old_keys["distill"])  # downstream: its input's key moved
    assert plan.other_code == 2 and plan.to_run == 2

    execute([target], store, stages)
    assert calls == ["source", "distill"]  # the encoder stays cached


def test_reuse_other_code_serves_the_old_node_knowingly(monkeypatch: pytest.MonkeyPatch,
                                                        tmp_path: Path) -> None:
    store = Store(tmp_path)
    calls: list[str] = []
    old, version = _trained_then_bumped(monkeypatch, store, calls)
    target, stages = _chain(calls)
    summary = execute([target], store, stages, reuse_other_code=True)
    assert calls == [] and len(summary.cached) == 3
    source = next(n for n in make_plan([target], store).rows if n.node.stage == "source").node
    manifest = store.manifest("source", source.key)
    assert manifest["adopted_from"]["key"] == old["source"]
    assert manifest["code_version"] == version
    assert (store.path("source", source.key) / "weights.bin").read_bytes() == old["source"].encode()
    assert make_plan([target], store).to_run == 0
