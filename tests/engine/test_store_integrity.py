"""The store verifies itself: a damaged node is quarantined and rebuilt, never served or crashed on.

Each case here was a silent wrong result or a crash before the manifests carried checksums (issue 10):
an edited `node.json` was served as is, a deleted one made every run retrain and then throw the
result away, an empty one raised a bare JSONDecodeError, a truncated checkpoint failed every rerun.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest

from xner.core.cli import main
from xner.core.engine.graph import Node, execute
from xner.core.engine.store import MANIFEST, QUARANTINE, Store


def _stages(calls: list[str], payload: dict[str, bytes] | None = None):
    def stage(ctx) -> dict:
        calls.append(ctx.node.stage)
        for name, data in (payload or {"model.pt": b"weights" * 100}).items():
            (ctx.out / name).write_bytes(data)
        ups = [ctx.input_manifest(r)["result"]["f1"] for r in ctx.node.inputs]
        return {"f1": 50.0 + sum(ups) / 100}

    return {s: stage for s in ("source", "teacher", "distill")}


def _graph() -> Node:
    src = Node("source", {"lr": 1}, seed=1)
    teacher = Node("teacher", {"t": "entity"}, seed=1, inputs={"source": src})
    return Node("distill", {"lr": 2}, seed=1, inputs={"teacher": teacher})


def _run(store: Store, calls: list[str], payload: dict[str, bytes] | None = None) -> float:
    target = _graph()
    execute([target], store, _stages(calls, payload))
    return store.manifest(target.stage, target.key)["result"]["f1"]


def _teacher_dir(store: Store) -> Path:
    node = _graph().inputs["teacher"]
    return store.path(node.stage, node.key)


def _edit_manifest(folder: Path) -> None:
    m = json.loads((folder / MANIFEST).read_text())
    m["result"]["f1"] = 99.0
    (folder / MANIFEST).write_text(json.dumps(m))


DAMAGES = {
    "edited manifest": _edit_manifest,
    "deleted manifest": lambda f: (f / MANIFEST).unlink(),
    "empty manifest": lambda f: (f / MANIFEST).write_text(""),
    "truncated artifact": lambda f: (f / "model.pt").write_bytes((f / "model.pt").read_bytes()[:10]),
    "deleted artifact": lambda f: (f / "model.pt").unlink(),
    "edited artifact, same size": lambda f: (f / "model.pt").write_bytes(
        b"X" + (f / "model.pt").read_bytes()[1:]),
    "stray file": lambda f: (f / "extra.bin").write_bytes(b"?"),
}


@pytest.mark.parametrize("damage", sorted(DAMAGES))
def test_damaged_node_is_quarantined_and_rebuilt(tmp_path: Path, damage: str,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    store, calls = Store(tmp_path / "store"), []
    first = _run(store, calls)
    assert calls == ["source", "teacher", "distill"]
    DAMAGES[damage](_teacher_dir(store))
    calls.clear()
    with caplog.at_level(logging.WARNING):
        again = _run(Store(tmp_path / "store"), calls)  # a new process: nothing verified in memory
    assert calls == ["teacher"]  # exactly the damaged node; its rebuild has the same content
    assert again == first
    key = _graph().inputs["teacher"].key
    assert f"teacher/{key} is damaged" in caplog.text
    assert len(list((tmp_path / "store" / QUARANTINE / "teacher").iterdir())) == 1
    fresh = Store(tmp_path / "store")
    assert all(c.problem is None for c in fresh.verify(full=True))


def test_a_rebuild_with_other_content_reruns_what_depends_on_it(tmp_path: Path) -> None:
    """On hardware that is not bitwise deterministic a rebuilt node differs: its dependants were
    made from inputs that no longer exist, so they are rebuilt too (and only they)."""
    store, calls = Store(tmp_path / "store"), []
    _run(store, calls)
    (_teacher_dir(store) / "model.pt").unlink()
    calls.clear()
    _run(Store(tmp_path / "store"), calls, payload={"model.pt": b"other weights"})
    assert calls == ["teacher", "distill"]


def test_edit_keeping_size_and_mtime_is_found_by_verify(tmp_path: Path, capsys) -> None:
    store, calls = Store(tmp_path / "store"), []
    _run(store, calls)
    f = _teacher_dir(store) / "model.pt"
    st = f.stat()
    f.write_bytes(b"X" + f.read_bytes()[1:])
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))  # the cheap check cannot see this one
    assert Store(tmp_path / "store").has("teacher", _graph().inputs["teacher"].key)
    assert main(["store", "verify", str(tmp_path / "store")]) == 1
    out = capsys.readouterr().out
    assert "damaged teacher/" in out and "content differs" in out and "3 nodes, 1 damaged" in out
    assert main(["store", "verify", str(tmp_path / "store"), "--repair"]) == 1
    assert main(["store", "verify", str(tmp_path / "store")]) == 0
    calls.clear()
    _run(Store(tmp_path / "store"), calls)
    assert calls == ["teacher"]


def test_commit_replaces_a_damaged_directory_instead_of_keeping_it(tmp_path: Path) -> None:
    store = Store(tmp_path)
    node = Node("source", {"a": 1})
    tmp = store.begin("source", node.key)
    (tmp / "x").write_text("new")
    store.path("source", node.key).mkdir(parents=True)  # manifest-less leftover
    store.commit("source", node.key, tmp, {"key": node.key, "result": {"f1": 1.0}})
    assert (store.path("source", node.key) / "x").read_text() == "new"
    assert store.manifest("source", node.key)["result"] == {"f1": 1.0}


def test_manifest_records_sizes_hashes_and_device(tmp_path: Path) -> None:
    store, calls = Store(tmp_path), []
    _run(store, calls)
    m = json.loads((_teacher_dir(store) / MANIFEST).read_text())
    art = m["artifacts"]["model.pt"]
    assert art["size"] == 700 and len(art["sha256"]) == 64
    assert set(m["inputs_content"]) == {"source"} and len(m["checksum"]) == 64 and "device" in m
