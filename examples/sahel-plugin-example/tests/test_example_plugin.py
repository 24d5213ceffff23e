"""The example plugin, tested as any plugin author would: through sahel_core's public API."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from sahel_core.io import read
from sahel_core.plugins import get_manager
from sahel_core.testing import check_format

TABLE = """\
# Saisies signalées, premier semestre

| id | pays | drogue | quantité | unité | date |
|----|------|--------|----------|-------|------|
| a1 | Mali | cannabis | 2,7 | tonnes | mai 2016 |
| a2 | Niger | cocaïne | 400 | g | 2016-08 |
| a3 | Atlantide | cocaïne | 1 | kg | 2016 |
| a4 | Mali | cocaïne | 300 | g | 2016-09 |
"""


def test_the_plugin_is_loaded_through_its_entry_point() -> None:
    manager = get_manager()
    info = {p.name: p for p in manager.plugins}["markdown"]
    assert info.source.startswith("entry point markdown")
    assert info.provides == {"format": ["markdown"], "indicator": ["drug_share"]}
    assert info.errors == []


def test_reads_a_french_markdown_table_with_exact_accounting(tmp_path: Path) -> None:
    path = tmp_path / "saisies.md"
    path.write_text(TABLE, encoding="utf-8")
    result = read(path, options=None)
    assert result.format == "markdown"
    assert (result.read, result.accepted, result.rejected) == (4, 3, 1)
    rejection = result.rejections[0]
    assert (rejection.row, rejection.field) == (7, "country")  # line 7 of the file
    table = result.tables["seizure"]
    assert table["quantity"].to_list()[0] == Decimal("2.7")
    assert table["quantity_unit"].to_list()[0] == "t"


def test_conformance(tmp_path: Path) -> None:
    check_format("markdown", tmp_path)


def test_drug_share(tmp_path: Path) -> None:
    from sahel_core.indicators import compute

    path = tmp_path / "saisies.md"
    path.write_text(TABLE, encoding="utf-8")
    table = read(path).tables["seizure"]
    shares = compute("drug_share", table, by=["country"], digits=4)
    mali = {row["drug"]: row["share"] for row in shares.filter(country="MLI").iter_rows(named=True)}
    # Mali: 2,700 kg of cannabis and 0.3 kg of cocaine.
    assert mali["cocaine"] == pytest.approx(0.3 / 2700.3, abs=1e-4)
    assert sum(mali.values()) == pytest.approx(1.0, abs=1e-3)


@pytest.mark.parametrize("digits", [-1, 16, 10**20])
def test_drug_share_names_a_bad_digits_parameter(tmp_path: Path, digits: int) -> None:
    from sahel_core.errors import ValidationError
    from sahel_core.indicators import compute

    path = tmp_path / "saisies.md"
    path.write_text(TABLE, encoding="utf-8")
    with pytest.raises(ValidationError, match="digits is a whole number from 0 to 15"):
        compute("drug_share", read(path).tables["seizure"], by=["country"], digits=digits)
