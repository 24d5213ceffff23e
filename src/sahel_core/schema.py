"""JSON Schema (draft 2020-12) for every entity, derived from the attrs classes.

The schema describes exactly what :mod:`sahel_core.serialization` writes and accepts: decimals
as strings, dates as ISO text, enums as their values, nested records inline under ``$defs``.
"""

from __future__ import annotations

import datetime as dt
import enum
import typing
from decimal import Decimal
from typing import Any

import attrs

from sahel_core.tables import entity_type

__all__ = ["json_schema"]

_DECIMAL = {"type": "string", "pattern": r"^-?\d+(\.\d+)?$", "description": "decimal number"}


def _optional(hint: Any) -> tuple[Any, bool]:
    if typing.get_origin(hint) in (typing.Union, typing.get_origin(int | None)):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        return args[0], len(args) < len(typing.get_args(hint))
    return hint, False


def _type(hint: Any, defs: dict[str, Any]) -> dict[str, Any]:
    hint, nullable = _optional(hint)
    if hint is Decimal:
        out: dict[str, Any] = dict(_DECIMAL)
    elif hint is dt.date:
        out = {"type": "string", "format": "date"}
    elif hint is str:
        out = {"type": "string"}
    elif hint is int:
        out = {"type": "integer", "minimum": 0}
    elif isinstance(hint, type) and issubclass(hint, enum.Enum):
        out = {"enum": [m.value for m in hint]}
    elif typing.get_origin(hint) is tuple:
        out = {"type": "array", "items": _type(typing.get_args(hint)[0], defs)}
    elif attrs.has(hint):
        name = hint.__name__
        if name not in defs:
            defs[name] = {}  # Placeholder first: records may refer to themselves.
            defs[name] = _object(hint, defs)
        out = {"$ref": f"#/$defs/{name}"}
    else:
        raise TypeError(f"no JSON Schema for {hint!r}")  # A programming error in entities.py.
    return {"anyOf": [out, {"type": "null"}]} if nullable else out


def _object(cls: type, defs: dict[str, Any]) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    fields = attrs.fields(cls)
    return {
        "type": "object",
        "description": (cls.__doc__ or "").strip().split("\n\n")[0],
        "properties": {f.name: _type(hints[f.name], defs) for f in fields},
        "required": [f.name for f in fields if f.default is attrs.NOTHING],
        "additionalProperties": False,
    }


def json_schema(entity: str | type) -> dict[str, Any]:
    """The JSON Schema of ``entity`` ("seizure" or :class:`~sahel_core.entities.Seizure`)."""
    cls = entity_type(entity)
    defs: dict[str, Any] = {}
    body = _object(cls, defs)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://sahel-core.invalid/schema/{cls.__name__}.json",
        "title": cls.__name__,
        **body,
        **({"$defs": defs} if defs else {}),
    }
