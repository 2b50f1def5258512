"""Named components. Importing this package registers every one of them (one module per family)."""

from . import discriminators, encoders, methods, selectors, teachers, translators  # noqa: F401
