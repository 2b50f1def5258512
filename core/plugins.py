"""Named components, one `Registry` per family (fairseq/AllenNLP habit, without `from_params` magic).

A component registers itself with `@FAMILY.register("name")`; an experiment selects it by that name.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any, ClassVar, Generic, TypeVar

from .errors import UnknownComponentError

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
