"""HTML for Jupyter: an entity as a two-column table of its fields.

Entities get ``_repr_html_`` from :mod:`sahel_core.entities`, which calls :func:`entity_html`
on first display (this module is imported only then). Figures are shown as a person writes
them ("more than 2.7 t", "13 000 000 XOF"), dates as their text or EDTF, sources as links.
Indicator results are polars frames, which Jupyter already renders.
"""

from __future__ import annotations

import html
from enum import Enum
from typing import Any

import attrs

__all__ = ["entity_html", "value_html"]


def value_html(value: Any) -> str:
    """One field value as escaped HTML (figures and dates as read, sources as links)."""
    from sahel_core.dates import PartialDate
    from sahel_core.entities import Place, SourceRef
    from sahel_core.money import Money, format_money
    from sahel_core.quantities import Amount, format_amount

    if isinstance(value, Amount):
        return html.escape(format_amount(value))
    if isinstance(value, Money):
        return html.escape(format_money(value))
    if isinstance(value, PartialDate):
        return html.escape(value.text or value.edtf)
    if isinstance(value, Place):
        parts = [value.locality, value.country]
        return html.escape(", ".join(p for p in parts if p))
    if isinstance(value, SourceRef):
        return _source_html(value)
    if isinstance(value, Enum):
        return html.escape(str(value.value))
    if isinstance(value, tuple):
        return "<br>".join(value_html(v) for v in value)
    if attrs.has(type(value)):
        return entity_html(value)
    return html.escape(str(value))


def _source_html(source: Any) -> str:
    where = [f"row {source.row}" if source.row else None, f"line {source.line}" if source.line
             else None]  # fmt: skip
    label = ", ".join(p for p in (source.file, *where) if p) or source.url
    text = html.escape(label)
    if source.url:
        text = f'<a href="{html.escape(source.url, quote=True)}">{text}</a>'
    if source.quote:
        text += f"<br><q>{html.escape(source.quote)}</q>"
    return text


def entity_html(record: Any) -> str:
    """``record`` (any attrs entity or value) as an HTML table: field, value; empty fields are
    left out."""
    kind = type(record).__name__
    key = getattr(record, "id", None) or getattr(record, "alpha3", None)
    title = html.escape(f"{kind} {key}" if isinstance(key, str) else kind)
    rows = []
    for field in attrs.fields(type(record)):
        value = getattr(record, field.name)
        if value is None or value == ():
            continue
        rows.append(
            f'<tr><th style="text-align:left">{html.escape(field.name)}</th>'
            f'<td style="text-align:left">{value_html(value)}</td></tr>'
        )
    return (
        f'<table class="sahel-entity"><caption style="text-align:left"><b>{title}</b>'
        f"</caption>{''.join(rows)}</table>"
    )
