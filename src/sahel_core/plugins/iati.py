"""IATI XML 2.0x: activities become programme operations, donors and a transaction table.

The ``iati`` format reads ``<iati-activities>`` files (d-portal, the IATI Registry, a donor's
own export) and ``<iati-organisations>`` files. It never builds the whole tree: the file is
streamed with ``defusedxml``'s ``iterparse`` and each ``<iati-activity>`` is dropped once read,
so memory follows the largest activity, not the file. DTDs, entity declarations and external
references are refused with :class:`~sahel_core.errors.UnsafeInput` before anything is expanded
(IATI files never need them), which stops billion-laughs and XXE files.

What comes out (``ReadResult.tables``):

``operation``
    One :class:`~sahel_core.entities.Operation` of kind ``programme`` per activity: ``id`` the
    ``iati-identifier`` (an empty identifier, which the schema allows, becomes
    ``"<file stem>:<activity number>"``); ``title`` the title narrative in English when there is
    one, else the first; ``date`` from ``activity-date``: start = actual start, else planned
    start; end = actual end, else planned end (no start: no date; no end: an open interval);
    ``places`` the ``recipient-country`` codes (regions are not places); ``sectors`` the
    activity's sector codes (``vocabulary:code`` unless the vocabulary is 1, OECD DAC), else
    those of its transactions; ``donors`` the keys of the funding organisations
    (``participating-org`` role 1; the reporting organisation when none is named);
    ``funding`` one exact :class:`~sahel_core.money.Money` per currency, in the order the
    currencies first appear: the net commitment (transaction type 2, where a negative value is
    a de-commitment that reduces it), or, for an activity without commitments, the total of its
    budgets, a revised budget (type 2) replacing the originals (type 1, the default) within its
    period; an original that overlaps a revised one only in part counts too, with a note. A net
    of zero stays (a withdrawn commitment); a net below zero and a value without a currency (no
    ``@currency``, no ``@default-currency``) stay out, with a note naming the activities, and
    commitments stay in the transaction table. ``sources`` cite the file, the activity number
    and the identifier.
``donor``
    The reporting organisation, the funding organisations and the providers of transactions,
    once each. Whether one is a government its ref alone says, whatever its ``@type``
    (publishers leave it out for ministries and give "Government" to NGOs): a DAC member's
    ``XM-DAC-<code>`` (``XM-DAC-5-7``), IATI 1.0x's ``<country>-<number>`` (``SE-0``,
    ``DE-1``) and lists of government bodies only (``GB-GOV-1``, ``KR-GOV-010``,
    ``ES-DIR3-...``, ``US-USAGOV``, ``<country>-COA-...``) make the ``government`` of that
    country, keyed by its ISO3 code; a company or charity register (``DK-CVR-...``,
    ``NO-BRC-...``) holds all kinds, so its refs do not. Else a ref or name the reference data
    knows gives its donor; everything else is an ``organisation`` keyed by its IATI ref, else
    its name.
    In an organisation file, each ``<iati-organisation>`` is one donor: one whose key an earlier
    organisation already has (two German ministries, both ``DEU``) is kept as an
    ``organisation`` of that country keyed by its ``organisation-identifier``, with a note; it
    is rejected when that identifier is a donor key too.
``transaction``
    Not an entity table: one row per ``<transaction>`` of an accepted activity, with columns
    ``activity`` (the operation id), ``row`` (activity number), ``type`` (IATI
    TransactionType code: 1 incoming funds, 2 commitment, 3 disbursement, 4 expenditure, 11
    incoming commitment...), ``date`` (``transaction-date``, else ``value-date``),
    ``value_date`` (``value-date``, else ``transaction-date``: the date for conversions),
    ``value`` (Decimal, may be negative), ``currency`` (``@currency``, else the activity's
    ``@default-currency``, else null), ``provider_org``/``receiver_org`` (the ref, else the
    name, as the file writes it: to trace a row to its source, not to join on; ``DE-1`` and
    ``XM-DAC-5-7`` are two refs of Germany), ``provider_inferred`` (see below),
    ``provider_donor`` (the provider's id in the ``donor`` table, by the rule above: ``DEU``
    for both; null without a provider: the key to group or join donors on),
    ``recipient_country`` (ISO3: the transaction's own, else the activity's when it has
    exactly one), ``sector`` (the same rule) and ``humanitarian`` (IATI 2.02+
    ``@humanitarian``: the transaction's own, else the activity's, else null; ``true`` when
    the money is wholly or partly humanitarian aid).
    :func:`convert_transactions` adds a column in one currency through the project's dated
    rates.

    The provider of a transaction without ``provider-org`` (or with one naming no
    organisation) is, as IATI 2.0x states it, the reporting organisation when the money goes
    out: "If omitted on outgoing funds the reporting-org is assumed". Outgoing are the types
    the codelist calls so: 2 outgoing commitment, 3 disbursement, 4 expenditure, 7
    reimbursement, 8 purchase of equity, 12 outgoing pledge. Such a row has the reporting
    organisation's ref (else name) in ``provider_org``, its donor id in ``provider_donor`` and
    ``provider_inferred`` true. The standard assumes no provider for incoming funds (1, 11, 13:
    their receiver is the reporter) nor for interest, loan repayments and guarantees (5, 6,
    10), which flow either way: those rows keep a null provider. The funding participating-org
    is never assumed: an activity may name several and the standard does not say one of them
    paid.

The activity's own ``@humanitarian`` reaches the tables through its transactions only: the
``operation`` entity has no column for it.

Validation. Each activity is checked against the structural rules of the IATI 2.03 schema that
this module encodes in :data:`_SHAPES`: which children an element may have and how many
(one ``iati-identifier``, one ``reporting-org``, one ``title``...), required attributes,
elements that carry no text, and the types of dates, date-times, decimals, integers and
booleans. Elements and attributes in another XML namespace are extensions and always allowed.
An activity that breaks a rule, or whose data the model refuses (an unknown country code, an
activity that ends before it starts, a repeated identifier), is rejected as a whole with one
:class:`~sahel_core.specs.Rejection` naming the activity number (``row``), the element path
(``field``, e.g. ``transaction[3]/value/@value-date``) and the value. Codelists are not checked,
except country codes, which must be ISO 3166. Faults of the file itself (not XML, not IATI, no
``@version``, a bad ``@generated-datetime``) raise :class:`~sahel_core.errors.FormatError`.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Mapping
from decimal import Decimal, InvalidOperation, localcontext
from functools import cache
from itertools import accumulate
from pathlib import Path
from typing import TYPE_CHECKING, Any

from attrs import define, field

from sahel_core.errors import (
    FormatError,
    ReferenceNotFound,
    SahelError,
    UnsafeInput,
    ValidationError,
)
from sahel_core.hookspecs import hookimpl
from sahel_core.money import currency_code
from sahel_core.qualifiers import MAX_MAGNITUDE, round_places
from sahel_core.specs import FormatSpec, ReadOptions, ReadResult, Rejection

if TYPE_CHECKING:
    import polars as pl

    from sahel_core.dates import PartialDate
    from sahel_core.entities import Donor, Operation, SourceRef
    from sahel_core.money import Money

__all__ = [
    "convert_transactions",
    "read_iati",
    "sahel_register_formats",
    "sniff_iati",
    "transaction_schema",
]

_XML_NS = "{http://www.w3.org/XML/1998/namespace}"
_LANG = f"{_XML_NS}lang"
#: Activities are turned into table chunks this often, so Python objects do not pile up.
_CHUNK = 256
#: How many records a note names.
_SHOWN_WARNINGS = 5

#: What an operation's ``funding`` leaves out or may count twice: the notes name the activities.
_FUNDING_NOTES = {
    "currency": (
        "with commitments or budgets without a currency (no @currency, no @default-currency), "
        "which funding leaves out (commitments stay in the transaction table)"
    ),
    "negative": (
        "whose net commitment (or budget total) in a currency is below zero, a de-commitment of "
        "more than the file commits, which funding leaves out (the transactions stay in their "
        "table)"
    ),
    "overlap": (
        "with an original and a revised budget whose periods overlap only in part, both of "
        "which funding counts (a revision replaces the originals of its own period only)"
    ),
}


# -- the schema rules ----------------------------------------------------------------------------


@define(frozen=True)
class _Shape:
    """What one element may hold: children with their count, attributes with their type, text.

    ``children`` maps a child name to ``1`` (exactly one), ``?`` (at most one), ``+`` (at least
    one) or ``*``; ``attrs`` maps an attribute to ``(required, kind)``; ``text`` is ``none``,
    ``text`` or ``decimal``.
    """

    children: dict[str, str]
    attrs: dict[str, tuple[bool, str]]
    text: str
    required: tuple[str, ...] = ()
    needed: tuple[str, ...] = ()


def _shape(children: str = "", attrs: str = "", text: str = "none") -> _Shape:
    """``_shape("title:1 budget:*", "!code percentage:decimal")``: a compact rule."""
    kids = dict(item.rsplit(":", 1) for item in children.split())
    kinds: dict[str, tuple[bool, str]] = {}
    for item in attrs.split():
        name, _, kind = item.partition(":")
        kinds[name.lstrip("!")] = (name.startswith("!"), kind or "text")
    required = tuple(name for name, (must, _) in kinds.items() if must)
    needed = tuple(name for name, count in kids.items() if count in "1+")
    return _Shape(kids, kinds, text, required, needed)


_NARRATIVES = _shape("narrative:+")
_OPTIONAL_NARRATIVES = "narrative:*"
_CODE = _shape(attrs="!code")
_PERIOD_DATE = _shape(attrs="!iso-date:date")
_VALUE = _shape(attrs="!value-date:date currency", text="decimal")
_PERIOD = "period-start:1 period-end:1 value:1"

#: Rules by element name, or ``parent/name`` where a name means something else in a context.
_SHAPES: dict[str, _Shape] = {
    "iati-activities": _shape(
        "iati-activity:*", "!version generated-datetime:datetime linked-data-default"
    ),
    "iati-activity": _shape(
        "iati-identifier:1 reporting-org:1 title:1 description:* participating-org:+ "
        "other-identifier:* activity-status:? activity-date:+ contact-info:* activity-scope:? "
        "recipient-country:* recipient-region:* location:* sector:* tag:* "
        "country-budget-items:? humanitarian-scope:* policy-marker:* collaboration-type:? "
        "default-flow-type:? default-finance-type:? default-aid-type:* default-tied-status:? "
        "budget:* planned-disbursement:* capital-spend:? transaction:* document-link:* "
        "related-activity:* legacy-data:* conditions:? result:* crs-add:? fss:?",
        "last-updated-datetime:datetime default-currency humanitarian:bool hierarchy:int "
        "linked-data-uri budget-not-provided",
    ),
    "iati-identifier": _shape(text="text"),
    "narrative": _shape(text="text"),
    "reporting-org": _shape("narrative:+", "!ref !type secondary-reporter:bool"),
    "title": _NARRATIVES,
    "description": _shape("narrative:+", "type"),
    "participating-org": _shape(
        _OPTIONAL_NARRATIVES, "!role ref type activity-id crs-channel-code"
    ),
    "other-identifier": _shape("owner-org:?", "!ref !type"),
    "owner-org": _shape(_OPTIONAL_NARRATIVES, "ref"),
    "activity-status": _CODE,
    "activity-date": _shape(_OPTIONAL_NARRATIVES, "!iso-date:date !type"),
    "contact-info": _shape(
        "organisation:? department:? person-name:? job-title:? telephone:* email:* "
        "website:* mailing-address:*",
        "type",
    ),
    "organisation": _NARRATIVES,
    "department": _NARRATIVES,
    "person-name": _NARRATIVES,
    "job-title": _NARRATIVES,
    "mailing-address": _NARRATIVES,
    "telephone": _shape(text="text"),
    "email": _shape(text="text"),
    "website": _shape(text="text"),
    "activity-scope": _CODE,
    "recipient-country": _shape(_OPTIONAL_NARRATIVES, "!code percentage:decimal"),
    "recipient-region": _shape(
        _OPTIONAL_NARRATIVES, "!code vocabulary vocabulary-uri percentage:decimal"
    ),
    "location": _shape(
        "location-reach:? location-id:* name:? description:? activity-description:? "
        "administrative:* point:? exactness:? location-class:? feature-designation:?",
        "ref",
    ),
    "location-reach": _CODE,
    "location-id": _shape(attrs="!vocabulary !code"),
    "location/name": _NARRATIVES,
    "location/description": _NARRATIVES,
    "activity-description": _NARRATIVES,
    "administrative": _shape(attrs="vocabulary !code level:int"),
    "point": _shape("pos:1", "srsName"),
    "pos": _shape(text="text"),
    "exactness": _CODE,
    "location-class": _CODE,
    "feature-designation": _CODE,
    "sector": _shape(_OPTIONAL_NARRATIVES, "!code vocabulary vocabulary-uri percentage:decimal"),
    "tag": _shape(_OPTIONAL_NARRATIVES, "!code vocabulary vocabulary-uri"),
    "country-budget-items": _shape("budget-item:+", "!vocabulary"),
    "budget-item": _shape("description:?", "!code percentage:decimal"),
    "budget-item/description": _NARRATIVES,
    "humanitarian-scope": _shape(_OPTIONAL_NARRATIVES, "!type !vocabulary vocabulary-uri !code"),
    "policy-marker": _shape(_OPTIONAL_NARRATIVES, "vocabulary vocabulary-uri !code significance"),
    "collaboration-type": _CODE,
    "default-flow-type": _CODE,
    "default-finance-type": _CODE,
    "default-aid-type": _shape(attrs="!code vocabulary"),
    "default-tied-status": _CODE,
    "budget": _shape(_PERIOD, "type status"),
    "period-start": _PERIOD_DATE,
    "period-end": _PERIOD_DATE,
    "value": _VALUE,
    "planned-disbursement": _shape(
        "period-start:1 period-end:? value:1 provider-org:? receiver-org:?", "type"
    ),
    "capital-spend": _shape(attrs="!percentage:decimal"),
    "transaction": _shape(
        "transaction-type:1 transaction-date:1 value:1 description:? provider-org:? "
        "receiver-org:? disbursement-channel:? sector:* recipient-country:? "
        "recipient-region:? flow-type:? finance-type:? aid-type:* tied-status:?",
        "ref humanitarian:bool",
    ),
    "transaction-type": _CODE,
    "transaction-date": _PERIOD_DATE,
    "provider-org": _shape(_OPTIONAL_NARRATIVES, "ref provider-activity-id type"),
    "receiver-org": _shape(_OPTIONAL_NARRATIVES, "ref receiver-activity-id type"),
    "disbursement-channel": _CODE,
    "flow-type": _CODE,
    "finance-type": _CODE,
    "aid-type": _shape(attrs="!code vocabulary"),
    "tied-status": _CODE,
    "transaction/recipient-country": _shape(_OPTIONAL_NARRATIVES, "!code"),
    "transaction/recipient-region": _shape(_OPTIONAL_NARRATIVES, "!code vocabulary vocabulary-uri"),
    "transaction/sector": _shape(_OPTIONAL_NARRATIVES, "!code vocabulary vocabulary-uri"),
    "document-link": _shape(
        "title:1 description:* category:+ language:* document-date:?", "!url !format"
    ),
    "category": _CODE,
    "language": _CODE,
    "document-date": _PERIOD_DATE,
    "related-activity": _shape(attrs="!ref !type"),
    "legacy-data": _shape(attrs="!name !value iati-equivalent"),
    "conditions": _shape("condition:*", "!attached:bool"),
    "condition": _shape("narrative:+", "!type"),
    "result": _shape(
        "title:1 description:? document-link:* reference:* indicator:+",
        "!type aggregation-status:bool",
    ),
    "result/reference": _shape(attrs="!vocabulary !code vocabulary-uri"),
    "indicator": _shape(
        "title:1 description:? document-link:* reference:* baseline:* period:*",
        "!measure ascending:bool aggregation-status:bool",
    ),
    "indicator/reference": _shape(attrs="!vocabulary !code indicator-uri"),
    "baseline": _shape(
        "comment:? location:* dimension:* document-link:*", "!year:posint iso-date:date value"
    ),
    "comment": _NARRATIVES,
    "dimension": _shape(attrs="!name !value"),
    "baseline/location": _shape(attrs="ref"),
    "target/location": _shape(attrs="ref"),
    "actual/location": _shape(attrs="ref"),
    "period": _shape("period-start:1 period-end:1 target:* actual:*"),
    "target": _shape("comment:? location:* dimension:* document-link:*", "value"),
    "actual": _shape("comment:? location:* dimension:* document-link:*", "value"),
    "crs-add": _shape("other-flags:* loan-terms:? loan-status:? channel-code:?"),
    "other-flags": _shape(attrs="!code !significance"),
    "loan-terms": _shape(
        "repayment-type:? repayment-plan:? commitment-date:? repayment-first-date:? "
        "repayment-final-date:?",
        "rate-1:decimal rate-2:decimal",
    ),
    "repayment-type": _CODE,
    "repayment-plan": _CODE,
    "commitment-date": _PERIOD_DATE,
    "repayment-first-date": _PERIOD_DATE,
    "repayment-final-date": _PERIOD_DATE,
    "loan-status": _shape(
        "interest-received:? principal-outstanding:? principal-arrears:? interest-arrears:?",
        "!year:int currency value-date:date",
    ),
    "interest-received": _shape(text="decimal"),
    "principal-outstanding": _shape(text="decimal"),
    "principal-arrears": _shape(text="decimal"),
    "interest-arrears": _shape(text="decimal"),
    "channel-code": _shape(text="text"),
    "fss": _shape("forecast:*", "!extraction-date:date priority:bool phaseout-year:int"),
    "forecast": _shape(attrs="!year:int currency value-date:date", text="decimal"),
    # Organisation files.
    "iati-organisations": _shape(
        "iati-organisation:*", "!version generated-datetime:datetime linked-data-default"
    ),
    "iati-organisation": _shape(
        "organisation-identifier:1 name:1 reporting-org:1 total-budget:* "
        "recipient-org-budget:* recipient-region-budget:* recipient-country-budget:* "
        "total-expenditure:* document-link:*",
        "last-updated-datetime:datetime default-currency",
    ),
    "organisation-identifier": _shape(text="text"),
    "iati-organisation/name": _NARRATIVES,
    "total-budget": _shape(f"{_PERIOD} budget-line:*", "status"),
    "recipient-org-budget": _shape(f"recipient-org:1 {_PERIOD} budget-line:*", "status"),
    "recipient-org": _shape("narrative:+", "ref"),
    "recipient-region-budget": _shape(f"recipient-region:1 {_PERIOD} budget-line:*", "status"),
    "recipient-country-budget": _shape(f"recipient-country:1 {_PERIOD} budget-line:*", "status"),
    "recipient-country-budget/recipient-country": _shape(_OPTIONAL_NARRATIVES, "!code"),
    "recipient-region-budget/recipient-region": _shape(
        _OPTIONAL_NARRATIVES, "!code vocabulary vocabulary-uri"
    ),
    "total-expenditure": _shape(f"{_PERIOD} expense-line:*"),
    "budget-line": _shape("value:1 narrative:+", "ref"),
    "expense-line": _shape("value:1 narrative:+", "ref"),
    "document-link/recipient-country": _shape(_OPTIONAL_NARRATIVES, "!code"),
    "iati-organisation/document-link": _shape(
        "title:1 description:* category:+ language:* document-date:? recipient-country:*",
        "!url !format",
    ),
}

# ASCII digits only (re.ASCII), as XML Schema's: Python's \d, int() and Decimal() take "٣".
_DATE = re.compile(r"(-?\d{4,})-(\d\d)-(\d\d)(?:Z|[+-]\d\d:\d\d)?", re.ASCII)
_DATETIME = re.compile(
    r"(-?\d{4,})-(\d\d)-(\d\d)T([01]\d|2[0-3]):([0-5]\d):([0-5]\d)(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)?",
    re.ASCII,
)
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)", re.ASCII)
_INTEGER = re.compile(r"[+-]?\d+", re.ASCII)
_BOOLEANS = frozenset({"true", "false", "1", "0"})


def _valid_day(match: re.Match[str] | None) -> bool:
    if match is None:
        return False
    try:
        dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return False
    return True


_KINDS: dict[str, tuple[Callable[[str], bool], str]] = {
    "text": (lambda v: True, ""),
    "date": (lambda v: _valid_day(_DATE.fullmatch(v)), "not an ISO date (YYYY-MM-DD)"),
    "datetime": (
        lambda v: _valid_day(_DATETIME.fullmatch(v)),
        "not an ISO date and time (YYYY-MM-DDThh:mm:ss)",
    ),
    "decimal": (lambda v: _DECIMAL.fullmatch(v) is not None, "not a decimal number"),
    "int": (lambda v: _INTEGER.fullmatch(v) is not None, "not a whole number"),
    "posint": (
        # Not int(v): Python refuses to convert more than 4,300 digits.
        lambda v: _INTEGER.fullmatch(v) is not None and v[0] != "-" and v.lstrip("+0") != "",
        "not a whole number above 0",
    ),
    "bool": (lambda v: v in _BOOLEANS, "not a boolean (true, false, 1 or 0)"),
}


class _Fault(Exception):
    """A rule a record breaks: where (element path), the raw value, why."""

    def __init__(self, path: str, value: str | None, reason: str) -> None:
        super().__init__(reason)
        self.path, self.value, self.reason = path, value, reason


@cache
def _child_shape(parent: str, name: str) -> _Shape | None:
    """The rule of a child of ``parent``: ``parent/child`` first, then ``child``."""
    return _SHAPES.get(f"{parent}/{name}") or _SHAPES.get(name)


def _check(
    element: ET.Element, tag: str, shape: _Shape, faults: list[_Fault], path: str = ""
) -> None:
    """Append to ``faults`` every structural rule ``element`` and its children break.

    ``path`` names the element inside its record as a person reads it:
    ``transaction[3]/value``; an index is given where the element may repeat. Called for
    every element of a file, so it avoids work on the common, valid case.
    """
    attrib = element.attrib
    if attrib or shape.required:
        here = path or tag
        attrs = shape.attrs
        for name, value in attrib.items():
            if name[0] == "{":
                continue  # Namespaced attributes are allowed extensions.
            rule = attrs.get(name)
            if rule is None:
                faults.append(_Fault(f"{here}/@{name}", value, "attribute not allowed here"))
            elif rule[1] != "text":
                test, reason = _KINDS[rule[1]]
                if not test(value.strip()):
                    faults.append(_Fault(f"{here}/@{name}", value, reason))
        for name in shape.required:
            if name not in attrib:
                faults.append(_Fault(f"{here}/@{name}", None, "required attribute missing"))
    kind = shape.text
    if kind == "decimal":
        text = element.text.strip() if element.text else ""
        # Text in or after a child ("1<x:b>2</x:b>") is part of the value, which is read from
        # element.text only.
        split = len(element) and "".join(element.itertext()).strip() != text
        if not _DECIMAL.fullmatch(text) or split:
            faults.append(_Fault(path or tag, element.text, "not a decimal number"))
    elif kind == "none" and element.text and element.text.strip():
        faults.append(_Fault(path or tag, element.text.strip(), "this element holds no text"))
    if not len(element) and not shape.needed:
        return
    counts: dict[str, int] = {}
    kids = shape.children
    for child in element:
        name = child.tag
        if kind == "none" and child.tail and child.tail.strip():
            faults.append(_Fault(path or tag, child.tail.strip(), "this element holds no text"))
        if not isinstance(name, str) or name[0] == "{":
            continue  # Comments, processing instructions and namespaced extensions.
        seen = counts[name] = counts.get(name, 0) + 1
        count = kids.get(name)
        if count is None:
            where = f"{path}/{name}" if path else name
            faults.append(_Fault(where, None, f"element not allowed in {tag!r}"))
            continue
        child_shape = _child_shape(tag, name)
        if child_shape is not None:
            where = f"{path}/{name}" if path else name
            if count in "*+":
                where = f"{where}[{seen}]"
            _check(child, name, child_shape, faults, where)
    for name, seen in counts.items():
        if seen > 1 and kids.get(name) in ("1", "?"):
            where = f"{path}/{name}" if path else name
            faults.append(_Fault(where, str(seen), f"appears {seen} times; at most once"))
    for name in shape.needed:
        if name not in counts:
            where = f"{path}/{name}" if path else name
            faults.append(_Fault(where, None, "required element missing"))


#: Children of an activity that sahel_core reads: a fault there rejects the activity. Faults
#: in other (known) elements are schema warnings reported in ``ReadResult.notes``.
_READ = frozenset(
    {
        "iati-identifier",
        "reporting-org",
        "title",
        "participating-org",
        "activity-date",
        "recipient-country",
        "sector",
        "budget",
        "transaction",
        "organisation-identifier",
        "name",
    }
)


def _is_warning(fault: _Fault, kind: str) -> bool:
    """A fault inside a known element that sahel_core does not read."""
    first = fault.path.split("/", 1)[0].split("[", 1)[0]
    return first not in _READ and first != kind and first in _SHAPES[kind].children


# -- reading --------------------------------------------------------------------------------------


#: What may come before the root: whitespace, comments, processing instructions (the XML
#: declaration is one) and a DOCTYPE with its internal subset, whose quoted strings and
#: comments may hold ``]`` or ``>``. The loops are possessive (``*+``): a head that never
#: reaches a root fails in linear time instead of trying every way to split it.
_PROLOG_PART = re.compile(
    rb"""[ \t\r\n]+
    | <!--.*?-->
    | <\?.*?\?>
    | <!DOCTYPE(?:[^"'\[>]|"[^"]*"|'[^']*')*+
      (?:\[(?:<!--.*?-->|<\?.*?\?>|"[^"]*"|'[^']*'|[^"'\]<]|<(?!!--|\?))*+\][ \t\r\n]*)?>
    """,
    re.DOTALL | re.VERBOSE,
)
_IATI_ROOT = re.compile(rb"<iati-(?:activities|organisations)[ \t\r\n>/]")


def sniff_iati(head: bytes, name: str) -> bool:
    """True when the root element of the first bytes is ``<iati-activities>`` or
    ``<iati-organisations>``: a text that only mentions the tag is not IATI XML. A DOCTYPE
    before the root is passed over, so the file is claimed and then refused as unsafe."""
    at = 3 if head.startswith(b"\xef\xbb\xbf") else 0
    while part := _PROLOG_PART.match(head, at):
        at = part.end()
    return _IATI_ROOT.match(head, at) is not None


def _events(path: Path) -> Iterator[tuple[str, ET.Element]]:
    """Start/end events of a file, with unsafe XML and syntax errors as SahelErrors."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import iterparse

    source = path.name
    try:
        yield from iterparse(
            str(path),
            events=("start", "end"),
            forbid_dtd=True,
            forbid_entities=True,
            forbid_external=True,
        )
    except DefusedXmlException as exc:
        raise UnsafeInput(
            f"unsafe XML refused ({type(exc).__name__}): IATI files never need a DTD, entities "
            "or external references",
            source=source,
        ) from None
    except ET.ParseError as exc:
        line, column = getattr(exc, "position", (None, None))
        raise FormatError(
            f"not well-formed XML: {exc}", source=source, location=f"line {line}, column {column}"
        ) from None
    except (ValueError, LookupError) as exc:  # An encoding the XML declaration gets wrong.
        raise FormatError(f"cannot read the XML: {exc}", source=source) from None


@define
class _Reader:
    """One pass over one file: builds records, chunks them into tables, counts rejections."""

    path: Path
    strict: bool = False
    kind: str = ""
    stem: str = ""
    read: int = 0
    rejections: list[Rejection] = field(factory=list)
    operations: list[Operation] = field(factory=list)
    transactions: list[dict[str, Any]] = field(factory=list)
    donors: dict[str, Donor] = field(factory=dict)
    frames: dict[str, list[pl.DataFrame]] = field(factory=dict)
    seen: dict[str, int] = field(factory=dict)
    notes: list[str] = field(factory=list)
    warned: list[str] = field(factory=list)
    rekeyed: list[str] = field(factory=list)
    funding_notes: dict[str, list[str]] = field(
        factory=lambda: {reason: [] for reason in _FUNDING_NOTES}
    )

    def run(self) -> ReadResult:
        self.stem = self.path.stem or self.path.name
        events = _events(self.path)
        root: ET.Element | None = None
        kind = ""
        depth = 0
        for event, element in events:
            if event == "start":
                depth += 1
                if depth == 1:
                    root = element
                    kind = self.kind = self._root(element)
                continue
            depth -= 1
            if depth != 1 or root is None:
                continue
            if element.tag == kind:
                self.read += 1
                self._record(kind, element)
                if len(self.operations) >= _CHUNK:
                    self._flush()
            elif isinstance(element.tag, str) and not element.tag.startswith("{"):
                raise FormatError(
                    f"element {element.tag!r} not allowed in {root.tag!r}",
                    source=self.path.name,
                    field=element.tag,
                )
            root.remove(element)  # Streaming: forget what has been read.
        if root is None:
            raise FormatError("empty XML document", source=self.path.name)
        self._flush()
        return self._result()

    def _root(self, element: ET.Element) -> str:
        if element.tag == "iati-activity":
            raise FormatError(
                "a bare <iati-activity> root (IATI 1.x style): IATI 2.0x files wrap activities "
                "in <iati-activities version=...>",
                source=self.path.name,
                field="root",
                value=str(element.tag),
            )
        if element.tag not in ("iati-activities", "iati-organisations"):
            raise FormatError(
                "not an IATI file: the root must be <iati-activities> or <iati-organisations>",
                source=self.path.name,
                field="root",
                value=str(element.tag),
            )
        for name, value in element.attrib.items():
            if name.startswith("{"):
                continue
            shape = _SHAPES[element.tag]
            if name not in shape.attrs:
                raise FormatError(
                    "attribute not allowed on the root",
                    source=self.path.name,
                    field=name,
                    value=value,
                )
            test, reason = _KINDS[shape.attrs[name][1]]
            if not test(value.strip()):
                raise FormatError(reason, source=self.path.name, field=name, value=value)
        if "version" not in element.attrib:
            raise FormatError(
                "an IATI file states its @version", source=self.path.name, field="version"
            )
        return {"iati-activities": "iati-activity", "iati-organisations": "iati-organisation"}[
            element.tag
        ]

    def _record(self, kind: str, element: ET.Element) -> None:
        row = self.read
        faults: list[_Fault] = []
        _check(element, kind, _SHAPES[kind], faults)
        warnings: list[_Fault] = []
        errors: list[_Fault] = []
        for fault in faults:  # one pass: an activity may hold thousands of them
            (warnings if not self.strict and _is_warning(fault, kind) else errors).append(fault)
        try:
            if errors:
                raise errors[0]
            if kind == "iati-activity":
                self._activity(element, row)
            else:
                self._organisation(element, row)
        except _Fault as fault:
            self.rejections.append(Rejection(row, fault.path, fault.value, fault.reason))
        except SahelError as exc:
            value = None if exc.value is None else str(exc.value)
            self.rejections.append(Rejection(row, exc.field or kind, value, exc.message))
        else:
            if warnings:
                first = warnings[0]
                self.warned.append(f"{kind} {row}: {first.path}: {first.reason}")

    # -- one activity ------------------------------------------------------------------------

    def _identifier(self, element: ET.Element, tag: str, row: int) -> str:
        found = element.find(tag)
        text = "" if found is None else (found.text or "").strip()
        key = text or f"{self.stem}:{row}"
        if key in self.seen:
            raise _Fault(tag, text, f"repeats the {tag} of record {self.seen[key]}")
        return key

    def _activity(self, element: ET.Element, row: int) -> None:
        from sahel_core.entities import Operation, OperationKind, Place

        ident = self._identifier(element, "iati-identifier", row)
        lang = element.get(_LANG, "")
        note = f"iati-identifier {ident}"
        reporting = element.find("reporting-org")
        assert reporting is not None  # _check requires it.
        reporter = self._donor(reporting, lang, row, f"{note}, reporting-org")
        funders = [
            self._donor(org, lang, row, f"{note}, funding participating-org")
            for org in element.findall("participating-org")
            if org.get("role", "").strip() == "1"
        ]
        countries = [
            _iso3(c.get("code", ""), f"recipient-country[{n}]/@code")
            for n, c in enumerate(element.findall("recipient-country"), start=1)
        ]
        sectors = _sector_keys(element.findall("sector"))
        # A transaction without a country of its own is in the activity's, when it has one.
        only = countries[0] if len(set(countries)) == 1 else None
        pairs = [
            self._transaction(t, n, ident, row, element, only, sectors, reporting)
            for n, t in enumerate(element.findall("transaction"), start=1)
        ]
        transactions = [transaction for transaction, _ in pairs]
        providers = [donor for _, donor in pairs if donor is not None]
        if not sectors:
            sectors = list(dict.fromkeys(t["sector"] for t in transactions if t["sector"]))
        donors = [d.id for d in funders] or [reporter.id]
        funding, noted = _funding(element, transactions)
        operation = Operation(
            id=ident,
            kind=OperationKind.PROGRAMME,
            title=_narrative(element.find("title"), lang),
            date=_activity_dates(element),
            places=tuple(Place(code) for code in dict.fromkeys(countries)),
            donors=tuple(dict.fromkeys(donors)),
            sectors=tuple(sectors),
            funding=tuple(funding),
            sources=(self._source(row, note),),
        )
        # Only an accepted activity adds its identifier, donors and transactions.
        self.seen[ident] = row
        # The reporter and funders first: a donor's record cites the first role it was read in.
        for donor in (reporter, *funders, *providers):
            self.donors.setdefault(donor.id, donor)
        self.operations.append(operation)
        self.transactions.extend(transactions)
        for reason, detail in noted.items():
            self.funding_notes[reason].append(f"{ident} ({detail})" if detail else ident)

    def _organisation(self, element: ET.Element, row: int) -> None:
        ident = self._identifier(element, "organisation-identifier", row)
        reporting = element.find("reporting-org")
        assert reporting is not None  # _check requires it.
        name = _narrative(element.find("name"), element.get(_LANG, ""))
        donor = _make_donor(ident, name, self._source(row, f"organisation-identifier {ident}"))
        if donor.id in self.donors:
            donor = self._rekeyed(donor, ident, name or ident)
        self.seen[ident] = row
        self.donors[donor.id] = donor

    def _rekeyed(self, donor: Donor, ident: str, name: str) -> Donor:
        """``donor`` under its own organisation-identifier: its key is an earlier organisation's.

        Activities name one donor many ways (``XM-DAC-5-7``, ``DE-1``: Germany), and merging
        those is the point of the keys; but each record of an organisation file is a distinct
        organisation (identifiers are unique), so two ministries both keyed ``DEU`` must not
        merge. The first keeps the shared key, so activities still join on it.
        """
        from sahel_core.entities import Donor, DonorKind

        taken = self.donors[donor.id].sources[0].row
        if ident in self.donors:  # Even its own identifier is a donor key: nothing tells them.
            also = self.donors[ident].sources[0].row
            raise _Fault(
                "organisation-identifier",
                ident,
                f"its donor id {donor.id!r} is that of record {taken} and its identifier that "
                f"of record {also}",
            )
        self.rekeyed.append(f"{ident} (would be {donor.id}, record {taken})")
        # Keyed by a ref, not an ISO3 code, it is no longer the government itself.
        return Donor(
            id=ident,
            name=name,  # Its own, not the shared one ("Germany" for a German ministry).
            kind=DonorKind.ORGANISATION,
            country=donor.country,
            sources=donor.sources,
        )

    def _source(self, row: int, note: str) -> SourceRef:
        from sahel_core.entities import SourceRef

        return SourceRef(file=self.path.name, row=row, note=note)

    def _donor(self, org: ET.Element, lang: str, row: int, note: str) -> Donor:
        return _make_donor(
            org.get("ref", "").strip(), _narrative(org, lang), self._source(row, note)
        )

    def _transaction(
        self,
        element: ET.Element,
        number: int,
        activity: str,
        row: int,
        parent: ET.Element,
        only_country: str | None,
        sectors: list[str],
        reporting: ET.Element,
    ) -> tuple[dict[str, Any], Donor | None]:
        """The transaction's row, and the donor of its provider (None without one)."""
        value = element.find("value")
        assert value is not None  # _check requires it.
        kind_element = element.find("transaction-type")
        kind = None if kind_element is None else kind_element.get("code", "").strip()
        org, inferred = _provider(element, kind, reporting)
        # The reporting-org always has a key: _activity made its donor, which needs one.
        provider = _org_key(org)
        note = f"iati-identifier {activity}, transaction[{number}] provider-org"
        donor = (
            None
            if org is None or provider is None
            else self._donor(org, parent.get(_LANG, ""), row, note)
        )
        when = element.find("transaction-date")
        day = _day(when.get("iso-date") if when is not None else None)
        value_day = _day(value.get("value-date"))
        country = element.find("recipient-country")
        own_sectors = _sector_keys(element.findall("sector"))
        return {
            "activity": activity,
            "row": row,
            "type": kind,
            "date": day or value_day,
            "value_date": value_day or day,
            "value": _amount(value.text, f"transaction[{number}]/value"),
            "currency": _currency(value, parent),
            "provider_org": provider,
            "provider_inferred": inferred,
            "provider_donor": None if donor is None else donor.id,
            "receiver_org": _org_key(element.find("receiver-org")),
            "recipient_country": (
                _iso3(country.get("code", ""), f"transaction[{number}]/recipient-country/@code")
                if country is not None
                else only_country
            ),
            "sector": own_sectors[0]
            if own_sectors
            else (sectors[0] if len(sectors) == 1 else None),
            # The transaction's flag, when it has one, overrides the activity's.
            "humanitarian": _flag(element.get("humanitarian", parent.get("humanitarian"))),
        }, donor

    # -- tables --------------------------------------------------------------------------------

    def _flush(self) -> None:
        import polars as pl

        from sahel_core.tables import from_entities

        if self.operations:
            frame = from_entities(self.operations, "operation")
            self.frames.setdefault("operation", []).append(frame)
        if self.transactions:
            frame = pl.DataFrame(self.transactions, schema=transaction_schema(), orient="row")
            self.frames.setdefault("transaction", []).append(frame)
        self.operations, self.transactions = [], []

    def _result(self) -> ReadResult:
        import polars as pl

        from sahel_core.tables import from_entities, schema

        def table(name: str, empty: Mapping[str, pl.DataType]) -> pl.DataFrame:
            frames = self.frames.get(name)
            return pl.concat(frames) if frames else pl.DataFrame(schema=dict(empty))

        from sahel_core.tabular import first_few

        if self.warned:
            self.notes.append(
                f"{len(self.warned)} record(s) kept despite schema faults in elements not read "
                f"(read_iati(strict=True) rejects them): "
                f"{first_few(self.warned, _SHOWN_WARNINGS, '; ')}"
            )
        if self.rekeyed:
            self.notes.append(
                f"{len(self.rekeyed)} organisation(s) keyed by their organisation-identifier, "
                f"as the donor key they map to is an earlier organisation's: "
                f"{first_few(self.rekeyed, _SHOWN_WARNINGS, '; ')}"
            )
        for reason, activities in self.funding_notes.items():
            if activities:
                self.notes.append(
                    f"{len(activities)} activit{'y' if len(activities) == 1 else 'ies'} "
                    f"{_FUNDING_NOTES[reason]}: "
                    f"{first_few(activities, _SHOWN_WARNINGS, '; ')}"
                )
        tables = {"donor": from_entities(self.donors.values(), "donor")}
        if self.kind == "iati-activity":
            tables = {
                "operation": table("operation", schema("operation")),
                **tables,
                "transaction": table("transaction", transaction_schema()),
            }
        return ReadResult(
            format="iati",
            source=str(self.path),
            tables=tables,
            read=self.read,
            rejections=self.rejections,
            notes=self.notes,
        )


# -- pieces of an activity ------------------------------------------------------------------------


def _narrative(element: ET.Element | None, lang: str) -> str | None:
    """The English narrative of ``element`` when there is one, else the first non-empty one."""
    if element is None:
        return None
    texts = [
        ((n.get(_LANG) or lang).lower(), (n.text or "").strip())
        for n in element.findall("narrative")
    ]
    texts = [(code, text) for code, text in texts if text]
    for code, text in texts:
        if code.startswith("en"):
            return text
    return texts[0][1] if texts else None


def _day(text: str | None) -> dt.date | None:
    """An xs:date checked by the rules; any timezone suffix is dropped."""
    if not text:
        return None
    match = _DATE.fullmatch(text.strip())
    if match is None:
        return None
    year = int(match[1])
    if not 1 <= year <= 9999:
        return None
    return dt.date(year, int(match[2]), int(match[3]))


def _activity_dates(element: ET.Element) -> PartialDate | None:
    from sahel_core.dates import PartialDate

    found: dict[str, dt.date] = {}
    for date in element.findall("activity-date"):
        day = _day(date.get("iso-date"))
        if day is not None:
            found.setdefault(date.get("type", "").strip(), day)
    start = found.get("2") or found.get("1")
    end = found.get("4") or found.get("3")
    if start is None:
        return None
    if end is not None and end < start:
        raise _Fault(
            "activity-date",
            f"{start.isoformat()}/{end.isoformat()}",
            "the activity ends before it starts",
        )
    text = f"{start.isoformat()}/{end.isoformat() if end else '..'}"
    return PartialDate(start, end, text)


def _amount(text: str | None, path: str) -> Decimal:
    try:
        value = Decimal((text or "").strip())
    except InvalidOperation:
        raise _Fault(path, text, "not a decimal number") from None
    if value.is_finite() and value.copy_abs() < MAX_MAGNITUDE:
        # Tables keep 9 decimal places; a finer figure is not money anyone paid.
        value = round_places(value)
    if not value.is_finite() or value.copy_abs() >= MAX_MAGNITUDE:
        raise _Fault(path, text, "not a number a table can hold (at most 29 digits)")
    return value


def _currency(value: ET.Element, activity: ET.Element) -> str | None:
    # A blank @currency is no currency: the activity's default applies, as for an absent one.
    text = (value.get("currency") or "").strip() or (activity.get("default-currency") or "").strip()
    if not text:
        return None
    try:
        return currency_code(text)
    except ValidationError as exc:
        raise _Fault("value/@currency", text, exc.message) from None


def _org_key(element: ET.Element | None) -> str | None:
    if element is None:
        return None
    return element.get("ref", "").strip() or _narrative(element, "") or None


#: TransactionType codes the codelist calls outgoing funds: 2 outgoing commitment,
#: 3 disbursement, 4 expenditure, 7 reimbursement (a disbursement), 8 purchase of equity,
#: 12 outgoing pledge. Interest (5), loan repayments (6) and credit guarantees (10) flow either
#: way depending on who reports them, so nothing is assumed for them.
_OUTGOING = frozenset({"2", "3", "4", "7", "8", "12"})


def _provider(
    transaction: ET.Element, kind: str | None, reporting: ET.Element
) -> tuple[ET.Element | None, bool]:
    """The element naming a transaction's provider, and whether the standard's default gave it.

    IATI 2.0x, ``transaction/provider-org``: "If omitted on outgoing funds the reporting-org
    is assumed." For incoming funds it assumes the reporter is the receiver, and names no
    provider: those stay without one, as taking a funding participating-org for it would
    credit money to a donor no source says paid it. An element, not a key, so that the
    provider's raw key and its donor key both come from it, whoever it is.
    """
    own = transaction.find("provider-org")
    if _org_key(own) is None and kind in _OUTGOING:
        return reporting, True
    return own, False


def _flag(text: str | None) -> bool | None:
    """An xs:boolean attribute that :func:`_check` passed ("1", "true", "0", "false", with
    spaces around); None when absent."""
    return None if text is None else text.strip() in ("1", "true")


def _sector_keys(sectors: Iterable[ET.Element]) -> list[str]:
    keys = []
    for sector in sectors:
        code = sector.get("code", "").strip()
        vocabulary = sector.get("vocabulary", "1").strip() or "1"
        if code:
            keys.append(code if vocabulary == "1" else f"{vocabulary}:{code}")
    return list(dict.fromkeys(keys))


def _funding(
    activity: ET.Element, transactions: list[dict[str, Any]]
) -> tuple[list[Money], dict[str, str]]:
    """One Money per currency: the net commitment, else the budgets' total; and what the notes
    say of it, as ``{reason of _FUNDING_NOTES: detail}``."""
    from sahel_core.money import Money
    from sahel_core.qualifiers import Qualifier

    noted: dict[str, str] = {}
    pairs = [(t["value"], t["currency"]) for t in transactions if t["type"] == "2"]
    where = "transaction"
    if not pairs:
        pairs, partly = _budgets(activity)
        where = "budget"
        if partly:
            noted["overlap"] = ""
    totals: dict[str, Decimal] = {}
    # Wide enough to add any values a table holds (29 digits, 9 places) exactly.
    with localcontext(prec=80):
        for amount, currency in pairs:
            if currency is None:
                noted["currency"] = ""
            else:
                totals[currency] = totals.get(currency, Decimal(0)) + amount
    funding, below = [], []
    for currency, total in totals.items():
        if total.copy_abs() >= MAX_MAGNITUDE:
            raise _Fault(where, str(total), "a total no table can hold (at most 29 digits)")
        if total < 0:
            below.append(f"{currency} {total}")
        else:
            funding.append(Money(total, currency, Qualifier.EXACT, text=str(total)))
    if below:
        noted["negative"] = ", ".join(below)
    return funding, noted


def _budgets(activity: ET.Element) -> tuple[list[tuple[Decimal, str | None]], bool]:
    """The budget values funding adds, and whether an original budget (type 1, the default)
    overlaps a revised one (type 2) in part: a revised budget replaces the originals within
    its period (IATI; quarters revised by a year's budget too), but nothing tells which part
    of an original a partial overlap revises."""
    budgets = []
    for budget in activity.findall("budget"):
        value = budget.find("value")
        assert value is not None  # _check requires it.
        period = (_date_of(budget, "period-start"), _date_of(budget, "period-end"))
        amount = _amount(value.text, "budget/value")
        budgets.append((budget.get("type", "").strip() == "2", period, amount, value))
    revised = sorted({period for is_revised, period, *_ in budgets if is_revised})
    starts = [start for start, _ in revised]
    # The latest end among the revised periods starting by each start: containment and
    # overlap tests in log time, as an activity may hold thousands of budgets.
    reach = list(accumulate((end for _, end in revised), max))
    kept, partly = [], False
    for is_revised, (start, end), amount, value in budgets:
        if not is_revised:
            within = bisect_right(starts, start)  # the revised periods starting by its start
            if within and reach[within - 1] >= end:
                continue  # inside a revised period: replaced
            before = bisect_right(starts, end)
            partly = partly or (before > 0 and reach[before - 1] >= start)
        kept.append((amount, _currency(value, activity)))
    return kept, partly


def _date_of(parent: ET.Element, tag: str) -> dt.date:
    child = parent.find(tag)
    day = _day(None if child is None else child.get("iso-date"))
    assert day is not None  # _check requires a valid date.
    return day


def _make_donor(ref: str, name: str | None, source: SourceRef) -> Donor:
    """A donor record for an organisation: a government when its ref says so, a donor of the
    reference data when its ref or name is known there, else an organisation."""
    from sahel_core.entities import Donor, DonorKind
    from sahel_core.reference import donor as known

    label = name or ref
    if not label:
        raise _Fault("participating-org", None, "an organisation needs a ref or a name")
    country = _government(ref)
    for text in (country, ref, name) if country is None else (country,):
        if not text:
            continue
        try:
            found = known(text)
        except SahelError:
            continue
        return Donor(
            id=found.id, name=found.name, kind=found.kind, country=found.country, sources=(source,)
        )
    return Donor(
        id=ref or label, name=label, kind=DonorKind.ORGANISATION, country=None, sources=(source,)
    )


#: DAC donor codes of the governments most present in Sahel programmes: ``XM-DAC-5-7`` → DEU.
_DAC_GOVERNMENTS: dict[str, str] = {
    "1": "AUT", "2": "BEL", "3": "DNK", "4": "FRA", "5": "DEU", "6": "ITA", "7": "NLD",
    "8": "NOR", "9": "PRT", "10": "SWE", "11": "CHE", "12": "GBR", "18": "FIN", "21": "IRL",
    "22": "LUX", "40": "GRC", "50": "ESP", "301": "CAN", "302": "USA", "701": "JPN",
    "742": "KOR", "801": "AUS", "820": "NZL", "76": "POL", "68": "CZE", "69": "SVK",
    "75": "HUN", "61": "SVN", "84": "LTU", "83": "LVA", "82": "EST", "130": "ISL",
}  # fmt: skip

#: Lists of identifiers (org-id.guide) that hold government bodies only: ``GB-GOV-1``, a
#: chart of accounts (``ML-COA-...``), Spain's public administration (``ES-DIR3-...``),
#: ``US-USAGOV``. Company and charity registers (``DK-CVR``, ``NO-BRC``) hold anyone.
_GOVERNMENT_LISTS = frozenset({"GOV", "COA", "DIR3", "USAGOV"})


def _government(ref: str) -> str | None:
    """ISO3 of the government an organisation ref names, by the ref alone: publishers leave
    ``@type`` out for a ministry (``GB-GOV-1``) and give type 10 to an NGO (Oxfam IBIS as
    ``DK-CVR-88136411``), so going by it gave one organisation two donor keys.

    Three forms name a government. A DAC member's ``XM-DAC-<member>[-<agency>]``. IATI 1.0x's
    ``<country>-<number>``, the bilateral agencies of the old OrganisationIdentifier codelist,
    whose prefix is the donor's ISO 3166-1 alpha-2 code (``DE-1`` BMZ, ``SE-6`` Sida, ``FR-3``
    AFD, ``CA-3`` Global Affairs Canada, ``CH-4`` SDC; Sweden reports as ``SE-0``): publishers
    still use them, and a government's money would otherwise be split between them and its
    ``XM-DAC`` form. And a list of government bodies only (:data:`_GOVERNMENT_LISTS`). The
    registers of org-id.guide put letters after the country (``GB-COH``, ``US-EIN``,
    ``DK-CVR``) and hold companies and charities: a number right after the country is what
    tells the 1.0x form from them.
    """
    if not ref.isascii():  # "ſe".upper() is "SE": codes are ASCII
        return None
    parts = ref.upper().split("-")
    if len(parts) < 2:
        return None
    if parts[:2] == ["XM", "DAC"]:
        return _DAC_GOVERNMENTS.get(parts[2]) if len(parts) >= 3 else None
    # DE-1 (IATI 1.0x) or GB-GOV-1; never GB-COH-..., a register of anyone.
    if parts[1].isdigit() or parts[1] in _GOVERNMENT_LISTS:
        return _alpha2_to_iso3(parts[0])
    return None


@cache
def _alpha2_to_iso3(code: str) -> str | None:
    try:
        return _iso3(code, "ref")
    except _Fault:
        return None


@cache
def _country_code(code: str) -> str:
    from sahel_core.reference import country

    return country(code).alpha3


def _iso3(code: str, path: str) -> str:
    """ISO3 of an IATI country code (ISO 3166 alpha-2); an unknown code is a fault."""
    text = code.strip()
    try:
        # ASCII only: "ßd".upper() is "SSD", a real code for a text that is not one.
        if len(text) == 2 and text.isascii() and text.isalpha():
            return _country_code(text.upper())
    except (ReferenceNotFound, ValidationError):
        pass
    raise _Fault(path, code, "not an ISO 3166 alpha-2 country code")


# -- public API ------------------------------------------------------------------------------------


@cache
def transaction_schema() -> dict[str, pl.DataType]:
    """Column names and polars types of the ``transaction`` table (see the module docstring)."""
    import polars as pl

    from sahel_core.tables import DECIMAL_PRECISION, DECIMAL_SCALE

    return {
        "activity": pl.String(),
        "row": pl.Int64(),
        "type": pl.String(),
        "date": pl.Date(),
        "value_date": pl.Date(),
        "value": pl.Decimal(DECIMAL_PRECISION, DECIMAL_SCALE),
        "currency": pl.String(),
        "provider_org": pl.String(),
        "provider_inferred": pl.Boolean(),
        "provider_donor": pl.String(),
        "receiver_org": pl.String(),
        "recipient_country": pl.String(),
        "sector": pl.String(),
        "humanitarian": pl.Boolean(),
    }


def read_iati(path: Path, options: ReadOptions, *, strict: bool = False) -> ReadResult:
    """Read an IATI activity or organisation file; see the module docstring for the tables.

    ``strict=True`` rejects a record for any schema fault this module checks, also in
    elements it does not read (by default those are reported in ``notes`` and kept).

    Raises :class:`~sahel_core.errors.UnsafeInput` for DTDs/entities/external references and
    :class:`~sahel_core.errors.FormatError` for files that are not IATI XML; faults of single
    activities become rejections.
    """
    from sahel_core.tabular import unused_mapping

    try:
        result = _Reader(Path(path), strict=strict).run()
    except OSError as exc:
        raise FormatError(
            f"cannot read the file: {exc.strerror or exc}", source=str(path)
        ) from None
    if options.entity is not None:
        if options.entity not in result.tables:
            raise FormatError(
                f"an IATI file carries {', '.join(result.tables)}, not {options.entity!r}",
                source=str(path),
                field="entity",
                value=options.entity,
            )
        result.tables = {options.entity: result.tables[options.entity]}
    result.notes += unused_mapping(options, "IATI elements are read by their names")
    return result


def convert_transactions(
    table: pl.DataFrame, currency: str, *, strict: bool = False
) -> pl.DataFrame:
    """``table`` (a transaction table) with its values in ``currency`` at each ``value_date``.

    Delegates to :func:`sahel_core.rates.convert_column` (dated rates, XOF/XAF pegged to the
    euro, one as-of join per provider): adds the columns ``<CURRENCY>`` (the converted value),
    ``rate`` (the combined rate), ``rate_date``, ``rate_source`` (the providers, "peg; ECB"),
    ``rate_path`` (each step: "XOF → EUR (peg, fixed) → USD (ECB, 2021-03-12)") and
    ``rate_error`` (why a row has no result: a currency no provider quotes at that date, a
    missing currency or date). With
    ``strict=True`` the first row without a result raises
    :class:`~sahel_core.errors.RateNotFound` naming its currency, date and activity.
    """
    import polars as pl

    from sahel_core.errors import RateNotFound
    from sahel_core.rates import convert_column

    converted = convert_column(
        table, amount="value", currency="currency", date="value_date", to=currency
    )
    if strict:
        failed = converted.filter(pl.col("rate_error").is_not_null())
        if failed.height:
            row = failed.row(0, named=True)
            raise RateNotFound(
                str(row["rate_error"]),
                location=f"activity {row['activity']}",
                field="currency",
                value=f"{row['currency']} on {row['value_date']}",
            )
    return converted


@hookimpl
def sahel_register_formats() -> Iterable[FormatSpec]:
    """The ``iati`` format: IATI 2.0x activity and organisation XML (read only)."""
    return [
        FormatSpec(
            name="iati",
            description=(
                "IATI 2.0x XML (activities → programme operations, donors and transactions; "
                "organisations → donors); streamed, DTDs and entities refused"
            ),
            extensions=(".xml",),
            media_types=("application/xml", "text/xml"),
            entities=("operation", "donor"),
            read=read_iati,
            sniff=sniff_iati,
        )
    ]
