"""The IATI importer: fixtures, the schema's own test files, the d-portal extract, unsafe XML,
damaged files and memory that stays flat as the file grows."""

from __future__ import annotations

import datetime as dt
import re
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import polars as pl
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

from sahel_core.errors import FormatError, RateNotFound, SahelError, UnsafeInput
from sahel_core.io import read
from sahel_core.plugins.iati import convert_transactions, read_iati, sniff_iati
from sahel_core.specs import ReadOptions, ReadResult, Rejection
from sahel_core.tables import to_entities
from strategies import damaged

FIXTURES = Path(__file__).parent / "fixtures" / "iati"
SMALL = FIXTURES / "activities_small.xml"
REAL = "iati/dportal_iati_activities_sahel_2021-06.xml"
SCHEMA_TESTS = "iati/iati-schemas-2.03/tests"


def test_fixture_accounting_and_rejections() -> None:
    result = read(SMALL)
    assert result.format == "iati"
    assert (result.read, result.accepted, result.rejected) == (7, 2, 5)
    assert result.rejections == [
        Rejection(2, "title", "2", "appears 2 times; at most once"),
        Rejection(3, "iati-identifier", None, "required element missing"),
        Rejection(
            4, "transaction[1]/transaction-date/@iso-date", "2020-02-31",
            "not an ISO date (YYYY-MM-DD)",
        ),
        Rejection(
            5, "activity-date", "2020-06-01/2020-01-31", "the activity ends before it starts"
        ),
        Rejection(
            7, "iati-identifier", "XM-DAC-5-7-TEST-001", "repeats the iati-identifier of record 1"
        ),
    ]  # fmt: skip
    # Activity 6 has a <point> without <pos>: a fault in an element not read, reported, kept.
    assert "iati-activity 6: location[1]/point/pos" in result.notes[0]


def test_fixture_operations() -> None:
    tables = read(SMALL).tables
    operations = {o.id: o for o in to_entities(tables["operation"], "operation")}
    assert set(operations) == {"XM-DAC-5-7-TEST-001", "TEST-006"}
    first = operations["XM-DAC-5-7-TEST-001"]
    assert first.kind.value == "programme"
    assert first.title == "Capacity building for the OCS"  # English preferred over French.
    assert first.date is not None
    assert (first.date.earliest, first.date.latest) == (dt.date(2019, 3, 15), dt.date(2021, 12, 31))
    assert [p.country for p in first.places] == ["MLI", "NER"]
    assert first.donors == ("DEU", "ITA")
    assert first.sectors == ("15210",)
    # Funding: the commitment (type 2), in the default currency, exact.
    assert [(m.amount, m.currency, m.qualifier.value) for m in first.funding] == [
        (Decimal("1200000.50"), "EUR", "exact")
    ]
    assert first.sources[0].row == 1 and first.sources[0].file == "activities_small.xml"
    # No commitment: the budget is the funding; no end date: an open interval.
    second = operations["TEST-006"]
    assert [(m.amount, m.currency) for m in second.funding] == [(Decimal(75000), "CAD")]
    assert second.date is not None and second.date.latest is None


def test_fixture_donors_and_transactions() -> None:
    tables = read(SMALL).tables
    donors = {d.id: d for d in to_entities(tables["donor"], "donor")}
    assert set(donors) == {"DEU", "ITA", "CAN"}
    assert donors["DEU"].kind.value == "government" and donors["DEU"].country == "DEU"
    transactions = tables["transaction"]
    assert transactions["activity"].unique().to_list() == ["XM-DAC-5-7-TEST-001"]
    assert transactions.select("type", "value", "currency").rows() == [
        ("2", Decimal("1200000.5"), "EUR"),
        ("3", Decimal("65595700"), "XOF"),
        ("3", Decimal("1000"), "XDR"),
        ("4", Decimal("-250.25"), "USD"),
    ]
    xof = transactions.row(1, named=True)
    assert xof["date"] == dt.date(2019, 6, 30) and xof["value_date"] == dt.date(2019, 6, 28)
    assert xof["recipient_country"] == "MLI"
    # Two recipient countries: a transaction without its own has none.
    assert transactions.row(0, named=True)["recipient_country"] is None


def test_conversion_of_transactions() -> None:
    transactions = read(SMALL).tables["transaction"]
    converted = convert_transactions(transactions, "EUR")
    by_currency = {r["currency"]: r for r in converted.iter_rows(named=True)}
    # XOF is pegged: 65,595,700 XOF is exactly 100,000 EUR.
    assert by_currency["XOF"]["EUR"] == Decimal("100000")
    assert by_currency["EUR"]["EUR"] == Decimal("1200000.5")
    xdr = by_currency["XDR"]
    assert (xdr["EUR"] is not None) != (xdr["rate_error"] is not None)
    unknown = transactions.with_columns(pl.lit("ZZZ").alias("currency"))
    with pytest.raises(RateNotFound):
        convert_transactions(unknown, "EUR", strict=True)


def test_strict_rejects_faults_in_elements_not_read() -> None:
    result = read_iati(SMALL, ReadOptions(), strict=True)
    assert result.accepted == 1
    assert Rejection(6, "location[1]/point/pos", None, "required element missing") in (
        result.rejections
    )


def test_organisation_file_gives_donors() -> None:
    result = read(FIXTURES / "organisations_small.xml")
    assert (result.read, result.accepted, result.rejected) == (3, 2, 1)
    assert result.rejections == [Rejection(3, "name", None, "required element missing")]
    assert list(result.tables) == ["donor"]
    assert result.tables["donor"].select("id", "kind").rows() == [
        ("DEU", "government"),
        ("XI-TEST-1", "organisation"),
    ]


_ORGANISATION = (
    "<iati-organisation><organisation-identifier>{ident}</organisation-identifier>"
    "<name><narrative>{name}</narrative></name>"
    '<reporting-org ref="{ident}" type="{kind}"><narrative>{name}</narrative></reporting-org>'
    "</iati-organisation>"
)


def _organisations(tmp_path: Path, *orgs: tuple[str, str, str]) -> Path:
    path = tmp_path / "orgs.xml"
    body = "".join(_ORGANISATION.format(ident=i, name=n, kind=k) for i, n, k in orgs)
    path.write_text(f'<iati-organisations version="2.03">{body}</iati-organisations>')
    return path


def test_organisations_with_the_same_donor_key_stay_two_donors(tmp_path: Path) -> None:
    """BMZ and GIZ both map to government DEU: the second was dropped yet counted accepted."""
    path = _organisations(tmp_path, ("XM-DAC-5-7", "BMZ", "10"), ("XM-DAC-5-52", "GIZ", "10"))
    result = read(path)
    assert (result.read, result.accepted, result.rejected) == (2, 2, 0)
    donors = result.tables["donor"]
    assert donors.height == result.accepted
    assert donors.select("id", "name", "kind", "country").rows() == [
        ("DEU", "Germany", "government", "DEU"),  # The first keeps the key activities use.
        ("XM-DAC-5-52", "GIZ", "organisation", "DEU"),
    ]
    assert "XM-DAC-5-52 (would be DEU, record 1)" in result.notes[0]


def test_an_organisation_its_identifier_cannot_tell_apart_is_rejected(tmp_path: Path) -> None:
    # "DEU" names Germany: both its donor key and its identifier are the first record's key.
    path = _organisations(tmp_path, ("XM-DAC-5-7", "BMZ", "10"), ("DEU", "Deutschland", "60"))
    result = read(path)
    assert (result.read, result.accepted, result.rejected) == (2, 1, 1)
    assert result.tables["donor"]["id"].to_list() == ["DEU"]
    [refused] = result.rejections
    assert (refused.row, refused.field, refused.value) == (2, "organisation-identifier", "DEU")
    assert "donor id 'DEU' is that of record 1" in refused.reason


def test_activities_naming_one_donor_many_ways_still_give_one_donor(tmp_path: Path) -> None:
    path = tmp_path / "a.xml"
    path.write_text(
        _ACTIVITY.format(
            body='<participating-org ref="DE-1" role="1" type="10"><narrative>BMZ</narrative>'
            "</participating-org>"
        ),
        encoding="utf-8",
    )
    result = read(path)
    assert result.accepted == 1 and result.tables["donor"]["id"].to_list() == ["DEU"]


def test_entity_option_keeps_one_table() -> None:
    assert list(read(SMALL, options=ReadOptions(entity="donor")).tables) == ["donor"]
    with pytest.raises(FormatError):
        read(SMALL, options=ReadOptions(entity="seizure"), format="iati")


@pytest.mark.parametrize("name", ["billion_laughs.xml", "xxe.xml"])
def test_unsafe_xml_is_refused_before_expansion(name: str) -> None:
    started = time.perf_counter()
    with pytest.raises(UnsafeInput, match="unsafe XML refused"):
        read(FIXTURES / name)
    assert time.perf_counter() - started < 5  # Refused, never expanded.


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (b"<iati-activities><iati-activity/></iati-activities>", "@version"),
        (b"<?xml version='1.0'?><other/>", "not an IATI file"),
        (b"<iati-activities version='2.03'><iati-activity>", "not well-formed"),
        (b"", "not well-formed|empty"),
        (b"<iati-activity><iati-identifier>A</iati-identifier></iati-activity>", "bare"),
        (b"<?xml version='1.0' encoding='UBF-8'?><iati-activities/>", "unknown encoding"),
        (b"<iati-activities version='2.03' generated-datetime='2011-06-01'/>", "date and time"),
    ],
)
def test_file_level_faults(tmp_path: Path, text: bytes, reason: str) -> None:
    path = tmp_path / "bad.xml"
    path.write_bytes(text)
    with pytest.raises(FormatError, match=reason):
        read(path, format="iati")


def test_sniffer() -> None:
    assert sniff_iati(SMALL.read_bytes()[:4096], "x.xml")
    assert sniff_iati(b"<!-- c --><iati-organisations version='2.03'>", "x.xml")
    assert not sniff_iati(b"<iati-activity>", "x.xml")
    assert not sniff_iati(b"<html><body/></html>", "x.xml")


@pytest.mark.parametrize(
    "head",
    [
        b"Notes.\nThe root element is <iati-activities> in every file.\n",
        b"# IATI\n\n```xml\n<iati-activities version='2.03'/>\n```\n",
        b"<?xml version='1.0'?><notes>Use <iati-organisations/> roots.</notes>",
        b"<!-- <iati-activities> --><html/>",
        b"<!-- never closed <iati-activities version='2.03'>",
        b"<iati-activitiesx version='2.03'/>",
    ],
)
def test_sniffer_wants_the_tag_as_root_not_a_mention(head: bytes) -> None:
    assert not sniff_iati(head, "notes.txt")


@pytest.mark.parametrize(
    "head",
    [
        b"\xef\xbb\xbf<iati-activities version='2.03'>",
        b"<?xml version='1.0'?>\r\n<?pi a?>\n<!-- x > y -->\n<iati-organisations\tversion='2.03'>",
        b"<iati-activities/>",
        # A DOCTYPE whose strings and comments hold "]" and ">": claimed, then refused unsafe.
        b"<!DOCTYPE iati-activities SYSTEM 'a>b' [<!-- ]> --><!ENTITY e \"]>\"> %p;]>"
        b"<iati-activities version='2.03'>",
    ],
)
def test_sniffer_sees_the_root_past_the_prolog(head: bytes) -> None:
    assert sniff_iati(head, "x.xml")


def test_a_text_that_mentions_the_tag_is_not_read_as_iati(tmp_path: Path) -> None:
    from sahel_core.plugins import get_manager

    notes = tmp_path / "notes.txt"
    notes.write_text("Notes.\nThe root element is <iati-activities> in every file.\n")
    assert get_manager().detect_format(notes).name != "iati"
    for name in ("billion_laughs.xml", "xxe.xml", "organisations_small.xml"):
        assert get_manager().detect_format(FIXTURES / name).name == "iati"


@pytest.mark.shared
def test_sniffer_claims_the_real_files(shared_data: Path) -> None:
    base = shared_data / "iati"
    files = [*FIXTURES.glob("*.xml"), *base.glob("*.xml"), *base.glob("**/should-pass/**/*.xml")]
    assert len(files) > 70
    # The annotated standard examples begin with comments before the root.
    assert {"activity-standard-example-annotated.xml", REAL.split("/")[1]} <= {
        p.name for p in files
    }
    unclaimed = [p.name for p in files if not sniff_iati(p.read_bytes()[:65536], p.name)]
    assert unclaimed == []


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=damaged(SMALL.read_bytes()))
def test_damaged_files_raise_only_sahel_errors(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "damaged.xml"
    path.write_bytes(data)
    try:
        result = read_iati(path, ReadOptions())  # Not io.read: it wraps crashes.
    except SahelError:
        return
    assert result.read == result.accepted + result.rejected
    if "operation" in result.tables:
        assert result.tables["operation"].height == result.accepted


# -- the IATI schema's own test files ---------------------------------------------------------


def _outcome(path: Path, *, strict: bool = False) -> str:
    """``error``, ``rejected``, ``flagged`` (kept with a schema note) or ``clean``."""
    try:
        result = read_iati(path, ReadOptions(), strict=strict)
    except SahelError:
        return "error"
    if result.rejected:
        return "rejected"
    return "flagged" if any("schema faults" in n for n in result.notes) else "clean"


@pytest.mark.shared
def test_schema_should_pass_files_read(shared_data: Path) -> None:
    base = shared_data / SCHEMA_TESTS
    outcomes = {
        str(p.relative_to(base)): _outcome(p) for p in sorted(base.glob("*/should-pass/**/*.xml"))
    }
    assert len(outcomes) == 70
    # Two files use "xx" as a recipient country: the schema allows any text, the model wants
    # ISO 3166 codes, so those activities are rejected (a codelist check, not a schema one).
    assert {k for k, v in outcomes.items() if v != "clean"} == {
        "activity-tests/should-pass/21-transaction.xml",
        "activity-tests/should-pass/26-decimal-percentage.xml",
    }


@pytest.mark.shared
def test_schema_should_fail_files_are_caught(shared_data: Path) -> None:
    base = shared_data / SCHEMA_TESTS
    files = sorted(base.glob("*/should-fail/**/*.xml"))
    assert len(files) == 352
    outcomes = [_outcome(p) for p in files]
    # Every should-fail file is caught: 91 rejected or refused outright, 261 kept with a
    # schema note (their fault is in an element sahel_core does not read), none missed.
    counts = {k: outcomes.count(k) for k in ("error", "rejected", "flagged", "clean")}
    assert counts["clean"] == 0
    assert counts["error"] + counts["rejected"] == 91
    assert counts["flagged"] == 261
    # strict=True rejects every one of them.
    assert all(_outcome(p, strict=True) in ("error", "rejected") for p in files)


# -- the d-portal extract (../shared/data) ---------------------------------------------------------


@pytest.mark.shared
def test_real_file(shared_data: Path) -> None:
    result = read(shared_data / REAL)
    assert result.format == "iati"
    # 608 activities (SOURCES.md); 24 rejected for faults in what is read (sector without
    # code, activity-date without date, an activity ending before it starts...).
    assert (result.read, result.accepted, result.rejected) == (608, 584, 24)
    transactions = result.tables["transaction"]
    assert transactions.height == 3610
    germany = transactions.filter(pl.col("activity") == "XM-DAC-5-7-6614744")
    assert germany.select("type", "date", "value", "currency").rows() == [
        ("2", dt.date(2020, 7, 28), Decimal("112920.45"), "EUR"),
        ("3", dt.date(2020, 12, 15), Decimal("112920.45"), "EUR"),
    ]
    afdb = transactions.filter(
        (pl.col("activity") == "46002-P-NE-KA0-015") & (pl.col("type") == "2")
    )
    assert sorted(afdb["value"].to_list()) == [Decimal(39500000), Decimal(40500000)]
    assert afdb["currency"].unique().to_list() == ["XDR"]
    operation = next(
        to_entities(
            result.tables["operation"].filter(pl.col("id") == "XM-DAC-5-7-6614744"), "operation"
        )
    )
    assert operation.donors == ("DEU",) and [p.country for p in operation.places] == ["BFA"]
    donors = result.tables["donor"]
    assert donors.filter(pl.col("id") == "DEU")["kind"].to_list() == ["government"]


@pytest.mark.shared
def test_real_file_funding_and_donor_keys(shared_data: Path) -> None:
    result = read(shared_data / REAL)
    operations = {o.id: o for o in to_entities(result.tables["operation"], "operation")}
    funding = {key: [(m.amount, m.currency) for m in o.funding] for key, o in operations.items()}
    # 15 de-commitments in 11 EC INTPA activities (EUR 261,555,000) were left out: this one
    # showed 40,000,000.
    assert funding["XI-IATI-EC_INTPA-2017/39090/0"] == [(Decimal(15280000), "EUR")]
    commitments = (
        result.tables["transaction"]
        .filter(pl.col("type") == "2")
        .group_by("activity", "currency", maintain_order=True)
        .agg(pl.col("value").sum())
    )
    net: dict[str, list[tuple[Decimal, str]]] = {}
    for activity, currency, value in commitments.rows():
        net.setdefault(activity, []).append((value, currency))
    assert len(net) == 441 and {key: funding[key] for key in net} == net
    intpa = sum(
        (
            m.amount
            for o in operations.values()
            if "XI-IATI-EC_INTPA" in o.donors
            for m in o.funding
        ),
        Decimal(0),
    )
    assert intpa == Decimal("1071407503.12")  # 1,332,962,503.12 with the de-commitments out
    # Budgets of adjacent periods, an original and a revised one: both count.
    assert funding["GB-COH-03580586-5000626293"] == [(Decimal(4498897), "GBP")]
    # GB-GOV-1 was GBR with type="10", itself without: UK funding was split over two keys.
    listed = [key for o in operations.values() for key in o.donors]
    assert (listed.count("GBR"), listed.count("GB-GOV-1")) == (7, 0)
    assert "GB-GOV-1" not in result.tables["donor"]["id"].to_list()
    # Every commitment has a currency, no net is below zero: no value is left out.
    assert not any("funding" in note for note in result.notes)


def _copies(text: str, times: int) -> str:
    """The real file with its activities repeated ``times`` times under new identifiers."""
    start = text.index(">", text.index("<iati-activities")) + 1
    end = text.rindex("</iati-activities>")
    body = text[start:end]
    copies = [
        re.sub(
            r"<iati-identifier>([^<]*)</iati-identifier>",
            lambda m, n=n: f"<iati-identifier>{m[1]}-copy{n}</iati-identifier>",
            body,
        )
        for n in range(times)
    ]
    return text[:start] + "".join(copies) + text[end:]


def _peak(path: Path) -> tuple[int, int]:
    tracemalloc.start()
    try:
        result = read_iati(path, ReadOptions())
        return tracemalloc.get_traced_memory()[1], result.read
    finally:
        tracemalloc.stop()


def test_memory_stays_flat_as_the_file_grows(tmp_path: Path) -> None:
    # The team's fixture repeated 100 and 400 times (about 0.5 and 2 MB of XML): streaming
    # must keep the Python-side peak flat. The 7.5 MB real file is measured in `make bench`.
    text = SMALL.read_text(encoding="utf-8")
    per_copy = read_iati(SMALL, ReadOptions()).read  # also loads imports and reference data
    small, big = tmp_path / "x100.xml", tmp_path / "x400.xml"
    small.write_text(_copies(text, 100), encoding="utf-8")
    big.write_text(_copies(text, 400), encoding="utf-8")
    small_peak, small_read = _peak(small)
    big_peak, big_read = _peak(big)
    assert (small_read, big_read) == (100 * per_copy, 400 * per_copy)
    # What grows is the output (records kept as rows), not the parse: the growth stays well
    # below that of a whole-tree parse of the same file, the peer measured here.
    tracemalloc.start()
    try:
        ElementTree.parse(big)
        tree_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert big_peak - small_peak < 0.25 * tree_peak, (small_peak, big_peak, tree_peak)


_ACTIVITY = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<iati-activities version="2.03">'
    '<iati-activity default-currency="EUR"><iati-identifier>A1</iati-identifier>'
    '<reporting-org ref="XM-DAC-5-7" type="10"><narrative>Germany</narrative></reporting-org>'
    "<title><narrative>T</narrative></title>"
    '<participating-org ref="XM-DAC-5-7" role="1" type="10"><narrative>Germany</narrative>'
    "</participating-org>"
    '<activity-date iso-date="2019-01-01" type="2"/>{body}</iati-activity></iati-activities>'
)


def test_an_activity_of_thousands_of_parts_takes_work_in_proportion(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sahel_core.plugins import iati

    compared, hashed = 0, 0

    def eq(self: iati._Fault, other: object) -> bool:
        nonlocal compared
        compared += 1
        return self is other

    class Code(str):
        __slots__ = ()

        def __hash__(self) -> int:
            nonlocal hashed
            hashed += 1
            return str.__hash__(self)

    iso3 = iati._iso3
    monkeypatch.setattr(iati._Fault, "__eq__", eq)
    monkeypatch.setattr(iati, "_iso3", lambda code, path: Code(iso3(code, path)))
    n = 2000
    unread = '<document-link url="http://x" format="text/html" bogus="1"/>' * n  # warnings
    countries = '<recipient-country code="ML"/>' * n
    transactions = (
        '<transaction><transaction-type code="2"/><transaction-date iso-date="2019-02-01"/>'
        '<value value-date="2019-02-01">5</value></transaction>'
    ) * n
    path = tmp_path / "big.xml"
    path.write_text(_ACTIVITY.format(body=unread + countries + transactions), encoding="utf-8")
    result = read_iati(path, ReadOptions())
    assert result.accepted == 1 and result.tables["transaction"].height == n
    assert (result.tables["transaction"]["recipient_country"] == "MLI").all()
    # Per fault or per transaction, a look at all of them: four million steps.
    assert compared < 10 * n and hashed < 10 * n


@pytest.mark.shared
def test_cli_read_and_validate(shared_data: Path) -> None:
    from sahel_core.cli import app

    runner = CliRunner()
    done = runner.invoke(app, ["read", str(shared_data / REAL)])
    assert done.exit_code == 0, done.output
    assert "608 read, 584 accepted, 24 rejected" in done.output
    checked = runner.invoke(app, ["validate", str(FIXTURES / "organisations_small.xml")])
    assert checked.exit_code == 1 and "required element missing" in checked.output
    unsafe = runner.invoke(app, ["validate", str(FIXTURES / "billion_laughs.xml")])
    assert unsafe.exit_code == 1 and "unsafe XML refused" in unsafe.output


def test_a_bad_currency_code_is_refused_by_the_one_currency_check(tmp_path: Path) -> None:
    """IATI values use sahel_core.money.currency_code, as Money and the rate tables do: the
    same codes pass (" xof " is XOF), the same are refused, with the same reason."""
    import attrs

    from sahel_core.money import NOT_A_CODE
    from sahel_core.plugins import iati

    text = SMALL.read_text(encoding="utf-8")
    odd = tmp_path / "odd.xml"
    odd.write_text(
        text.replace('<value currency="XOF"', '<value currency=" xof "', 1).replace(
            '<value currency="XDR"', '<value currency="X0R"', 1
        ),
        encoding="utf-8",
    )
    result = read(odd)
    assert Rejection(1, "value/@currency", "X0R", NOT_A_CODE) in result.rejections
    assert "default_lang" not in attrs.fields_dict(iati._Reader)


def test_a_value_of_twenty_digits_and_finer_decimals_is_rounded_not_a_crash(
    tmp_path: Path,
) -> None:
    """Within the tables' limits (below 1e29), rounded to 9 places as every figure is: the
    default decimal context (28 digits) cannot, and failed the whole file."""
    from decimal import Decimal

    big = tmp_path / "big.xml"
    text = SMALL.read_text(encoding="utf-8")
    big.write_text(
        text.replace(">65595700</value>", ">12345678901234567890.1234567891</value>", 1),
        encoding="utf-8",
    )
    values = read(big).tables["transaction"]["value"].to_list()
    assert Decimal("12345678901234567890.123456789") in values


def test_numbers_longer_than_python_converts_are_checked_not_a_crash(tmp_path: Path) -> None:
    """A 5,000-digit year (Python's int() refuses more than 4,300 digits) is a fault of that
    activity or a valid positive integer, never an error that fails the whole file."""

    def activity(ident: str, year: str, start: str) -> str:
        return (
            f'<iati-activity default-currency="USD"><iati-identifier>{ident}</iati-identifier>'
            '<reporting-org ref="GB-GOV-1" type="10"><narrative>DFID</narrative></reporting-org>'
            '<title><narrative>T</narrative></title><participating-org role="1" ref="GB-GOV-1"'
            f' type="10"/><activity-date iso-date="{start}" type="1"/>'
            '<result type="1"><title><narrative>r</narrative></title><indicator measure="1">'
            f'<title><narrative>i</narrative></title><baseline year="{year}" value="1"/>'
            "</indicator></result></iati-activity>"
        )

    long = "9" * 5000
    path = tmp_path / "long.xml"
    path.write_text(
        '<iati-activities version="2.03">'
        + activity("GOOD-1", "2020", "2020-01-01")
        + activity("LONG-YEAR-2", long, "2020-01-01")
        + activity("ZERO-YEAR-3", "000", "2020-01-01")
        + activity("LONG-DATE-4", "2020", f"{long}-01-01")
        + "</iati-activities>",
        encoding="utf-8",
    )
    result = read(path)
    assert result.read == 4 == result.accepted + result.rejected
    assert result.tables["operation"]["id"].to_list() == ["GOOD-1", "LONG-YEAR-2", "ZERO-YEAR-3"]
    [refused] = result.rejections
    assert (refused.row, refused.field) == (4, "activity-date[1]/@iso-date")
    # A year 000 breaks the schema in an element the reader does not use: kept, noted.
    assert "baseline[1]/@year: not a whole number above 0" in result.notes[0]


def test_a_blank_currency_takes_the_default_and_a_code_must_be_ascii(tmp_path: Path) -> None:
    """A blank @currency is absent, so the activity's default (EUR) applies, as for "";
    "ßd" upper-cases to "SSD" (South Sudan): a country code that is not ASCII is refused."""
    text = SMALL.read_text(encoding="utf-8")
    blank, odd = tmp_path / "blank.xml", tmp_path / "odd.xml"
    dated = '<value value-date="2019-02-01">'
    blank.write_text(text.replace(dated, dated.replace("<value", '<value currency=" "')))
    assert read(blank).tables["transaction"]["currency"][0] == "EUR"
    odd.write_text(
        text.replace('<recipient-country code="ML"/>', '<recipient-country code="ßd"/>'),
        encoding="utf-8",
    )
    refused = [(r.row, r.value, r.reason) for r in read(odd).rejections]
    assert (1, "ßd", "not an ISO 3166 alpha-2 country code") in refused


def test_numbers_in_other_scripts_are_not_xml_schema_numbers() -> None:
    """Python reads "٣" as 3 (int(), Decimal(), re's \\d): XML Schema's numbers are ASCII."""
    from sahel_core.plugins.iati import _KINDS

    def passes(kind: str, text: str) -> bool:
        return _KINDS[kind][0](text)

    assert not any(passes("posint", t) for t in ("٠", "0٠", "+٠", "0", "-1"))
    assert passes("posint", "+007") and passes("decimal", "3.5")
    assert not passes("decimal", "٣") and not passes("date", "٢٠١٦-01-01")


@pytest.mark.parametrize(
    "split", ['655<x:b xmlns:x="urn:x"/>95700', '655<x:b xmlns:x="urn:x">95700</x:b>']
)
def test_a_value_split_by_a_child_element_is_not_a_number(tmp_path: Path, split: str) -> None:
    text = SMALL.read_text(encoding="utf-8")
    odd = tmp_path / "odd.xml"
    odd.write_text(text.replace(">65595700</value>", f">{split}</value>", 1), encoding="utf-8")
    refused = [(r.row, r.reason) for r in read(odd).rejections]
    assert (1, "not a decimal number") in refused


# -- funding and donor keys ------------------------------------------------------------------------

_GERMANY = '<participating-org ref="XM-DAC-5-7" role="1" type="10"/>'
_REPORTED_BY_GERMANY = (
    '<reporting-org ref="XM-DAC-5-7" type="10"><narrative>Germany</narrative></reporting-org>'
)


def _activity(
    ident: str,
    body: str = "",
    *,
    attrs: str = 'default-currency="EUR"',
    funder: str = _GERMANY,
    reporter: str = _REPORTED_BY_GERMANY,
) -> str:
    return (
        f"<iati-activity {attrs}><iati-identifier>{ident}</iati-identifier>{reporter}"
        f"<title><narrative>T</narrative></title>{funder}"
        f'<activity-date iso-date="2019-01-01" type="2"/>{body}</iati-activity>'
    )


def _commitment(value: str, currency: str = "") -> str:
    code = f' currency="{currency}"' if currency else ""
    return (
        '<transaction><transaction-type code="2"/><transaction-date iso-date="2019-02-01"/>'
        f'<value value-date="2019-02-01"{code}>{value}</value></transaction>'
    )


def _transaction(kind: str, body: str = "", attrs: str = "") -> str:
    """A transaction of 100 in the activity's currency; ``body`` follows its value."""
    return (
        f'<transaction {attrs}><transaction-type code="{kind}"/>'
        '<transaction-date iso-date="2020-03-01"/><value value-date="2020-03-01">100</value>'
        f"{body}</transaction>"
    )


def _budget(start: str, end: str, value: str, kind: str = "") -> str:
    code = f' type="{kind}"' if kind else ""
    return (
        f'<budget{code}><period-start iso-date="{start}"/><period-end iso-date="{end}"/>'
        f'<value value-date="{start}">{value}</value></budget>'
    )


def _read_activities(tmp_path: Path, *activities: str) -> ReadResult:
    path = tmp_path / "activities.xml"
    body = "".join(activities)
    path.write_text(f'<iati-activities version="2.03">{body}</iati-activities>', encoding="utf-8")
    return read(path)


def _funding(result: ReadResult) -> dict[str, list[tuple[Decimal, str]]]:
    operations = to_entities(result.tables["operation"], "operation")
    return {o.id: [(m.amount, m.currency) for m in o.funding] for o in operations}


def test_funding_is_the_net_commitment_per_currency(tmp_path: Path) -> None:
    """A negative commitment is a de-commitment (IATI): it reduces the commitment. Funding left
    it out and so showed more than was committed."""
    result = _read_activities(
        tmp_path,
        _activity("NET", _commitment("100") + _commitment("-30") + _commitment("20", "USD")),
        _activity("CANCELLED", _commitment("60") + _commitment("-60")),
        _activity("WITHDRAWN", _commitment("-40") + _commitment("10", "USD")),
    )
    assert result.accepted == 3
    assert _funding(result) == {
        "NET": [(Decimal(70), "EUR"), (Decimal(20), "USD")],
        "CANCELLED": [(Decimal(0), "EUR")],  # a stated nought, not an unknown
        "WITHDRAWN": [(Decimal(10), "USD")],
    }
    # Below zero, the file lacks part of what was committed: no funding in that currency.
    [note] = [n for n in result.notes if "below zero" in n]
    assert note.startswith("1 activity whose net commitment") and note.endswith(
        ": WITHDRAWN (EUR -40)"
    )
    assert result.tables["transaction"].filter(pl.col("value") < 0).height == 3


def test_a_revised_budget_replaces_the_original_of_its_period(tmp_path: Path) -> None:
    """Funding from budgets added the original (type 1) and the revised (type 2) budget of a
    period: 1000 + 1500 EUR where IATI means 1500."""
    year = ("2020-01-01", "2020-12-31")
    result = _read_activities(
        tmp_path,
        _activity(
            "REVISED",
            _budget(*year, "1000", "1")
            + _budget(*year, "1500", "2")
            + _budget("2021-01-01", "2021-12-31", "700"),  # type 1 by default
        ),
        _activity(
            "PARTLY", _budget(*year, "1000", "1") + _budget("2020-07-01", "2021-06-30", "800", "2")
        ),
        _activity(
            "ADJACENT",
            _budget("2020-01-01", "2020-06-30", "300")
            + _budget("2020-07-01", "2020-12-31", "400", "2"),
        ),
        # Quarters revised by the year's budget: the quarters were added to it (700).
        _activity(
            "QUARTERS",
            _budget("2020-01-01", "2020-03-31", "100")
            + _budget("2020-04-01", "2020-06-30", "100")
            + _budget(*year, "500", "2"),
        ),
    )
    assert _funding(result) == {
        "REVISED": [(Decimal(2200), "EUR")],
        "PARTLY": [(Decimal(1800), "EUR")],
        "ADJACENT": [(Decimal(700), "EUR")],
        "QUARTERS": [(Decimal(500), "EUR")],
    }
    # Which part of the original a partly overlapping revision replaces, nothing tells.
    [note] = [n for n in result.notes if "overlap only in part" in n]
    assert note.startswith("1 activity with an original and a revised budget") and note.endswith(
        ": PARTLY"
    )


def test_an_organisation_ref_gives_one_donor_key_whatever_its_type(tmp_path: Path) -> None:
    """GB-GOV-1 was GBR with type="10" and GB-GOV-1 without: the ref decides, not @type."""

    def funded_by(ident: str, ref: str, kind: str = "") -> str:
        code = f' type="{kind}"' if kind else ""
        return _activity(ident, funder=f'<participating-org ref="{ref}" role="1"{code}/>')

    result = _read_activities(
        tmp_path,
        funded_by("UK-10", "GB-GOV-1", "10"),
        funded_by("UK", "GB-GOV-1"),
        funded_by("UK-15", "GB-GOV-1", "15"),
        funded_by("AECID", "ES-DIR3-EA0035768"),
        funded_by("IDRC", "XM-DAC-301-2", "15"),
        funded_by("SIDA", "SE-0"),
        # A company register holds NGOs too: a publisher's type 10 for Oxfam IBIS made it DNK.
        funded_by("IBIS-10", "DK-CVR-88136411", "10"),
        funded_by("IBIS-21", "DK-CVR-88136411", "21"),
    )
    assert result.accepted == 8
    operations = to_entities(result.tables["operation"], "operation")
    assert {o.id: o.donors for o in operations} == {
        "UK-10": ("GBR",),
        "UK": ("GBR",),
        "UK-15": ("GBR",),
        "AECID": ("ESP",),
        "IDRC": ("CAN",),
        "SIDA": ("SWE",),
        "IBIS-10": ("DK-CVR-88136411",),
        "IBIS-21": ("DK-CVR-88136411",),
    }
    kinds = dict(result.tables["donor"].select("id", "kind").rows())
    assert (kinds["GBR"], kinds["DK-CVR-88136411"]) == ("government", "organisation")


def test_a_value_without_a_currency_is_noted_not_dropped_silently(tmp_path: Path) -> None:
    """No @currency and no @default-currency: funding cannot hold the value (Money needs a
    currency), so a note names the activity; the commitment stays in the transaction table."""
    result = _read_activities(
        tmp_path,
        _activity("COMMITTED", _commitment("5000") + _commitment("10", "USD"), attrs=""),
        _activity("BUDGETED", _budget("2020-01-01", "2020-12-31", "700"), attrs=""),
    )
    assert result.accepted == 2
    assert _funding(result) == {"COMMITTED": [(Decimal(10), "USD")], "BUDGETED": []}
    [note] = [n for n in result.notes if "without a currency" in n]
    assert note.startswith("2 activities with commitments or budgets without a currency")
    assert note.endswith(": COMMITTED; BUDGETED")
    kept = result.tables["transaction"].filter(pl.col("currency").is_null())
    assert kept.select("activity", "value").rows() == [("COMMITTED", Decimal(5000))]


# -- humanitarian flows and assumed providers ----------------------------------------------------


def test_humanitarian_is_the_transactions_flag_else_the_activitys(tmp_path: Path) -> None:
    """IATI 2.02's @humanitarian was not read, so no one could tell humanitarian money apart.
    A transaction's own flag is the finer one: in the d-portal extract 227 transactions say
    "0" in activities that say "1"."""
    result = _read_activities(
        tmp_path,
        _activity(
            "HUM",
            _transaction("3")
            + _transaction("3", attrs='humanitarian="0"')
            + _transaction("3", attrs='humanitarian=" true "'),
            attrs='default-currency="EUR" humanitarian="1"',
        ),
        _activity(
            "DEV",
            _transaction("3", attrs='humanitarian="1"') + _transaction("3"),
            attrs='default-currency="EUR" humanitarian="false"',
        ),
        _activity("UNSAID", _transaction("3")),  # before IATI 2.02: not known, not false
        _activity("BAD", _transaction("3", attrs='humanitarian="yes"')),
    )
    assert result.tables["transaction"].select("activity", "humanitarian").rows() == [
        ("HUM", True),
        ("HUM", False),
        ("HUM", True),
        ("DEV", True),
        ("DEV", False),
        ("UNSAID", None),
    ]
    assert result.rejections == [
        Rejection(4, "transaction[1]/@humanitarian", "yes", "not a boolean (true, false, 1 or 0)")
    ]


def test_money_going_out_without_a_provider_is_the_reporters(tmp_path: Path) -> None:
    """IATI 2.0x, transaction/provider-org: "If omitted on outgoing funds the reporting-org is
    assumed". Such a disbursement had no provider, so donor_portfolio put it in the null donor
    group. Incoming funds have no such default (the reporter is their receiver): they stay
    without one rather than be credited to the funding participating-org."""
    undp = '<reporting-org ref="XM-DAC-41114" type="40"><narrative>UNDP</narrative></reporting-org>'
    result = _read_activities(
        tmp_path,
        _activity(
            "UNDP-1",
            _transaction("1")
            + _transaction("11")
            + _transaction("2", '<provider-org ref="XM-DAC-5-7"/>')
            + _transaction("3")
            + _transaction("4", "<provider-org><narrative/></provider-org>")  # names no one
            + _transaction("5")
            + _transaction("12"),
            reporter=undp,
        ),
    )
    assert result.accepted == 1
    transactions = result.tables["transaction"]
    assert transactions.select("type", "provider_org", "provider_inferred").rows() == [
        ("1", None, False),
        ("11", None, False),
        ("2", "XM-DAC-5-7", False),
        ("3", "XM-DAC-41114", True),
        ("4", "XM-DAC-41114", True),
        ("5", None, False),  # interest flows either way: nothing is assumed
        ("12", "XM-DAC-41114", True),
    ]


@pytest.mark.shared
def test_real_file_humanitarian_flows_and_assumed_providers(shared_data: Path) -> None:
    transactions = read(shared_data / REAL).tables["transaction"]
    flags = dict(transactions.group_by("humanitarian").len().rows())
    assert flags == {True: 1937, False: 1150, None: 523}
    # 1,449 outgoing transactions name no provider: their reporter's; 17 incoming ones, or
    # interest (types 1, 11, 5), keep none.
    assert transactions["provider_inferred"].sum() == 1449
    unnamed = transactions.filter(pl.col("provider_org").is_null())
    assert sorted(unnamed["type"].unique()) == ["1", "11", "5"] and unnamed.height == 17
    germany = transactions.filter(pl.col("activity") == "XM-DAC-5-7-6614744")
    assert germany.select("type", "provider_org", "provider_inferred", "humanitarian").rows() == [
        ("2", "XM-DAC-5-7", True, False),
        ("3", "XM-DAC-5-7", True, False),
    ]


# -- the donor key of a transaction's provider -----------------------------------------------------


def test_a_providers_donor_key_joins_the_donor_table(tmp_path: Path) -> None:
    """Transactions had the provider's raw ref only: BMZ's ``DE-1`` and the Federal Foreign
    Office's ``XM-DAC-5-7``, where the donor table has one ``DEU``, so nothing joined and
    donor_portfolio split German money over two keys."""
    unodc = (
        '<reporting-org ref="XM-DAC-41127" type="40"><narrative>UNODC</narrative></reporting-org>'
    )
    bmz = (
        '<provider-org ref="DE-1"><narrative xml:lang="EN">Federal Ministry for Economic '
        "Cooperation and Development (BMZ)</narrative></provider-org>"
    )
    company = '<provider-org ref="GB-COH-123"><narrative>Consultants Ltd</narrative></provider-org>'
    result = _read_activities(
        tmp_path,
        _activity(
            "XM-DAC-41127-SAHEL-1",
            _transaction("11", bmz)
            + _transaction("1", '<provider-org ref="XM-DAC-5-7"/>')
            + _transaction("1", company)
            + _transaction("1", "<provider-org><narrative>Mali</narrative></provider-org>")
            + _transaction("3")  # the reporter's, as IATI assumes
            + _transaction("1"),  # incoming, no provider: none assumed
            reporter=unodc,
        ),
    )
    assert result.accepted == 1
    transactions = result.tables["transaction"]
    assert transactions.select("provider_org", "provider_inferred", "provider_donor").rows() == [
        ("DE-1", False, "DEU"),
        ("XM-DAC-5-7", False, "DEU"),
        ("GB-COH-123", False, "GB-COH-123"),
        ("Mali", False, "MLI"),
        ("XM-DAC-41127", True, "XM-DAC-41127"),
        (None, False, None),
    ]
    donors = result.tables["donor"]
    # Germany (the funder, and the provider twice) once; the providers are donors too.
    assert donors.select("id", "kind").rows() == [
        ("XM-DAC-41127", "organisation"),
        ("DEU", "government"),
        ("GB-COH-123", "organisation"),
        ("MLI", "government"),
    ]


def test_a_country_code_and_a_number_name_a_government_a_register_does_not(
    tmp_path: Path,
) -> None:
    """IATI 1.0x's bilateral identifiers (the old OrganisationIdentifier codelist) are the
    donor's ISO 3166-1 alpha-2 code and a number: they name its government. The registers of
    org-id.guide have letters after the country and hold companies and charities."""
    refs = {
        "DE-1": "DEU",  # BMZ
        "GB-1": "GBR",  # DFID
        "SE-0": "SWE",  # Sweden, as Sida reports
        "SE-6": "SWE",  # Sida
        "FR-3": "FRA",  # AFD
        "CA-3": "CAN",  # Global Affairs Canada
        "CH-4": "CHE",  # SDC
        "GB-COH-123": "GB-COH-123",
        "US-EIN-13-3287064": "US-EIN-13-3287064",
        "DK-CVR-88136411": "DK-CVR-88136411",
        "XM-DAC-918-3": "XM-DAC-918-3",  # the European Investment Bank: no government
    }
    body = "".join(_transaction("1", f'<provider-org ref="{ref}"/>') for ref in refs)
    result = _read_activities(tmp_path, _activity("A", body))
    transactions = result.tables["transaction"]
    assert dict(transactions.select("provider_org", "provider_donor").rows()) == refs


@pytest.mark.shared
def test_real_file_keys_each_governments_money_once(shared_data: Path) -> None:
    """``donor_portfolio --by donor`` listed Germany as ``DE-1`` and ``XM-DAC-5-7`` and Sweden
    as ``SE-0``, none of them a key of the donor table (``DEU``, ``SWE``)."""
    from sahel_core.indicators import compute

    result = read(shared_data / REAL)
    transactions, donors = result.tables["transaction"], result.tables["donor"]
    kinds = dict(donors.select("id", "kind").rows())
    keys = transactions["provider_donor"].drop_nulls()
    assert keys.is_in(list(kinds)).all(), sorted(set(keys) - set(kinds))
    portfolio = compute("donor_portfolio", transactions, ["donor"], currency="USD")
    listed = set(portfolio["donor"].drop_nulls())
    assert listed <= set(kinds)  # every row of the portfolio joins its donor
    # The refs that name a government (DE-1, XM-DAC-5-7, SE-0...) give way to its ISO3 key.
    governments = {key for key, kind in kinds.items() if kind == "government"}
    refs = set(transactions.filter(pl.col("provider_donor").is_in(governments))["provider_org"])
    assert refs >= {"DE-1", "XM-DAC-5-7", "SE-0"}
    assert not listed & (refs - governments), sorted(listed & refs)
    records = dict(portfolio.select("donor", "records").rows())
    # One BMZ commitment (DE-1) and 13 of the Federal Foreign Office (XM-DAC-5-7).
    assert (records["DEU"], records["SWE"]) == (14, 116)


# -- the transaction table written and read back --------------------------------------------------

_KEY = st.from_regex(
    r"[A-Z]{2}(-[A-Z0-9]{1,5}){1,3}|[A-Z][a-zé]{1,8}( [A-Z][a-zé]{1,8})?", fullmatch=True
)


def _maybe(values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | values


@st.composite
def _transaction_rows(draw: st.DrawFn) -> dict[str, Any]:
    """One row as the reader gives it: keys stripped, 9 decimal places at most."""
    day = st.dates(dt.date(1900, 1, 1), dt.date(2051, 12, 31))
    inferred = draw(st.booleans())
    provider = draw(_KEY if inferred else _maybe(_KEY))
    return {
        "activity": draw(_KEY),
        "row": draw(st.integers(1, 10**6)),
        "type": draw(st.sampled_from([str(code) for code in range(1, 14)])),
        "date": draw(_maybe(day)),
        "value_date": draw(_maybe(day)),
        "value": draw(st.decimals(-(10**15), 10**15, places=draw(st.integers(0, 9)))),
        "currency": draw(_maybe(st.sampled_from(["EUR", "USD", "XOF", "XDR", "GBP"]))),
        "provider_org": provider,
        "provider_inferred": inferred,
        "provider_donor": None if provider is None else draw(_KEY),
        "receiver_org": draw(_maybe(_KEY)),
        "recipient_country": draw(_maybe(st.sampled_from(["MLI", "NER", "BFA", "TCD"]))),
        "sector": draw(_maybe(st.sampled_from(["15210", "15130", "99:SEC-1"]))),
        "humanitarian": draw(_maybe(st.booleans())),
    }


@pytest.mark.xfail(
    strict=True,
    raises=(AssertionError, SahelError),
    reason="the format readers read entities only: 'transaction' is no entity (tabular.py, "
    "normalize.py and the readers need a place for a reader's extra tables)",
)
@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet", ".xlsx"])
def test_the_transaction_table_reads_back_as_written(tmp_path: Path, suffix: str) -> None:
    """``sahel read activities.xml -o out.csv`` writes out.transaction.csv; read again, that
    file became operations (activity read as the title, type as the kind), all rejected."""
    from sahel_core.io import write
    from sahel_core.plugins.iati import transaction_schema

    # No shrinking while the readers fail on every table: it takes a minute to shrink a
    # failure already known. Give the phase back with the fix.
    @settings(max_examples=10, deadline=None, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
    @given(rows=st.lists(_transaction_rows(), min_size=1, max_size=6))
    def round_trip(rows: list[dict[str, Any]]) -> None:
        table = pl.DataFrame(rows, schema=transaction_schema(), orient="row")
        path = tmp_path / f"out.transaction{suffix}"
        write(table, path, "transaction")
        result = read(path)
        assert result.rejections == [] and list(result.tables) == ["transaction"]
        assert_frame_equal(result.tables["transaction"], table)

    round_trip()
