"""Exclusive claims on store nodes, so that any number of workers (Ray tasks, `xner run` processes
started by hand, on one machine or many sharing a filesystem) build each node once.

A claim is the file `<store>/<stage>/.<key>.lock`, created with O_CREAT|O_EXCL (atomic on local
filesystems and on NFSv3+), holding the owner's host, pid and process start time. The owner touches
it every BEAT_S while it builds. Another worker that finds it waits, polling, until the node is
published or the lock is gone; it takes the lock over when its owner is dead: the same host and a
dead pid (or a reused pid with another start time), or, from another host, no touch for STALE_S.
Taking over is itself atomic: the stale file is renamed away first, and only one renamer wins.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

BEAT_S = 10.0  # the owner touches its lock this often
STALE_S = 120.0  # a lock from another host untouched this long belongs to a dead worker


def process_start(pid: int) -> str:
    """Start time in clock ticks since boot (Linux): a reused pid is not the process that locked."""
    try:
        return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


def process_alive(pid: int, start: str) -> bool:
    try:
        with contextlib.suppress(PermissionError):  # it exists, owned by another user
            os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return not start or process_start(pid) == start


class NodeLock:
    """A held claim; `release()` (or leaving the `with`) removes it if it is still ours."""

    def __init__(self, path: Path, token: str) -> None:
        self.path = path
        self.token = token
        self._stop = threading.Event()
        self._beat = threading.Thread(target=self._touch, name=f"lock-{path.name}", daemon=True)
        self._beat.start()

    def _touch(self) -> None:
        while not self._stop.wait(BEAT_S):
            with contextlib.suppress(OSError):
                os.utime(self.path)

    def release(self) -> None:
        self._stop.set()
        with contextlib.suppress(OSError, ValueError):
            if json.loads(self.path.read_text()).get("token") == self.token:
                self.path.unlink()

    def __enter__(self) -> NodeLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def owner(path: Path) -> dict[str, str] | None:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except ValueError:  # being written this instant, or torn: judge it by its age alone
        return {}


def dead_owner(path: Path, info: dict[str, str]) -> str | None:
    """Why the lock's owner is dead, or None while it may still be building."""
    try:
        age = time.time() - path.stat().st_mtime
    except FileNotFoundError:
        return None
    if info.get("host") == socket.gethostname() and info.get("pid"):
        pid = int(info["pid"])
        return None if process_alive(pid, info.get("start", "")) else f"process {pid} is gone"
    return f"no heartbeat for {age:.0f} s" if age > STALE_S else None


def claim(lock: Path, done: Callable[[], bool], poll: float = 0.5,
          on_wait: Callable[[dict[str, str]], None] | None = None) -> NodeLock | None:
    """The claim on a node, waiting while a live worker builds it; None when `done()` turns true
    (someone else published the node: use theirs)."""
    lock.parent.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(8)
    body = json.dumps({"host": socket.gethostname(), "pid": str(os.getpid()),
                       "start": process_start(os.getpid()), "token": token, "since": time.time()})
    waited = False
    while True:
        if done():
            return None
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            info = owner(lock)
            if info is None:
                continue  # released between our open and our read
            why = dead_owner(lock, info)
            if why is not None:
                stale = lock.with_name(f"{lock.name}.stale-{token}")
                with contextlib.suppress(FileNotFoundError):
                    os.rename(lock, stale)  # only one taker wins the rename
                    log.warning("taking over %s: its owner (%s) died: %s", lock.name,
                                f"{info.get('host')}:{info.get('pid')}", why)
                    stale.unlink()
                continue
            if not waited and on_wait is not None:
                on_wait(info)
            waited = True
            time.sleep(poll)
            continue
        with os.fdopen(fd, "w") as f:
            f.write(body)
        if done():  # published between our check and our create: nothing to build
            NodeLock(lock, token).release()
            return None
        return NodeLock(lock, token)
