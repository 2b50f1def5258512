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


class Store:
    """`<root>/<stage>/<key>/` holds a finished node; `node.json` in it is its manifest."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
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

    def abort(self, tmp: Path) -> None:
        shutil.rmtree(tmp, ignore_errors=True)

    def _sweep(self) -> None:
        for tmp in self.root.glob("*/.*.tmp-*"):
            pid = int(tmp.name.rsplit("-", 1)[-1]) if tmp.name.rsplit("-", 1)[-1].isdigit() else -1
            if pid != os.getpid() and not _pid_alive(pid):
                log.info("removing partial node left by a dead run: %s", tmp)
                shutil.rmtree(tmp, ignore_errors=True)
