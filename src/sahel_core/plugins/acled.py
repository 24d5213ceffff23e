"""ACLED conflict events (CSV exports) as operation records of kind ``event``.

Reads the shapes ACLED data come in: the export tool (``event_id_cnty``, ``event_date`` as
"22 February 2019", ``actor1``, ``assoc_actor_1``...), the older "All Africa" files (UPPERCASE
headers, ``ALLY_ACTOR_1``, ``DD/MM/YYYY`` dates, Windows-1252 text, empty trailing
columns), the current API shape (ISO dates, ``sub_event_type``), and tables that mix ACLED with
the Aid Worker Security Database (``data_source`` column; those incidents have a ``data_id`` but
no ACLED id). Headers match whatever their case. The text is decoded as every delimited file
is (:func:`sahel_core.plugins.csv_format.decode`): a BOM, UTF-8, else Windows-1252, else a
detection.

Each row becomes one :class:`~sahel_core.entities.Operation`:

* ``id`` ``"ACLED:<event_id_cnty>"`` (``"AWSD:<data_id>"`` for AWSD incidents, ``"ACLED:<data_id>"``
  when only ``data_id`` is given); a repeated id rejects the later row;
* ``kind`` ``event``; ``title`` the event type, with the sub-event type after a colon;
* ``date`` the event date (day-first when numeric, as ACLED writes it);
* ``places`` one :class:`~sahel_core.entities.Place`: the country as ISO3 (from ``iso3``,
  else the alpha-2 ``country_code``, else the country name) and the locality (``location``,
  else the most precise admin level given);
* ``actors`` ``actor1``, its associated actors, ``actor2`` and its associated actors (ACLED
  separates several associated actors with ``;``);
* ``fatalities`` the reported count;
* ``sources`` the file and spreadsheet row, with a note naming the ACLED event id and the
  source ACLED cites ("ACLED MLI2665; source: Kibaru").

Rows are rejected with the column as the file names it: an unknown country, a date that is not a
date, a fatality count that is not a whole number >= 0, a repeated id.

The delimiter is sniffed as the CSV reader sniffs it (an export re-saved by French Excel has
``;``). Columns are accounted as the UNODC reader accounts them: those not read (``latitude``,
``notes``, a column without a name...) are named in a note; blank header cells after the named
ones (a spreadsheet's padding) are no columns, and a row with a value under them is rejected as
a row longer than its header is; a second column of a name the reader reads (``fatalities``
twice) is compared with the first, and a row where they differ is rejected, never guessed.

HDX HAPI "conflict events" files (``location_code``, ``events``, ``fatalities``,
``reference_period_start``...) are not events but monthly counts per admin area and event type;
they are read into a separate table ``conflict_event_count`` (columns in
:func:`count_schema`), never into operations. ACLED's licence restricts redistribution of its
rows: this module reads files you have, it ships none.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sahel_core.errors import FormatError, NotThisFormat, SahelError
from sahel_core.headers import REPEAT_SUFFIX
from sahel_core.hookspecs import hookimpl
from sahel_core.specs import FormatSpec, ReadOptions, ReadResult, Rejection

if TYPE_CHECKING:
    import polars as pl

__all__ = [
    "count_schema",
    "events_table",
    "read_acled",
    "sahel_register_formats",
    "sniff_acled",
]

#: Other names of ACLED columns in older exports (lower case).
_ALIASES = {
    "ally_actor_1": "assoc_actor_1",
    "ally_actor_2": "assoc_actor_2",
    "event_id": "event_id_cnty",
}
_EVENT_KEYS = ("event_date", "fatalities", "actor1")
_ID_KEYS = ("event_id_cnty", "data_id")
_COUNTRY_KEYS = ("iso3", "country_code", "country")
# Columns only an ACLED export has, besides those the sniffer looks for.
_ACLED_OWN = ("event_id_cnty", "event_type", "sub_event_type", "inter1", "interaction",
              "geo_precision", "time_precision", "source_scale")  # fmt: skip
_COUNT_KEYS = ("location_code", "event_type", "events", "reference_period_start")
#: The columns each table is made of; any other is named in a note.
_EVENT_COLUMNS = frozenset((*_EVENT_KEYS, *_ID_KEYS, *_COUNTRY_KEYS, "data_source", "source",
                            "event_type", "sub_event_type", "assoc_actor_1", "actor2",
                            "assoc_actor_2", "location", "admin1", "admin2", "admin3"))  # fmt: skip
_COUNT_COLUMNS = frozenset((*_COUNT_KEYS, "admin_level", "admin1_code", "admin1_name",
                            "admin2_code", "admin2_name", "fatalities",
                            "reference_period_end"))  # fmt: skip


def _key(name: str) -> str:
    """The ACLED name of a column: lower case, older names as today's."""
    key = REPEAT_SUFFIX.sub("", name).strip().lower()
    return _ALIASES.get(key, key)


def sniff_acled(head: bytes, name: str) -> bool:
    """True when the first line is an ACLED event header or an HDX HAPI conflict-event one,
    whatever its delimiter (an export re-saved by French Excel has ";")."""
    import csv

    from sahel_core.plugins.csv_format import head_text, sniff_delimiter

    text = head_text(head)
    if text is None:
        return False
    first = text.split("\n", 1)[0]
    columns = {_key(h) for h in next(csv.reader([first], delimiter=sniff_delimiter(text)), [])}
    events = all(k in columns for k in _EVENT_KEYS) and any(k in columns for k in _ID_KEYS)
    return events or all(k in columns for k in _COUNT_KEYS)


def _frame(
    text: str, source: str, delimiter: str
) -> tuple[pl.DataFrame, list[int], list[Rejection], dict[str, str]]:
    """Every cell as text under lower-case ACLED names, spreadsheet row numbers, the rows
    refused on the way, and the other columns: ``column N`` of the frame → the ACLED name
    it repeats, or "" for a column without a name. A row with more filled cells than the
    header's named ones is refused, as the CSV and UNODC readers refuse it; rows with no cell
    filled (blank lines, ",,,,") are not records, whichever reader reads the file."""
    import polars as pl

    from sahel_core.plugins.csv_format import exact_frame, fast_frame, fit_rows
    from sahel_core.plugins.hxl import is_hashtag_row
    from sahel_core.tabular import filled_width

    refused: list[Rejection] = []
    try:
        frame = fast_frame(text.encode("utf-8"), delimiter)
        numbers = list(range(2, frame.height + 2))
    except (pl.exceptions.PolarsError, ValueError):
        frame, numbers, refused = exact_frame(text, delimiter, source, cut=is_hashtag_row)
    filled = frame.select(
        pl.any_horizontal(
            pl.lit(False), *(pl.col(c).str.strip_chars() != "" for c in frame.columns)
        ).alias("filled")
    ).to_series()
    numbers = pl.Series(numbers, dtype=pl.Int64).filter(filled).to_list()
    frame = frame.filter(filled)
    keys = [_key(name) for name in frame.columns]
    width = filled_width(keys)
    rename: dict[str, str] = {}
    others: dict[str, str] = {}
    for number, (name, key) in enumerate(zip(frame.columns, keys[:width], strict=False), 1):
        first = bool(key) and key not in rename.values()
        rename[name] = key if first else f"column {number}"
        if not first:
            others[rename[name]] = key
    acled = [name for name, key in rename.items() if key not in others]
    if acled and frame.height and is_hashtag_row(frame.select(acled).row(0)):
        # HDX publishes ACLED with an HXL hashtag row under the header: not an event.
        frame, numbers = frame.slice(1), numbers[1:]
    if width < frame.width:
        # Blank header cells after the named ones pad a spreadsheet's CSV copy; they name no
        # column, and a value under them is refused with its row, as one past the header is.
        past = frame.select(
            pl.any_horizontal(pl.col(c).str.strip_chars() != "" for c in frame.columns[width:])
        ).to_series().fill_null(False)  # fmt: skip
        spilt = zip(pl.Series(numbers).filter(past), frame.filter(past).rows(), strict=True)
        for row, cells in spilt:
            refused += fit_rows([[c or "" for c in cells]], width, row, delimiter)[2]
        numbers = pl.Series(numbers, dtype=pl.Int64).filter(~past).to_list()
        frame = frame.filter(~past)
    return frame.select(frame.columns[:width]).rename(rename), numbers, refused, others


def _text(frame: pl.DataFrame, name: str) -> pl.Expr:
    import polars as pl

    if name not in frame.columns:
        return pl.lit(None, pl.String)
    cell = pl.col(name).str.strip_chars()
    return pl.when(cell != "").then(cell)


def _countries(frame: pl.DataFrame) -> pl.DataFrame:
    """ISO3 per distinct (iso3, country_code, country) combination, or the reason it has none."""
    import polars as pl

    from sahel_core.reference import country

    keys = [_text(frame, k).alias(k) for k in _COUNTRY_KEYS]
    combos = frame.select(keys).unique()
    codes, reasons, fields, values = [], [], [], []
    for cells in combos.iter_rows():
        found, reason, field, value = None, "no country given", _country_column(frame.columns), None
        for key, text in zip(_COUNTRY_KEYS, cells, strict=True):
            if text is None:
                continue
            try:
                found = country(text).alpha3
                break
            except SahelError:
                # The rejection names the cell the reason is about: the last one tried.
                reason, field, value = f"unknown country {text!r}", key, text
        codes.append(found)
        reasons.append(None if found else reason)
        fields.append(None if found else field)
        values.append(None if found else value)
    return combos.with_columns(
        pl.Series("__found", codes, dtype=pl.String),
        pl.Series("__country_reason", reasons, dtype=pl.String),
        pl.Series("__country_field", fields, dtype=pl.String),
        pl.Series("__country_value", values, dtype=pl.String),
    )


def events_table(
    frame: pl.DataFrame, *, source: str, rows: Sequence[int] | pl.Series
) -> tuple[pl.DataFrame, list[Rejection]]:
    """An operation table (kind ``event``) from text columns named as ACLED names them.

    ``frame`` has lower-case ACLED column names (``event_id_cnty``, ``event_date``,
    ``actor1``...); ``rows`` the spreadsheet row of each record. Returns the canonical table and
    one rejection per refused row, naming the ACLED column at fault.
    """
    import polars as pl

    from sahel_core.normalize import normalize
    from sahel_core.tables import schema

    frame = frame.with_columns(pl.Series("__row", list(rows), dtype=pl.Int64))
    lookup = _countries(frame)
    frame = frame.with_columns([_text(frame, k).alias(f"__{k}") for k in _COUNTRY_KEYS]).join(
        lookup.rename({k: f"__{k}" for k in _COUNTRY_KEYS}),
        on=[f"__{k}" for k in _COUNTRY_KEYS],
        how="left",
        nulls_equal=True,
        maintain_order="left",
    )
    awsd = _text(frame, "data_source").str.starts_with("Aid Worker").fill_null(False)
    event_id = _text(frame, "event_id_cnty")
    data_id = _text(frame, "data_id")
    ident = pl.coalesce(
        pl.concat_str([pl.lit("ACLED:"), event_id]),
        pl.when(awsd)
        .then(pl.concat_str([pl.lit("AWSD:"), data_id]))
        .otherwise(pl.concat_str([pl.lit("ACLED:"), data_id])),
    )
    kind_word = pl.when(awsd).then(pl.lit("AWSD incident ")).otherwise(pl.lit("ACLED event "))
    note = pl.concat_str(
        [
            kind_word,
            pl.coalesce(event_id, data_id, pl.lit("without id")),
            pl.concat_str([pl.lit("; source: "), _text(frame, "source")]),
        ],
        ignore_nulls=True,
    )
    locality = pl.coalesce([_text(frame, k) for k in ("location", "admin3", "admin2", "admin1")])
    place = pl.struct(pl.col("__found").alias("country"), locality.alias("locality"))
    actors = pl.concat_str(
        [_text(frame, k) for k in ("actor1", "assoc_actor_1", "actor2", "assoc_actor_2")],
        separator=";",
        ignore_nulls=True,
    )
    title = pl.concat_str(
        [_text(frame, "event_type"), _text(frame, "sub_event_type")],
        separator=": ",
        ignore_nulls=True,
    )
    raw = frame.select(
        ident.alias("id"),
        pl.lit("event").alias("kind"),
        pl.when(title != "").then(title).alias("title"),
        _text(frame, "event_date").alias("date"),
        pl.when(pl.col("__found").is_not_null())
        .then(pl.concat_str([pl.lit("["), place.struct.json_encode(), pl.lit("]")]))
        .alias("places"),
        pl.when(actors != "").then(actors).alias("actors"),
        _text(frame, "fatalities").alias("fatalities"),
        pl.col("__row"),
        note.alias("__note"),
        pl.col("__country_reason"),
        pl.col("__country_field"),
        pl.col("__country_value"),
    )
    bad_country = raw.filter(pl.col("__country_reason").is_not_null())
    rejections = [
        Rejection(row=row, field=field, value=value, reason=reason)
        for row, field, value, reason in bad_country.select(
            "__row", "__country_field", "__country_value", "__country_reason"
        ).iter_rows()
    ]
    good = raw.filter(pl.col("__country_reason").is_null())
    table, refused = normalize(
        good.drop("__row", "__note", "__country_reason", "__country_value"),
        "operation",
        source=source,
        locale="en",
        rows=good["__row"],
    )
    rejections += [
        Rejection(row=r.row, field=_ACLED_COLUMN.get(r.field or "", r.field), value=r.value,
                  reason=r.reason)
        for r in refused
    ]  # fmt: skip
    rejections.sort(key=lambda r: r.row or 0)
    # Cite the event: the row normalize recorded plus ACLED's id and source, joined on the id.
    struct = schema("operation")["sources"]
    assert isinstance(struct, pl.List) and isinstance(struct.inner, pl.Struct)
    fields = struct.inner.to_schema()
    notes = good.select(pl.col("id").alias("__id"), "__note").unique("__id", keep="first")
    row = pl.col("sources").list.first().struct.field("row")
    cite = pl.struct(
        [
            (
                pl.lit(source)
                if name == "file"
                else row
                if name == "row"
                else pl.col("__note")
                if name == "note"
                else pl.lit(None)
            )
            .cast(dtype)
            .alias(name)
            for name, dtype in fields.items()
        ]
    )
    table = (
        table.join(notes, left_on="id", right_on="__id", how="left", maintain_order="left")
        .with_columns(pl.concat_list([cite]).cast(struct).alias("sources"))
        .drop("__note")
    )
    return table, rejections


#: Canonical operation field → the ACLED column a user sees.
_ACLED_COLUMN = {
    "id": "event_id_cnty",
    "date": "event_date",
    "fatalities": "fatalities",
    "title": "event_type",
    "actors": "actor1",
    "places": "location",
}


def _country_column(columns: Iterable[str]) -> str:
    present = set(columns)
    return next((k for k in _COUNTRY_KEYS if k in present), "country")


def count_schema() -> dict[str, pl.DataType]:
    """Columns of the ``conflict_event_count`` table read from HDX HAPI conflict-event files."""
    import polars as pl

    return {
        "country": pl.String(),
        "admin_level": pl.Int64(),
        "admin1_code": pl.String(),
        "admin1_name": pl.String(),
        "admin2_code": pl.String(),
        "admin2_name": pl.String(),
        "event_type": pl.String(),
        "events": pl.Int64(),
        "fatalities": pl.Int64(),
        "period_earliest": pl.Date(),
        "period_latest": pl.Date(),
        "file": pl.String(),
        "row": pl.Int64(),
    }


def _counts_table(
    frame: pl.DataFrame, source: str, numbers: Sequence[int]
) -> tuple[pl.DataFrame, list[Rejection]]:
    """HDX HAPI monthly counts: typed columns, one rejection per row with a bad cell."""
    import polars as pl

    from sahel_core.entities import MAX_COUNT
    from sahel_core.reference import country

    frame = frame.with_columns(pl.Series("__row", list(numbers), dtype=pl.Int64))
    codes = frame.select(_text(frame, "location_code").alias("c")).drop_nulls().unique()["c"]
    known: dict[str, str | None] = {}
    for code in codes:
        try:
            known[code] = country(code).alpha3
        except SahelError:
            known[code] = None
    mapping = pl.DataFrame(
        {"__code": list(known), "__iso3": list(known.values())},
        schema={"__code": pl.String, "__iso3": pl.String},
    )
    frame = frame.with_columns(_text(frame, "location_code").alias("__code")).join(
        mapping, on="__code", how="left", maintain_order="left"
    )

    def whole(name: str) -> pl.Expr:
        return _text(frame, name).cast(pl.Int64, strict=False)

    def day(name: str) -> pl.Expr:
        return _text(frame, name).str.to_date("%Y-%m-%d", strict=False)

    def not_a_count(name: str) -> pl.Expr:
        # Digits that do not cast overflow the Int64 column: say so, as normalize does.
        return (
            pl.when(_text(frame, name).str.contains(r"^\+?\d+$"))
            .then(pl.lit(f"too large a count (at most {MAX_COUNT})"))
            .otherwise(pl.lit("expected a whole number >= 0"))
        )

    checks: list[tuple[str, pl.Expr, str | pl.Expr]] = [
        ("location_code", pl.col("__iso3").is_null(), "unknown country"),
        ("admin_level", _text(frame, "admin_level").is_not_null() & whole("admin_level").is_null(),
         "not a whole number"),
        ("events", whole("events").is_null() | (whole("events") < 0), not_a_count("events")),
        ("fatalities", _text(frame, "fatalities").is_not_null()
         & (whole("fatalities").is_null() | (whole("fatalities") < 0)),
         not_a_count("fatalities")),
        ("reference_period_start", day("reference_period_start").is_null(),
         "not an ISO date (YYYY-MM-DD)"),
        ("reference_period_end", _text(frame, "reference_period_end").is_not_null()
         & day("reference_period_end").is_null(), "not an ISO date (YYYY-MM-DD)"),
        ("reference_period_end", day("reference_period_end") < day("reference_period_start"),
         "the period ends before it starts"),
    ]  # fmt: skip
    fault = pl.coalesce(
        [
            pl.when(test.fill_null(False)).then(
                pl.struct(
                    field=pl.lit(name),
                    value=_text(frame, name),
                    reason=pl.lit(reason) if isinstance(reason, str) else reason,
                )
            )
            for name, test, reason in checks
        ]
    )
    frame = frame.with_columns(fault.alias("__fault"))
    rejections = [
        Rejection(row=row, field=f["field"], value=f["value"], reason=f["reason"])
        for row, f in frame.filter(pl.col("__fault").is_not_null())
        .select("__row", "__fault")
        .iter_rows()
    ]
    kept = frame.filter(pl.col("__fault").is_null())
    table = kept.select(
        pl.col("__iso3").alias("country"),
        whole("admin_level").alias("admin_level"),
        *[_text(frame, k).alias(k) for k in ("admin1_code", "admin1_name", "admin2_code")],
        _text(frame, "admin2_name").alias("admin2_name"),
        _text(frame, "event_type").alias("event_type"),
        whole("events").alias("events"),
        whole("fatalities").alias("fatalities"),
        day("reference_period_start").alias("period_earliest"),
        day("reference_period_end").alias("period_latest"),
        pl.lit(source).alias("file"),
        pl.col("__row").alias("row"),
    ).cast(count_schema())  # type: ignore[arg-type]
    return table, rejections


def read_acled(path: Path, options: ReadOptions) -> ReadResult:
    """Read an ACLED event export (or an HDX HAPI conflict-event file); see the module docs."""
    from sahel_core.plugins.csv_format import decode, sniff_delimiter
    from sahel_core.tabular import unused_mapping

    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise FormatError(f"cannot read the file: {reason}", source=path.name) from None
    # The encoding policy of all delimited text (a BOM, UTF-8, else Windows-1252 as ACLED's
    # older exports are, else a detection): sahel_core.plugins.csv_format.decode. NUL bytes
    # are looked for in the text, as the CSV reader does: UTF-16 (with a BOM) has them.
    text, _ = decode(data, path.name, options.encoding)
    if "\x00" in text:
        raise FormatError("binary data, not delimited text", source=path.name)
    if not text.strip():
        raise FormatError("empty file", source=path.name)
    frame, numbers, refused, others = _frame(text, path.name, sniff_delimiter(text))
    columns = set(frame.columns)
    if all(k in columns for k in _COUNT_KEYS):
        _only(options, "conflict_event_count", path)
        frame, numbers, disagreeing, layout = _layout(frame, numbers, others, _COUNT_COLUMNS)
        table, rejections = _counts_table(frame, path.name, numbers)
        tables = {"conflict_event_count": table}
        notes = ["HDX HAPI conflict-event counts: monthly totals per area, not single events"]
    else:
        missing = [k for k in _EVENT_KEYS if k not in columns]
        if not any(k in columns for k in _ID_KEYS):
            missing.append(" or ".join(_ID_KEYS))
        if not any(k in columns for k in _COUNTRY_KEYS):
            missing.append(" or ".join(_COUNTRY_KEYS))
        if missing:
            # The sniffer saw a few columns that other event files have too: a file with none
            # of ACLED's own is another's (NotThisFormat: read by its extension); one with
            # them is a damaged export, told as such.
            damaged = any(c in columns for c in _ACLED_OWN)
            raise (FormatError if damaged else NotThisFormat)(
                "not an ACLED event file: missing column(s) " + ", ".join(missing),
                source=path.name,
                field="header",
            )
        _only(options, "operation", path)
        frame, numbers, disagreeing, layout = _layout(frame, numbers, others, _EVENT_COLUMNS)
        table, rejections = events_table(frame, source=path.name, rows=numbers)
        tables = {"operation": table}
        notes = []
    refused += disagreeing
    return ReadResult(
        format="acled",
        source=str(path),
        tables=tables,
        read=frame.height + len(refused),
        rejections=sorted([*rejections, *refused], key=lambda r: r.row or 0),
        notes=[
            *notes,
            *layout,
            *unused_mapping(options, "ACLED's columns are read by their names"),
        ],
    )


def _layout(
    frame: pl.DataFrame, numbers: list[int], others: dict[str, str], used: frozenset[str]
) -> tuple[pl.DataFrame, list[int], list[Rejection], list[str]]:
    """The rows where a repeat of a column in ``used`` (``others``, see :func:`_frame`)
    differs from the first of its name left out and rejected, and the notes naming those
    repeats and the columns not ``used``, as the UNODC reader names them."""
    import polars as pl

    from sahel_core.headers import HeaderMap
    from sahel_core.tabular import REPEATED_NOTE, first_few, repeated_rows

    ignored = [
        f"{others[c]!r} ({c})" if others.get(c) else repr(c)
        for c in frame.columns
        if others.get(c, c) not in used
    ]
    repeats = {c: key for c, key in others.items() if key in used}
    notes = [f"ignored columns: {first_few(ignored, 20)}"] if ignored else []
    if not repeats:
        return frame, numbers, [], notes
    notes.append(f"{REPEATED_NOTE}: " + ", ".join(f"{k!r} ({c})" for c, k in repeats.items()))
    rows = pl.Series(numbers, dtype=pl.Int64)
    # A repeat is named "column N" in the frame, the ACLED name it repeats in the file.
    read = HeaderMap("operation", rename={key: key for key in repeats.values()}, repeats=repeats)
    differ, rejections = repeated_rows(frame, rows, read, [], names=repeats)
    assert differ is not None  # there are repeats
    return frame.filter(~differ), rows.filter(~differ).to_list(), rejections, notes


def _only(options: ReadOptions, entity: str, path: Path) -> None:
    if options.entity not in (None, entity):
        raise FormatError(
            f"this file carries {entity} records only",
            source=path.name,
            field="entity",
            value=options.entity,
        )


@hookimpl
def sahel_register_formats() -> Iterable[FormatSpec]:
    """The ``acled`` format (read only)."""
    return [
        FormatSpec(
            name="acled",
            description=(
                "ACLED conflict-event CSV (any vintage, latin-1 or UTF-8) → event operations; "
                "HDX HAPI conflict-event counts → conflict_event_count"
            ),
            extensions=(),
            media_types=(),
            entities=("operation",),
            read=read_acled,
            sniff=sniff_acled,
        )
    ]
