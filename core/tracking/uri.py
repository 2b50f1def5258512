"""Where tracking goes (`--tracking-uri`, the environment, the experiment, the default) and which code
logged it: the two facts every command needs before it opens a run, without importing mlflow."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from ..errors import ConfigError

DEFAULT_URI = "sqlite:///mlflow.db"


def resolve_tracking_uri(cli_uri: str | None = None, config_uri: str | None = None) -> str:
    """`--tracking-uri`, else MLFLOW_TRACKING_URI, else the experiment's `tracking.uri`, else
    `sqlite:///mlflow.db` in the working directory. File stores are refused here, in our words."""
    uri = cli_uri or os.environ.get("MLFLOW_TRACKING_URI") or config_uri or DEFAULT_URI
    scheme = uri.split(":", 1)[0] if "://" in uri else ""
    if scheme in ("", "file"):
        raise ConfigError(
            f"tracking URI {uri!r} is a file store, which mlflow 3.x no longer accepts; use a database "
            f"such as {DEFAULT_URI} (the default) or an http:// tracking server")
    return uri


def git_commit(where: Path | None = None) -> str:
    """HEAD of the repository holding the code (`-dirty` if it has uncommitted changes)."""
    cwd = where or Path(__file__).resolve().parent
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True,
                             check=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=cwd,
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return sha + ("-dirty" if dirty else "")
