"""`xner store du`: bytes per stage, hard links once, unfinished nodes left out."""

from __future__ import annotations

import os

from xner.core.cli import main
from xner.core.engine.store import MANIFEST
from xner.core.engine.usage import usage


def _node(root, stage: str, key: str, files: dict[str, int], manifest: bool = True):
    folder = root / stage / key
    folder.mkdir(parents=True)
    for name, size in files.items():
        (folder / name).write_bytes(b"x" * size)
    if manifest:
        (folder / MANIFEST).write_text("{}")
    return folder


def test_bytes_per_stage_count_hard_links_once_and_skip_unfinished_nodes(tmp_path, capsys):
    root = tmp_path / "store"
    a = _node(root, "source", "k1", {"model.safetensors": 5000, "discriminators.safetensors": 700})
    _node(root, "source", "k2", {"model.safetensors": 3000})
    adopted = _node(root, "teacher", "k3", {})
    os.link(a / "model.safetensors", adopted / "model.safetensors")  # an adopted node shares the file
    _node(root, "distill", ".tmp-1", {"model.safetensors": 9999}, manifest=False)  # still writing
    (root / ".quarantine").mkdir()
    rows = {r.stage: r for r in usage(root)}
    assert set(rows) == {"source", "teacher"}
    assert rows["source"].nodes == 2 and rows["source"].bytes == 5000 + 700 + 3000 + 2 * 2
    assert rows["source"].by_file["model.safetensors"] == 8000
    assert rows["teacher"].nodes == 1 and rows["teacher"].bytes == 2  # its model is source's, counted there
    assert main(["store", "du", str(root)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1].split()[:2] == ["source", "2"] and "model.safetensors 3.9 KB/node" in out[1]
    assert out[-1].split()[:2] == ["total", "3"]
