"""Named components. Importing this package registers every one of them (one module per family)."""

from xner.registry import (  # noqa: F401
    discriminators,
    encoders,
    methods,
    selectors,
    teachers,
    translators,
)
