"""Every error sahel_core raises on bad data, in one hierarchy.

Each error subclasses the matching builtin too, so ``except ValueError`` keeps working in code
that does not know sahel_core::

    SahelError (Exception)                  where: source, location, field, value
    ├── ValidationError (ValueError)         a value breaks a rule of the model (end < start)
    │   └── StructureError                   JSON/dict input; .errors lists every bad field path
    ├── ParseError (ValueError)              text that cannot be read as an amount, date or money
    │   └── AmbiguousInput                   text with two readings ("1,500" without a locale)
    ├── UnitError (ValueError)               unknown unit, or counts and masses mixed
    ├── ReferenceNotFound (LookupError)      unknown country, agency, drug or currency code
    ├── RateNotFound (LookupError)           no exchange rate for a currency at a date
    ├── FormatError (ValueError)             a file that a format plugin cannot read
    │   ├── NotThisFormat                    a file its sniffer guessed wrong: try another
    │   └── UnsafeInput                      XML entity bombs, external entities
    └── PluginError (RuntimeError)           a plugin that fails to load or returns a malformed spec

    PluginWarning (UserWarning)              a plugin was skipped; the host keeps working

Public functions raise only these on bad data. ``where`` renders the location as a person reads
it, e.g. ``seizures.csv, row 14, field 'quantity'``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Self

__all__ = [
    "AmbiguousInput",
    "FormatError",
    "NotThisFormat",
    "ParseError",
    "PluginError",
    "PluginWarning",
    "RateNotFound",
    "ReferenceNotFound",
    "SahelError",
    "StructureError",
    "UnitError",
    "UnsafeInput",
    "ValidationError",
]

_UNSET: Any = object()


class SahelError(Exception):
    """Base of every sahel_core error; carries where the bad data was found.

    ``source`` is a file name or URL, ``location`` a row, line or character span as the user
    counts it (``"row 14"``, ``"line 3"``, ``"chars 120-141"``), ``field`` the column or
    attribute, ``value`` the offending value.
    """

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        location: str | None = None,
        field: str | None = None,
        value: Any = _UNSET,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.source = source
        self.location = location
        self.field = field
        self.value = None if value is _UNSET else value
        self._has_value = value is not _UNSET

    @property
    def where(self) -> str:
        """Source, location and field joined for a person: ``"a.csv, row 3, field 'unit'"``."""
        parts = [p for p in (self.source, self.location) if p]
        if self.field:
            parts.append(f"field {self.field!r}")
        return ", ".join(parts)

    def located(
        self,
        *,
        source: str | None = None,
        location: str | None = None,
        field: str | None = None,
    ) -> SahelError:
        """Fill in location details a lower layer did not know; returns ``self``."""
        self.source = self.source or source
        self.location = self.location or location
        self.field = self.field or field
        return self

    def __str__(self) -> str:
        where = self.where
        text = f"{where}: {self.message}" if where else self.message
        if self._has_value:
            text += f" (got {_shown(self.value)})"
        return text

    def detached(self) -> Self:
        """This error without the frames it holds (its traceback, and its context's).

        For an error kept as a result rather than raised (a parser's answer for one value
        among many): held frames hold their callers' locals, in a cycle that keeps them, and
        whatever tables they name, alive until the cyclic collector next runs.
        """
        self.__traceback__ = None
        self.__context__ = None
        self.__cause__ = None
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        # Keeps errors picklable across processes with their keyword details.
        return (_rebuild, (type(self), self.message, self.__dict__))


def _rebuild(cls: type[SahelError], message: str, state: dict[str, Any]) -> SahelError:
    err = cls.__new__(cls)
    Exception.__init__(err, message)
    err.__dict__.update(state)
    return err


class ValidationError(SahelError, ValueError):
    """A value breaks a rule of the domain model (negative quantity, end before start...)."""


class StructureError(ValidationError):
    """Input data (JSON, dicts) that cannot become an entity.

    ``errors`` lists every bad field as ``(path, message, value)``, e.g.
    ``("$.quantity.magnitude", "not a decimal number", "abc")``.
    """

    def __init__(
        self,
        message: str,
        errors: Sequence[tuple[str, str, Any]] = (),
        *,
        source: str | None = None,
        location: str | None = None,
    ) -> None:
        self.errors = tuple(errors)
        detail = "; ".join(f"{path}: {msg} (got {_shown(val)})" for path, msg, val in self.errors)
        super().__init__(
            f"{message}: {detail}" if detail else message, source=source, location=location
        )


class ParseError(SahelError, ValueError):
    """Text that cannot be read as an amount, a date or a sum of money."""


class AmbiguousInput(ParseError):
    """Text with more than one plausible reading; pass a ``locale`` to choose."""


class UnitError(SahelError, ValueError):
    """An unknown unit, or a conversion between dimensions (tablets to kilograms)."""


class ReferenceNotFound(SahelError, LookupError):
    """A country, agency, drug or currency that the reference data does not know."""


class RateNotFound(SahelError, LookupError):
    """No exchange rate for a currency at a date from any registered rate provider."""


class FormatError(SahelError, ValueError):
    """A file a format plugin cannot read: wrong structure, bad encoding, missing header."""


class NotThisFormat(FormatError):
    """A file a format's sniffer claimed on a guess (a name, a first line) that its reader
    finds is not of that format after all. :func:`sahel_core.io.read` then reads it by the
    format of its extension, unless the format was given by name."""


class UnsafeInput(FormatError):
    """Input that tries to expand entities or reach external resources (XML bombs, XXE)."""


class PluginError(SahelError, RuntimeError):
    """A plugin that fails to import, raises in a hook, or returns a malformed spec."""


class PluginWarning(UserWarning):
    """A plugin was skipped (failed import, crashing hook, malformed spec, duplicate name)."""


def _shown(value: Any) -> str:
    """``value`` as a person reads it in a message: text quoted (its escapes visible), a
    Decimal or a date as written ("-5", "2016-05-01"), not as Python builds them."""
    from datetime import date
    from decimal import Decimal

    if isinstance(value, Decimal | date):
        return str(value)
    return repr(value)
