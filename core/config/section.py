"""The base of every config section: unknown keys are errors, `key: null` means "unset", and a
validator can blame a path below its own model."""

from __future__ import annotations

import types
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, model_validator


def num_text(value: float) -> str:
    """1.0 -> '1', 1.7 -> '1.7': values in messages look the way they were written."""
    return str(int(value)) if float(value).is_integer() else repr(value)


class FieldError(ValueError):
    """Raised by a validator that blames a path below its own model (pydantic would blame the model)."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        super().__init__(message)


def _admits_none(annotation: Any) -> bool:
    return annotation is Any or (
        get_origin(annotation) in (Union, types.UnionType) and type(None) in get_args(annotation)
    )


class Section(BaseModel):
    """Base of every section: unknown keys are errors, and `key: null` means "unset"."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)

    @model_validator(mode="before")
    @classmethod
    def _unset_nulls(cls, data: Any) -> Any:
        """A null removes an entry of a name->component dict and resets a non-nullable field to its
        default (that is how a child YAML or a variant deletes what its base set). Booleans are
        refused where numbers are due, because YAML's `yes` would otherwise train for 1 epoch."""
        if not isinstance(data, dict):
            return data
        out: dict[str, Any] = {}
        for key, value in data.items():
            field = cls.model_fields.get(key)
            if field is None:
                out[key] = value  # extra="forbid" reports it with its path
                continue
            if value is None and not _admits_none(field.annotation):
                continue
            if isinstance(value, dict) and get_origin(field.annotation) is dict:
                value = {k: v for k, v in value.items() if v is not None}
            bare = {a for a in get_args(field.annotation) if a is not type(None)} or {field.annotation}
            if isinstance(value, bool) and bare & {int, float}:
                raise FieldError(key, f"{value} is a boolean, expected a number")
            out[key] = value
        return out
