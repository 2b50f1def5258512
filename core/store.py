"""Content-addressed artifact store: one directory per stage node, published by an atomic rename.

A node is built in `<store>/<stage>/.<key>.tmp-<pid>` and renamed to `<store>/<stage>/<key>` only when
its stage returned, so a run killed at any point never leaves a directory that looks finished; `resume`
is simply running the plan again. Stale temporary directories of dead processes are swept on open.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

MANIFEST = "node.json"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


class Store:
    """`<root>/<stage>/<key>/` holds a finished node; `node.json` in it is its manifest."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self._by_base: dict[str, dict[str, str]] = {}  # stage -> base_key -> key, built on demand
        self._sweep()

    def path(self, stage: str, key: str) -> Path:
        return self.root / stage / key

    def has(self, stage: str, key: str) -> bool:
        return (self.path(stage, key) / MANIFEST).is_file()

    def manifest(self, stage: str, key: str) -> dict[str, Any]:
        return json.loads((self.path(stage, key) / MANIFEST).read_text())

    def begin(self, stage: str, key: str) -> Path:
        """A fresh private directory to build the node in."""
        tmp = self.root / stage / f".{key}.tmp-{os.getpid()}"
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir(parents=True)
        return tmp

    def commit(self, stage: str, key: str, tmp: Path, manifest: dict[str, Any]) -> Path:
        """Write the manifest last, then publish the directory with one rename."""
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True, default=str))
        final = self.path(stage, key)
        if final.exists():  # a concurrent worker finished the same node first: keep theirs
            shutil.rmtree(tmp)
            return final
        os.replace(tmp, final)
        return final

    def other_code(self, stage: str, base_key: str) -> str | None:
        """Key of a finished node equal to `base_key` in all but code versions: the same node as
        trained by other (older or newer) code, or None. Manifests without a base key (written
        before code versions were recorded) never match."""
        if stage not in self._by_base:
            index: dict[str, str] = {}
            for manifest in sorted((self.root / stage).glob(f"*/{MANIFEST}")):
                try:
                    data = json.loads(manifest.read_text())
                except (OSError, ValueError):
                    continue
                if data.get("base_key"):
                    index[data["base_key"]] = manifest.parent.name
            self._by_base[stage] = index
        return self._by_base[stage].get(base_key)

    def adopt(self, stage: str, key: str, old_key: str, code_version: int) -> Path:
        """Publish the node `old_key` (trained by other code) under `key` as well, knowingly: its
        files are hard-linked (copied where links fail) and its manifest says where it came from."""
        tmp = self.begin(stage, key)
        src = self.path(stage, old_key)
        shutil.rmtree(tmp)
        shutil.copytree(src, tmp, copy_function=_link_or_copy)
        manifest = json.loads((tmp / MANIFEST).read_text())
        (tmp / MANIFEST).unlink()
        manifest.update({"key": key, "adopted_from": {"key": old_key,
                                                      "code_version": manifest.get("code_version")},
                         "code_version": code_version})
        log.warning("reusing %s/%s, trained by other code (v%s), as %s (v%s)", stage, old_key,
                    manifest["adopted_from"]["code_version"], key, code_version)
        return self.commit(stage, key, tmp, manifest)

    def abort(self, tmp: Path) -> None:
        shutil.rmtree(tmp, ignore_errors=True)

    def _sweep(self) -> None:
        for tmp in self.root.glob("*/.*.tmp-*"):
            pid = int(tmp.name.rsplit("-", 1)[-1]) if tmp.name.rsplit("-", 1)[-1].isdigit() else -1
            if pid != os.getpid() and not _pid_alive(pid):
                log.info("removing partial node left by a dead run: %s", tmp)
                shutil.rmtree(tmp, ignore_errors=True)
