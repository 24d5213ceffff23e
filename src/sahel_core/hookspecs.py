"""The hooks a sahel_core plugin can implement. Signatures and docstrings only.

A plugin is a module (or object) with functions marked ``@sahel_core.hookimpl`` whose names are
the hooks below; register it through the entry-point group ``sahel_core``. Each hook returns an
iterable of records from :mod:`sahel_core.specs` (or :class:`sahel_core.reference.ReferenceData`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from sahel_core.reference import ReferenceData
    from sahel_core.specs import ExtractionRule, FormatSpec, IndicatorSpec, RateProviderSpec

PROJECT = "sahel_core"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def sahel_register_formats() -> Iterable[FormatSpec]:  # type: ignore[empty-body]
    """File formats this plugin reads or writes (one :class:`FormatSpec` each)."""


@hookspec
def sahel_register_indicators() -> Iterable[IndicatorSpec]:  # type: ignore[empty-body]
    """Indicators this plugin computes (one :class:`IndicatorSpec` each)."""


@hookspec
def sahel_register_rate_providers() -> Iterable[RateProviderSpec]:  # type: ignore[empty-body]
    """Exchange-rate sources this plugin provides (one :class:`RateProviderSpec` each)."""


@hookspec
def sahel_register_reference_data() -> Iterable[ReferenceData]:  # type: ignore[empty-body]
    """Agencies, donors, drug terms, country aliases and groupings this plugin adds."""


@hookspec
def sahel_register_extraction_rules() -> Iterable[ExtractionRule]:  # type: ignore[empty-body]
    """Patterns that read records from prose for :func:`sahel_core.extract.extract` (one
    :class:`ExtractionRule` each): programme figures, local phrasings, new vocabularies."""
