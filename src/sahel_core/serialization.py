"""JSON in and out of every entity and value type, through one cattrs converter.

Decimals travel as strings ("2.7") so no float ever touches a figure, dates as ISO text, enums as
their value, tuples as lists. A rate step's rate keeps the places it is published to ("1.1000"):
they say how it was rounded, and it reads back with the same digits. Structuring is strict: a
string where a list is expected, a number where text or true/false is expected, or an unknown key
is an error. All errors of one record are collected and raised together as one
:class:`~sahel_core.errors.StructureError` listing each bad field's path
(``$.quantity.magnitude``), message and value.
"""

from __future__ import annotations

import datetime as dt
import json
import typing
from collections.abc import Iterator
from decimal import Decimal
from functools import cache, partial
from typing import Any, TypeVar

from sahel_core.errors import SahelError, StructureError

if typing.TYPE_CHECKING:
    import cattrs

__all__ = ["converter", "decimal_text", "dumps", "loads", "structure", "unstructure"]

T = TypeVar("T")


def decimal_text(value: Decimal, *, zeros: bool = False) -> str:
    """``value`` as sahel_core writes a decimal in JSON: positional notation without trailing
    zeros ("2.7", "1000", "0.00000012"), every digit kept; with ``zeros``, its trailing zeros
    too (a rate published as "1.1000"). ``str()`` would write "1.2E-7", which is no decimal
    number to a reader of the JSON, and ``normalize()`` rounds to the context's 28 digits."""
    text = format(value, "f")
    if "." in text and not zeros:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _strict_str(value: Any, _: type) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, got {type(value).__name__}")
    return value


def _strict_int(value: Any, _: type) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected a whole number, got {type(value).__name__}")
    return value


def _strict_bool(value: Any, _: type) -> bool:
    # JSON true/false only: 0, 1 or "true" in a flag is more likely a misplaced column.
    if not isinstance(value, bool):
        raise TypeError(f"expected true or false, got {type(value).__name__}")
    return value


def _decimal(value: Any, _: type) -> Decimal:
    # Floats are refused: they would carry binary rounding into money and masses.
    if isinstance(value, Decimal):
        return value
    if isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
        try:
            return Decimal(value)
        except ArithmeticError:
            pass
    raise ValueError('expected a decimal number written as text, e.g. "2.7"')


def _date(value: Any, _: type) -> dt.date:
    if isinstance(value, str):
        return dt.date.fromisoformat(value)
    raise TypeError('expected an ISO date, e.g. "2016-05-31"')


def _is_tuple(hint: Any) -> bool:
    return typing.get_origin(hint) is tuple


@cache
def converter() -> cattrs.Converter:
    """The project's converter (built once, on first use). Plugins reuse it for their records."""
    import cattrs

    conv = cattrs.Converter(detailed_validation=True, forbid_extra_keys=True)
    conv.register_structure_hook(str, _strict_str)
    conv.register_structure_hook(int, _strict_int)
    # bool subclasses int: without its own hook it would reach the int one, which refuses it.
    conv.register_structure_hook(bool, _strict_bool)
    conv.register_structure_hook(Decimal, _decimal)
    conv.register_structure_hook(dt.date, _date)
    conv.register_unstructure_hook(Decimal, decimal_text)
    conv.register_unstructure_hook(dt.date, dt.date.isoformat)
    _keep_published_places(conv)

    def structure_tuple(value: Any, hint: Any) -> tuple[Any, ...]:
        if not isinstance(value, list | tuple):
            raise TypeError(f"expected a list, got {type(value).__name__}")
        from cattrs.errors import IterableValidationError, IterableValidationNote

        item = typing.get_args(hint)[0]
        result, errors = [], []
        for index, element in enumerate(value):
            try:
                result.append(conv.structure(element, item))
            except Exception as exc:  # Collected, like cattrs does for lists.
                note = IterableValidationNote(f"Structuring {hint} @ index {index}", index, item)
                exc.__notes__ = [*getattr(exc, "__notes__", []), note]
                errors.append(exc)
        if errors:
            raise IterableValidationError(f"While structuring {hint!r}", errors, hint)
        return tuple(result)

    conv.register_structure_hook_func(_is_tuple, structure_tuple)
    conv.register_unstructure_hook_func(_is_tuple, lambda v: [conv.unstructure(i) for i in v])
    return conv


def _keep_published_places(conv: cattrs.Converter) -> None:
    """A rate step's rate is written with its trailing zeros: they are the places its source
    publishes it to, which :attr:`~sahel_core.money.Conversion.rounding` counts."""
    from cattrs.gen import make_dict_unstructure_fn, override

    from sahel_core.money import RateStep

    published = override(unstruct_hook=partial(decimal_text, zeros=True))
    conv.register_unstructure_hook(
        RateStep, make_dict_unstructure_fn(RateStep, conv, rate=published)
    )


def unstructure(obj: Any) -> Any:
    """An entity or value (or a list of them) as plain JSON-ready data."""
    return converter().unstructure(obj)


def structure(data: Any, cls: type[T] | Any) -> T:
    """Build ``cls`` (e.g. ``Seizure`` or ``list[Seizure]``) from plain data.

    Raises :class:`StructureError` listing every bad field; nothing else on bad data.
    """
    import cattrs

    try:
        return typing.cast(T, converter().structure(data, cls))
    except (
        cattrs.BaseValidationError,
        SahelError,
        ValueError,
        TypeError,
        KeyError,
        AttributeError,
    ) as exc:  # AttributeError: a list or text where an object goes
        errors = list(_errors(exc, "$", data))
        name = cls.__name__ if isinstance(cls, type) else str(cls)
        raise StructureError(f"cannot build {name}", errors) from None


def dumps(obj: Any, *, indent: int | None = None) -> str:
    """JSON text for an entity, value or list of them."""
    return json.dumps(unstructure(obj), ensure_ascii=False, indent=indent)


def loads(text: str | bytes, cls: type[T] | Any) -> T:
    """Parse JSON text into ``cls``; JSON numbers are read as exact decimals."""
    try:
        data = json.loads(text, parse_float=Decimal)
    except (ValueError, RecursionError) as exc:
        raise StructureError("not valid JSON", [("$", str(exc), None)]) from None
    return typing.cast(T, structure(data, cls))


def _at(data: Any, key: Any) -> Any:
    try:
        return data[key]
    except (KeyError, IndexError, TypeError):
        return None


def _errors(exc: BaseException, path: str, data: Any) -> Iterator[tuple[str, str, Any]]:
    """Flatten cattrs' exception groups into ``(path, message, value)`` triples."""
    import cattrs
    from cattrs.errors import ForbiddenExtraKeysError

    if isinstance(exc, cattrs.ClassValidationError):
        with_notes, without = exc.group_exceptions()
        for sub, note in with_notes:
            yield from _errors(sub, f"{path}.{note.name}", _at(data, note.name))
        for sub in without:
            yield from _errors(sub, path, data)
    elif isinstance(exc, cattrs.IterableValidationError):
        with_index, without = exc.group_exceptions()
        for sub, index_note in with_index:
            yield from _errors(sub, f"{path}[{index_note.index}]", _at(data, index_note.index))
        for sub in without:
            yield from _errors(sub, path, data)
    elif isinstance(exc, ForbiddenExtraKeysError):
        for key in sorted(exc.extra_fields):
            yield f"{path}.{key}", "unknown field", _at(data, key)
    elif isinstance(exc, BaseExceptionGroup):
        for member in exc.exceptions:
            yield from _errors(member, path, data)
    elif isinstance(exc, SahelError):
        # Raised by the class itself (validators), which names the field within the record.
        field = f"{path}.{exc.field}" if exc.field else path
        yield field, exc.message, exc.value if exc.field else data
    elif isinstance(exc, KeyError):
        yield path, "required field missing", None
    elif isinstance(exc, AttributeError):
        yield path, "expected an object", data
    else:
        yield path, str(exc), data
