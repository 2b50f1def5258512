"""Named components, one `Registry` per family (fairseq/AllenNLP habit, without `from_params` magic),
and `load_plugins`, the one function that loads them.

A component registers itself with `@FAMILY.register("name")`; an experiment selects it by that name.
Every family dispatches through its registry: the engine looks a name up, it never tests for one.
"""

from __future__ import annotations

import difflib
import importlib
import os
from collections.abc import Callable, Sequence
from importlib.metadata import entry_points
from typing import Any, ClassVar, Generic, TypeVar

from .errors import ConfigError, UnknownComponentError

T = TypeVar("T")


class Registry(Generic[T]):
    """name -> factory for one family. Duplicate names raise; unknown names list the known ones."""

    _families: ClassVar[dict[str, Registry[Any]]] = {}

    def __init__(self, family: str) -> None:
        if family in Registry._families:
            raise ValueError(f"registry family {family!r} already exists")
        self.family = family
        self._entries: dict[str, T] = {}
        self._docs: dict[str, str] = {}
        Registry._families[family] = self

    def register(self, name: str, doc: str | None = None) -> Callable[[T], T]:
        """Register `obj` under `name`; `doc` describes a plain value (a spec dict has no docstring
        of its own, only dict's), else the first line of the object's docstring is used."""

        def deco(obj: T) -> T:
            if name in self._entries:
                raise ValueError(
                    f"{self.family} {name!r} is registered twice "
                    f"({self._entries[name]!r} and {obj!r})"
                )
            self._entries[name] = obj
            own = getattr(obj, "__doc__", None)
            if own == type(obj).__doc__ and not isinstance(obj, type):
                own = None  # an instance: its __doc__ is its type's (dict() -> new empty dictionary)
            lines = (doc or own or "").strip().splitlines()
            self._docs[name] = lines[0] if lines else ""
            return obj

        return deco

    def get(self, name: str) -> T:
        if name not in self._entries:
            known = sorted(self._entries)
            close = difflib.get_close_matches(name, known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise UnknownComponentError(
                f"unknown {self.family} {name!r}: known {self.family} are "
                f"{', '.join(known) or '(none)'}{hint}"
            )
        return self._entries[name]

    def build(self, name: str, *args: Any, **kwargs: Any) -> Any:
        factory = self.get(name)
        return factory(*args, **kwargs)  # type: ignore[operator]

    def names(self) -> list[str]:
        return sorted(self._entries)

    def describe(self) -> dict[str, str]:
        return {n: self._docs[n] for n in self.names()}

    def __contains__(self, name: str) -> bool:
        return name in self._entries

    @classmethod
    def families(cls) -> dict[str, Registry[Any]]:
        return dict(sorted(cls._families.items()))

    @classmethod
    def family_of(cls, family: str) -> Registry[Any]:
        if family not in cls._families:
            raise UnknownComponentError(
                f"unknown component family {family!r}: known families are "
                f"{', '.join(sorted(cls._families))}"
            )
        return cls._families[family]


ENCODERS: Registry[Any] = Registry("encoders")
TRANSLATORS: Registry[Any] = Registry("translators")
DISCRIMINATORS: Registry[Any] = Registry("discriminators")
TEACHERS: Registry[Any] = Registry("teachers")
SELECTORS: Registry[Any] = Registry("selectors")
METHODS: Registry[Any] = Registry("methods")
EXECUTORS: Registry[Any] = Registry("executors")  # who runs a plan's missing nodes (runner/executors/)
SEARCH_POOLS: Registry[Any] = Registry("search-pools")  # how one search's workers run, per executor
TABLE_FORMATS: Registry[Any] = Registry("table-formats")  # `xner compare --format`
DISCRIMINATOR_KINDS: Registry[Any] = Registry("discriminator-kinds")  # module, loss and sides per kind
WORD_TOKENIZERS: Registry[Any] = Registry("word-tokenizers")  # raw text -> words, for `xner predict`

PLUGINS_ENV = "XNER_PLUGINS"  # comma-separated modules that register components of their own
PLUGINS_GROUP = "xner.plugins"  # entry-point group an installed package declares its modules under
_loaded: list[str] = []


def load_plugins(modules: Sequence[str] = ()) -> list[str]:
    """Register every component: the ones xner ships (`xner.registry`), then each plug-in module named
    in `modules`, in $XNER_PLUGINS, or under the `xner.plugins` entry-point group of an installed
    package (AllenNLP's `import_plugins`). The entry points (the CLI, MLproject, a Ray task, a search
    worker) call it; nothing else in `core` imports `registry`. Idempotent; returns the plug-in
    modules loaded so far, which an executor hands to its workers."""
    from .. import registry  # noqa: F401  (every shipped component registers itself on import)

    wanted = [*modules, *(m.strip() for m in os.environ.get(PLUGINS_ENV, "").split(",") if m.strip())]
    wanted += [ep.value for ep in entry_points(group=PLUGINS_GROUP)]
    for name in wanted:
        if name in _loaded:
            continue
        try:
            importlib.import_module(name)
        except ImportError as exc:
            raise ConfigError(f"plug-in module {name!r} cannot be imported ({exc}); plug-ins come from "
                              f"${PLUGINS_ENV} and the {PLUGINS_GROUP!r} entry points") from exc
        _loaded.append(name)
    return list(_loaded)


def loaded() -> list[str]:
    """The plug-in modules `load_plugins` imported in this process (for a worker to import too)."""
    return list(_loaded)
