"""Content-addressed artifact store that verifies itself: one directory per stage node.

A node is built in `<store>/<stage>/.<key>.tmp-<pid>` and renamed to `<store>/<stage>/<key>` only when
its stage returned, so a run killed at any point never leaves a directory that looks finished; `resume`
is simply running the plan again. Stale temporary directories of dead processes are swept on open.

Every manifest (`node.json`) records the size, mtime and sha256 of each artifact of its node and a
checksum of its own content. A node is served only when it checks out; a damaged one (a deleted,
empty or edited manifest, a truncated, edited or missing artifact) is moved to `<store>/.quarantine/`
with a warning that names it, and the run rebuilds it.

What is checked when: the manifest's checksum and every artifact's size on every read (a `stat` per
file); an artifact's sha256 only when its size or mtime differs from the manifest's, or on demand
(`xner store verify`, `verify(full=True)`). An edit that keeps both size and mtime is therefore
caught only by `verify` — the price of never hashing gigabytes of checkpoints on a cached run.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import secrets
import shutil
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import StoreError
from .hashing import file_sha256
from .locks import dead_owner, owner, process_alive

log = logging.getLogger(__name__)

MANIFEST = "node.json"
CACHE = ".cache"  # parsed corpora and tokenizations, inside the store so that a store is one folder
QUARANTINE = ".quarantine"
PROGRESS = ".progress.json"  # how far a partial node's stage has got (epoch, dev F1); never committed


def cache_dir(store: str | Path) -> Path:
    """The corpus cache of the store at `store` (without creating the store)."""
    return Path(store).expanduser() / CACHE


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)



def _checksum(manifest: dict[str, Any]) -> str:
    body = {k: v for k, v in manifest.items() if k != "checksum"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def _artifacts(folder: Path) -> dict[str, dict[str, Any]]:
    """name (relative, posix) -> size, mtime_ns, sha256 of every file below `folder` but the manifest."""
    out = {}
    for f in sorted(p for p in folder.rglob("*") if p.is_file()):
        name = f.relative_to(folder).as_posix()
        if name == MANIFEST:
            continue
        st = f.stat()
        out[name] = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": file_sha256(f)}
    return out


def partial_owner(tmp: Path) -> tuple[str, int | None]:
    """(host, pid) of the process building a partial node `.<key>.tmp-<host>-<pid>` (pid None when
    the name does not end in one)."""
    host, _, pid = tmp.name.split(".tmp-", 1)[-1].rpartition("-")
    return host, int(pid) if pid.isdigit() else None


@dataclass(frozen=True)
class Partial:
    """A node being built: by whom, since when (recorded by `begin`), and how far it has got."""

    host: str
    pid: int
    since: float
    progress: dict[str, Any]


def write_progress(out: Path, info: dict[str, Any]) -> None:
    """Add to the progress recorded in the partial node `out`, atomically: other processes (the Ray
    driver's live view, `xner status`) read it while the stage trains. One writer: the builder."""
    path = out / PROGRESS
    with contextlib.suppress(OSError, ValueError):
        info = {**json.loads(path.read_text()), **info}
    tmp = out / f"{PROGRESS}.{os.getpid()}"
    tmp.write_text(json.dumps(info, default=str))
    os.replace(tmp, out / PROGRESS)


def content_digest(manifest: dict[str, Any]) -> str:
    """What a downstream node consumed: its artifacts' hashes and its result, not timings."""
    body = {"artifacts": {k: v["sha256"] for k, v in manifest.get("artifacts", {}).items()},
            "result": manifest.get("result")}
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()[:16]


class DamagedNode(Exception):
    """A node directory that does not match its manifest; the message says what differs."""


@dataclass
class Check:
    stage: str
    key: str
    problem: str | None  # None: the node is sound


class Store:
    """`<root>/<stage>/<key>/` holds a finished node; `node.json` in it is its manifest."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).expanduser()
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            if not os.access(self.root, os.W_OK | os.X_OK):
                raise PermissionError(f"no write permission on {self.root}")
        except (FileExistsError, NotADirectoryError) as exc:
            blocker = next((p for p in [self.root, *self.root.parents] if p.exists() and not p.is_dir()),
                           self.root)
            raise StoreError(f"store: {self.root} cannot be a folder: {blocker} is a file "
                             f"({type(exc).__name__}); set store to a folder path") from None
        except OSError as exc:
            raise StoreError(f"store: cannot create or write {self.root} ({exc.strerror or exc}); "
                             f"set store to a writable folder") from None
        self._by_base: dict[str, dict[str, str]] = {}  # stage -> base_key -> key, built on demand
        self._sound: dict[tuple[str, str], dict[str, Any]] = {}  # verified in this process
        self._sweep()

    def path(self, stage: str, key: str) -> Path:
        return self.root / stage / key

    @property
    def cache(self) -> Path:
        """Where parsed corpora and tokenizations are cached: `.cache/` inside the store."""
        return cache_dir(self.root)

    # -- reading, verified ------------------------------------------------------------------------
    def _load(self, stage: str, key: str, full: bool = False) -> dict[str, Any]:
        """The manifest of a sound node; raises DamagedNode (FileNotFoundError when simply absent)."""
        folder = self.path(stage, key)
        text = (folder / MANIFEST).read_text()  # FileNotFoundError: not there
        try:
            manifest = json.loads(text)
        except ValueError as exc:
            raise DamagedNode(f"{MANIFEST} is not valid JSON ({exc})") from None
        if not isinstance(manifest, dict) or manifest.get("checksum") != _checksum(manifest):
            raise DamagedNode(f"{MANIFEST} does not match its checksum (edited or truncated)")
        if manifest.get("key") != key:
            raise DamagedNode(f"{MANIFEST} belongs to node {manifest.get('key')}, not {key}")
        recorded = manifest.get("artifacts", {})
        present = {f.relative_to(folder).as_posix() for f in folder.rglob("*") if f.is_file()}
        if extra := sorted(present - set(recorded) - {MANIFEST}):
            raise DamagedNode(f"files not in the manifest: {', '.join(extra)}")
        for name, rec in recorded.items():
            f = folder / name
            try:
                st = f.stat()
            except FileNotFoundError:
                raise DamagedNode(f"{name} is missing") from None
            if st.st_size != rec["size"]:
                raise DamagedNode(f"{name}: {st.st_size} bytes, the manifest says {rec['size']}")
            if (full or st.st_mtime_ns != rec["mtime_ns"]) and file_sha256(f) != rec["sha256"]:
                raise DamagedNode(f"{name}: content differs from its recorded sha256")
        return manifest

    def has(self, stage: str, key: str) -> bool:
        """True for a sound node; a damaged one is quarantined (and so absent) instead of served."""
        if (stage, key) in self._sound:
            return True
        if not self.path(stage, key).exists():
            return False
        try:
            self._sound[(stage, key)] = self._load(stage, key)
            return True
        except FileNotFoundError:
            self.quarantine(stage, key, f"{MANIFEST} is missing")
        except DamagedNode as exc:
            self.quarantine(stage, key, str(exc))
        return False

    def manifest(self, stage: str, key: str) -> dict[str, Any]:
        if not self.has(stage, key):
            raise FileNotFoundError(f"node {stage}/{key} is not in the store {self.root}")
        return self._sound[(stage, key)]

    def quarantine(self, stage: str, key: str, why: str) -> Path | None:
        """Move a damaged node out of the way (kept for inspection, never served)."""
        self._sound.pop((stage, key), None)
        src = self.path(stage, key)
        stamp = f"{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}"
        dst = self.root / QUARANTINE / stage / f"{key}.{stamp}"
        dst.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(src, dst)
        except FileNotFoundError:  # another worker moved it first
            return None
        log.warning("store: node %s/%s is damaged (%s); moved to %s, it will be rebuilt",
                    stage, key, why, dst)
        return dst

    def verify(self, full: bool = True, repair: bool = False) -> list[Check]:
        """Check every node (sha256 of every artifact when `full`); `repair` quarantines the
        damaged ones so that the next run rebuilds them."""
        out = []
        for folder in sorted(p for p in self.root.glob("*/*") if p.is_dir()):
            stage, key = folder.parent.name, folder.name
            if stage.startswith(".") or key.startswith("."):
                continue
            try:
                self._load(stage, key, full=full)
                problem = None
            except FileNotFoundError:
                problem = f"{MANIFEST} is missing"
            except DamagedNode as exc:
                problem = str(exc)
            out.append(Check(stage, key, problem))
            if problem and repair:
                self.quarantine(stage, key, problem)
        return out

    # -- writing ------------------------------------------------------------------------------------
    def lock_path(self, stage: str, key: str) -> Path:
        return self.root / stage / f".{key}.lock"

    def begin(self, stage: str, key: str) -> Path:
        """A fresh private directory to build the node in. The caller holds the node's claim, so any
        other partial directory of this node is a dead worker's (on any host) and goes."""
        for old in (self.root / stage).glob(f".{key}.tmp-*"):
            shutil.rmtree(old, ignore_errors=True)
        tmp = self.root / stage / f".{key}.tmp-{socket.gethostname()}-{os.getpid()}"
        tmp.mkdir(parents=True)
        write_progress(tmp, {"started": time.time()})  # the directory's mtime moves with every file
        return tmp

    def commit(self, stage: str, key: str, tmp: Path, manifest: dict[str, Any]) -> Path:
        """Record every artifact, write the manifest last, then publish the directory with one rename.
        A sound node already there (a concurrent worker finished first) wins; a damaged one is
        quarantined and replaced."""
        for f in tmp.glob(f"{PROGRESS}*"):  # the partial node's progress, not one of its artifacts
            f.unlink()
        manifest = {**manifest, "artifacts": _artifacts(tmp)}
        manifest["checksum"] = _checksum(manifest)
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True, default=str))
        final = self.path(stage, key)
        if final.exists() and self.has(stage, key):
            shutil.rmtree(tmp)
            return final
        os.replace(tmp, final)
        self._sound[(stage, key)] = json.loads((final / MANIFEST).read_text())
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
                if isinstance(data, dict) and data.get("base_key"):
                    index[data["base_key"]] = manifest.parent.name
            self._by_base[stage] = index
        key = self._by_base[stage].get(base_key)
        return key if key is not None and self.has(stage, key) else None

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

    def partial(self, stage: str, key: str) -> Partial | None:
        """The live partial node of (stage, key), or None. Another host's counts as live: only that
        host can tell (its sweep removes dead ones)."""
        here = socket.gethostname()
        for tmp in (self.root / stage).glob(f".{key}.tmp-*"):
            host, pid = partial_owner(tmp)
            if pid is None or (host == here and not process_alive(pid, "")):
                continue
            try:
                progress = json.loads((tmp / PROGRESS).read_text())
                since = float(progress["started"])
            except (OSError, ValueError, KeyError, TypeError):  # committed a moment ago, or older code
                try:
                    progress, since = {}, tmp.stat().st_mtime
                except OSError:
                    continue
            return Partial(host, pid, since, progress)
        return None

    def abort(self, tmp: Path) -> None:
        shutil.rmtree(tmp, ignore_errors=True)

    def _sweep(self) -> None:
        """Partial nodes of dead processes of this host (another host's are removed by whoever
        takes over their claim: only it can tell that their owner is dead)."""
        here = socket.gethostname()
        for tmp in self.root.glob("*/.*.tmp-*"):
            host, pid = partial_owner(tmp)
            if host == here and pid is not None and pid != os.getpid() and not process_alive(pid, ""):
                log.info("removing partial node left by a dead run: %s", tmp)
                shutil.rmtree(tmp, ignore_errors=True)
        for lock in self.root.glob("*/.*.lock"):
            info = owner(lock)
            if info and info.get("host") == here and dead_owner(lock, info):
                log.info("removing the claim of a dead run: %s", lock)
                with contextlib.suppress(FileNotFoundError):
                    lock.unlink()
