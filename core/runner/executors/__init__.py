"""Executors: who runs the missing nodes of a plan. One file per executor, each registered in
`plugins.EXECUTORS` under the name `--executor` and `execution.executor` take; importing this package
imports every module in its folder, so a new file here registers itself (fairseq's habit).
"""

import importlib
import pkgutil

for _mod in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_mod.name}")
