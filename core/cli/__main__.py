"""`python -m xner.core.cli ...`: the `xner` console script without the installed script."""

from .main import entry

entry()
