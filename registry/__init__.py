"""Named components. Importing this package registers every one of them (one module per family).

Only `xner.core.plugins.load_plugins` imports it; it may import anything in `core`."""

from . import discriminators, encoders, methods, relabelling, selectors, teachers, translators  # noqa: F401
