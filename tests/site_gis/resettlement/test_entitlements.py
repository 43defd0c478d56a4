"""The entitlement matrix: the shipped one, its RAP annex, and bad matrices named entry by entry."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

import pytest

from site_gis.errors import ValidationError
from site_gis.resettlement import (
    CATEGORIES,
    ELIGIBILITIES,
    LOSSES,
    load_matrix,
    load_relocation_site,
    matrix_table,
)

SHIPPED = resources.files("site_gis.reference").joinpath("entitlement_matrix.toml").read_text()


def test_the_shipped_matrix_cites_a_policy_for_every_row() -> None:
    matrix = load_matrix()
    assert matrix.currency == "PKR" and matrix.cut_off_round == "R2"
    assert all(row.policy for row in matrix.rows)
    table = matrix_table(matrix)
    assert set(table["loss"]) == set(LOSSES)
    assert set(table["category"]) == set(CATEGORIES)
    assert set(table["eligibility"]) == set(ELIGIBILITIES)
    # after the cut-off: one stated allowance (shifting), nothing for any other loss
    late = table[table["eligibility"] == "after_cut_off"].set_index("loss")
    assert late.loc["shifting", "entitlement"] == "humanitarian"
    assert late.loc["shifting", "per_unit"] == 20_000
    assert (late.drop(index="shifting")["entitlement"] == "not entitled").all()
    # rental support by tenure, not for everyone alike
    rent = table[(table["loss"] == "rental") & (table["eligibility"] == "no_recognisable_rights")]
    assert dict(zip(rent["category"], rent["per_unit"], strict=True)) == {
        "owner_occupier": 15_000 * 24,
        "tenant": 15_000 * 3,
    }
    # land only with rights or a recognisable claim; titled land at market value + 15 %
    land = table[table["loss"] == "land_use"].set_index(["category", "eligibility"])
    assert land.loc[("owner_occupier", "no_recognisable_rights"), "entitlement"] == "not entitled"
    assert land.loc[("owner_occupier", "formal_rights"), "per_unit"] == pytest.approx(22_240 * 1.15)
    assert "LAA 1894" in land.loc[("owner_occupier", "formal_rights"), "policy"]
    assert "rates.structure_katcha" in matrix.unverified()


def test_overrides_reach_rates_and_the_cut_off() -> None:
    matrix = load_matrix(overrides={"rates.rental_tenant.months": 6, "cut_off_round": "R3"})
    assert matrix.rates["rental_tenant"].per_unit == 15_000 * 6 and matrix.cut_off_round == "R3"
    with pytest.raises(ValidationError, match="no such entry to override"):
        load_matrix(overrides={"rates.rental.colour": 1})


def _edit_row(text: str, row_id: str, old: str, new: str) -> str:
    """``text`` with ``old`` replaced by ``new`` in the row ``row_id`` only."""
    head, tail = text.split(f'id = "{row_id}"\n', 1)
    body, rest = tail.split("[[rows]]", 1) if "[[rows]]" in tail else (tail, None)
    assert old in body, (row_id, old)
    body = body.replace(old, new, 1)
    return f'{head}id = "{row_id}"\n{body}' + ("" if rest is None else f"[[rows]]{rest}")


def test_a_bad_matrix_names_every_entry(tmp_path: Path) -> None:
    text = SHIPPED.replace("[rates.structure_katcha]", "[rates.structure_mud]")
    text = _edit_row(text, "RT-T", 'loss = "rental"', 'loss = "rent"')
    text = _edit_row(text, "VU", 'rate = "vulnerable"', 'rate = "vulnerability"')
    text = _edit_row(
        text, "SH-O", 'category = "owner_occupier"', 'category = "owner_occupier,tenant"'
    )
    text = _edit_row(text, "PC-SH", 'category = "post_cut_off_occupant"', 'category = "tenant"')
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ValidationError) as caught:
        load_matrix(path)
    problems = {p.field: p.reason for p in caught.value.problems}
    assert "missing rate" in problems["rates.structure_katcha"]
    assert "unknown" in problems["rows.RT-T.loss"]
    assert "no such rate" in problems["rows.VU.rate"]
    assert "post_cut_off_occupant" in problems["rows.PC-SH.eligibility"]
    assert "already granted by row SH-O" in problems["rows.SH-T"]
    path.write_text(SHIPPED.replace("rate = 15000.0", "rate = -15000.0", 1))
    with pytest.raises(ValidationError) as caught:
        load_matrix(path)
    assert caught.value.problems[0].field == "rates.rental_owner.rate"
    path.write_text(SHIPPED.replace('id = "RS-N"\nloss', 'id = "RS-N"\nmultiplier = -1\nloss'))
    with pytest.raises(ValidationError) as caught:
        load_matrix(path)
    assert caught.value.problems[0].field == "rows.RS-N.multiplier"


def test_the_shipped_files_parse_as_toml() -> None:
    assert tomllib.loads(SHIPPED)["cut_off_round"] == "R2"
    site = load_relocation_site()
    assert site.plot.rate == pytest.approx(66.9) and site.categories == ["owner_occupier"]
    with pytest.raises(ValidationError, match="cannot be offered a plot"):
        load_relocation_site(overrides={"categories": ["post_cut_off_occupant"]})
