"""Built-in plugin: the package's reference data (countries' aliases, agencies, donors, drugs)."""

from __future__ import annotations

from collections.abc import Iterable

from sahel_core.hookspecs import hookimpl
from sahel_core.reference import ReferenceData, builtin


@hookimpl
def sahel_register_reference_data() -> Iterable[ReferenceData]:
    """The agencies, donors, drug vocabulary and groupings shipped in ``sahel_core/data``."""
    return [builtin()]
