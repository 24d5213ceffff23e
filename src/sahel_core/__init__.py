"""sahel_core: one typed, traceable model of counter-trafficking programme data in the Sahel.

Names below load on first use, so ``import sahel_core`` stays light: pint, polars, cattrs and the
rate tables load only when a function needs them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Name → module that defines it. Public API: keep it small; everything else lives in submodules.
_LAZY: dict[str, str] = {
    "Agency": "sahel_core.entities",
    "Country": "sahel_core.entities",
    "Donor": "sahel_core.entities",
    "Operation": "sahel_core.entities",
    "Place": "sahel_core.entities",
    "Seizure": "sahel_core.entities",
    "SourceRef": "sahel_core.entities",
    "Workshop": "sahel_core.entities",
    "Amount": "sahel_core.quantities",
    "Money": "sahel_core.money",
    "Conversion": "sahel_core.money",
    "PartialDate": "sahel_core.dates",
    "Qualifier": "sahel_core.qualifiers",
    "SahelError": "sahel_core.errors",
    "from_entities": "sahel_core.tables",
    "to_entities": "sahel_core.tables",
    "hookimpl": "sahel_core.hookspecs",
    "parse_amount": "sahel_core.quantities",
    "parse_date": "sahel_core.dates",
    "parse_money": "sahel_core.money",
    "convert": "sahel_core.money",
    "read": "sahel_core.io",
    "write": "sahel_core.io",
    "extract": "sahel_core.extract",
}

__all__ = [
    "Agency",
    "Amount",
    "Conversion",
    "Country",
    "Donor",
    "Money",
    "Operation",
    "PartialDate",
    "Place",
    "Qualifier",
    "SahelError",
    "Seizure",
    "SourceRef",
    "Workshop",
    "convert",
    "extract",
    "from_entities",
    "hookimpl",
    "parse_amount",
    "parse_date",
    "parse_money",
    "read",
    "to_entities",
    "write",
]


if TYPE_CHECKING:
    from sahel_core.dates import PartialDate, parse_date
    from sahel_core.entities import (
        Agency,
        Country,
        Donor,
        Operation,
        Place,
        Seizure,
        SourceRef,
        Workshop,
    )
    from sahel_core.errors import SahelError
    from sahel_core.extract import extract
    from sahel_core.hookspecs import hookimpl
    from sahel_core.io import read, write
    from sahel_core.money import Conversion, Money, convert, parse_money
    from sahel_core.qualifiers import Qualifier
    from sahel_core.quantities import Amount, parse_amount
    from sahel_core.tables import from_entities, to_entities


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'sahel_core' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    # The public names, not the helpers this module imports (importlib, typing's names).
    return sorted([*__all__, "__version__"])
