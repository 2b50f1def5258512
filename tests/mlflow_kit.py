"""Test kit for MLflow tracking tests: a real `mlflow server` on a free local port, and headless Chromium.

Why it exists: the framework logs its runs (nested runs, params, stepped metrics, table and text artifacts)
to MLflow, and a file-store or in-process check does not prove the things that break in practice — artifact
upload through an HTTP tracking server (`mlflow-artifacts:` proxying) and what the MLflow UI, a React
single-page app, actually shows. This module lets a test start a throw-away server backed by a SQLite
database and an artifact folder under `tmp_path`, and render a UI page with headless Chromium, either to a
PNG (`screenshot`) or to the DOM after JavaScript has run (`dump_dom`).

It is a helper imported by tests (`from mlflow_kit import ...`), not a test file.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

# Flags every headless Chromium here needs: no sandbox (root in a container), no GPU, and none of the
# background traffic (QUIC, component updates, sync) that the closed network refuses.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
)

# The server's side jobs (a huey job runner and seven consumers) are not needed to track runs, and on two
# cores they roughly double the start-up time; turn them off for the test server.
SERVER_ENV = {
    "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",
    "MLFLOW_SERVER_JOB_ENABLE_PERIODIC_TASKS": "false",
}


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _tail(path: Path, n_chars: int = 4000) -> str:
    try:
        return path.read_text(errors="replace")[-n_chars:]
    except OSError:
        return "<no log>"


def _stop_group(proc: subprocess.Popen, grace_s: float = 5.0) -> None:
    """SIGTERM the process group led by `proc`, then SIGKILL whatever is left after `grace_s`."""
    pgid = proc.pid  # started with start_new_session=True, so its group id is its pid
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=grace_s)
    # the leader may be gone while its children (uvicorn workers) still shut down: kill the rest
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.2)
    else:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=grace_s)


@contextlib.contextmanager
def mlflow_server(tmp_path: Path, *, startup_timeout_s: float = 90.0, port: int | None = None
                  ) -> Iterator[str]:
    """Run `mlflow server` on a free port with its store under `tmp_path`; yield its base URL.

    Backend: `sqlite:///<tmp_path>/mlflow.db`; artifacts are proxied by the server (`--serve-artifacts`, the
    default) into `<tmp_path>/artifacts`, so clients upload them over HTTP as `mlflow-artifacts:` URIs.
    Waits (polling) until `GET /health` answers; raises with the log tail if the server exits or the wait
    times out. On exit the whole process group is stopped (SIGTERM, then SIGKILL).
    """
    tmp_path = Path(tmp_path).resolve()
    tmp_path.mkdir(parents=True, exist_ok=True)
    port = port or free_port()  # a given port restarts "the same server" on the same store
    url = f"http://127.0.0.1:{port}"
    cmd = [
        sys.executable, "-m", "mlflow", "server",
        "--backend-store-uri", f"sqlite:///{tmp_path / 'mlflow.db'}",
        "--serve-artifacts",
        "--artifacts-destination", str(tmp_path / "artifacts"),
        "--host", "127.0.0.1",
        "--port", str(port),
        "--workers", "1",
    ]  # fmt: skip
    log_path = tmp_path / "mlflow-server.log"
    env = {**os.environ, **SERVER_ENV}
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            cmd, cwd=tmp_path, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + startup_timeout_s
        while not _healthy(url):
            if proc.poll() is not None:
                raise RuntimeError(
                    f"mlflow server exited early (rc={proc.returncode}): {' '.join(cmd)}\n{_tail(log_path)}"
                )
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"mlflow server not healthy after {startup_timeout_s:.0f}s at {url}\n{_tail(log_path)}"
                )
            time.sleep(0.3)
        yield url
    finally:
        _stop_group(proc)


def chromium_path() -> str | None:
    """Path of a Chromium binary on PATH, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _run_chromium(args: list[str], url: str, wait_ms: int) -> subprocess.CompletedProcess[str]:
    binary = chromium_path()
    if binary is None:
        raise RuntimeError("no chromium on PATH (apt-get install chromium)")
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        cmd = [
            binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
            f"--virtual-time-budget={wait_ms}", *args, url,
        ]  # fmt: skip
        # virtual time runs ahead of the wall clock, but the page's fetches are real: allow plenty
        proc = subprocess.run(
            cmd, capture_output=True, text=True, timeout=60 + 3 * wait_ms / 1000, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
    if proc.returncode != 0:
        raise RuntimeError(f"chromium failed (rc={proc.returncode}): {' '.join(cmd)}\n{proc.stderr[-4000:]}")
    return proc


def screenshot(
    url: str, out_png: Path, *, width: int = 1400, height: int = 1000, wait_ms: int = 8000
) -> Path:
    """Render `url` in headless Chromium and save a `width`x`height` PNG to `out_png`; return its path.

    `wait_ms` is the virtual-time budget: how long page scripts may run (and fetch) before the capture.
    """
    out_png = Path(out_png).resolve()
    out_png.parent.mkdir(parents=True, exist_ok=True)
    out_png.unlink(missing_ok=True)
    proc = _run_chromium([f"--screenshot={out_png}", f"--window-size={width},{height}"], url, wait_ms)
    if not out_png.is_file():
        raise RuntimeError(f"chromium wrote no screenshot to {out_png}\n{proc.stderr[-4000:]}")
    return out_png


def dump_dom(url: str, wait_ms: int = 8000, *, width: int = 1600, height: int = 1000) -> str:
    """The serialized DOM of `url` after its scripts ran for `wait_ms` of virtual time (a React app's
    rendered markup, unlike the bare HTML a plain GET returns). The window is as large as a
    screenshot's: virtualised grids render only the columns that fit."""
    return _run_chromium(["--dump-dom", f"--window-size={width},{height}"], url, wait_ms).stdout
