"""The design, enforced: core/'s layers and acyclicity (import-linter's contracts in pyproject.toml),
and every place that names a module path pointing at a module that exists."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[2]


def test_import_contracts_hold() -> None:
    """Layers (function-local imports counted), no cycle at any depth, the engine free of NER code,
    and registry/ loaded only by plugins.load_plugins. A violation prints the offending chain."""
    lint = Path(sys.executable).with_name("lint-imports")
    proc = subprocess.run([str(lint)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "4 kept, 0 broken" in proc.stdout


def test_the_layers_contract_names_every_folder_of_core() -> None:
    """A new folder must take a place in the rule, or it would be outside it."""
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    layers = next(c for c in cfg if c["type"] == "layers")["layers"]
    named = {m.strip() for layer in layers for m in re.split(r"[|:]", layer)}
    present = {p.name for p in (ROOT / "core").iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    present |= {p.stem for p in (ROOT / "core").glob("*.py") if p.stem != "__init__"}
    assert present == named, f"in core/ but not in the layers: {present - named}; stale: {named - present}"


def test_every_module_path_named_outside_python_imports_exists() -> None:
    """The console script, MLproject's `python -m` commands, the search workers' `-m`, the package
    list of pyproject.toml: each must name a module that imports."""
    py = tomllib.loads((ROOT / "pyproject.toml").read_text())
    named = {py["project"]["scripts"]["xner"].split(":")[0]}
    named |= set(re.findall(r"python -m (xner[\w.]+)", (ROOT / "MLproject").read_text()))
    for f in (ROOT / "core").rglob("*.py"):
        named |= set(re.findall(r'"-m", "(xner[\w.]+)"', f.read_text()))
    assert len(named) >= 3
    for module in sorted(named):
        assert importlib.util.find_spec(module) is not None, module
    packages = set(py["tool"]["setuptools"]["packages"])
    on_disk = {"xner." + ".".join(p.parent.relative_to(ROOT).parts)
               for top in ("core", "registry") for p in (ROOT / top).rglob("__init__.py")}
    assert on_disk <= packages, f"not in pyproject.toml (a wheel would lack them): {on_disk - packages}"
