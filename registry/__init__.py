"""Named components. Importing this package registers every one of them (one module per family)."""

from xner.registry import encoders  # noqa: F401
