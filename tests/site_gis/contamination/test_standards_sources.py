"""Every shipped screening level cites its issuing body, never a secondary copy."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from site_gis.contamination.standards import SECONDARY_HOSTS, prepare_levels, shipped_levels

# The issuer's own web domain per standard (DOMAIN_FACTS section 4.0).
OFFICIAL_HOSTS = {
    "us_epa_rsl": ("epa.gov",),
    "dutch_iv": ("overheid.nl",),
    "ccme_soil": ("ccme.ca",),
    "who_dwq": ("who.int",),
    "pak_nsdwq": ("environment.gov.pk",),
    "seqs_effluent": ("epasindh.gov.pk",),
}
# Mirrors and copies the levels were once cited from (hand-written, not read from the code).
MIRRORS = (
    "the-uncensored-wiki.com",
    "scribd.com",
    "studylib.net",
    "morganlewis.com",
    "zoppoz.workers.dev",
)


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def _is_under(host: str, domain: str) -> bool:
    return host == domain or host.endswith("." + domain)


LEVELS = shipped_levels()


@pytest.mark.parametrize(
    "row",
    LEVELS.to_dict("records"),
    ids=lambda r: f"{r['standard']}:{r['analyte']}:{r['medium']}:{r['land_use']}",
)
def test_source_is_the_issuers_page_not_a_mirror(row: dict[str, str]) -> None:
    host = _host(row["source_url"])
    assert not any(_is_under(host, m) for m in (*MIRRORS, *SECONDARY_HOSTS)), row["source_url"]
    assert any(_is_under(host, d) for d in OFFICIAL_HOSTS[row["standard"]]), row["source_url"]
    assert row["source_url"].startswith("https://")
    assert row["citation"] and len(row["citation"]) > 40  # issuer, title, year, table


def test_a_secondary_copy_keeps_the_level_to_verify() -> None:
    seen = LEVELS[LEVELS["seen_in"].notna()]
    assert len(seen) > 0
    assert (seen["verified"] == "false").all()
    assert seen["seen_in"].map(_host).map(lambda h: any(_is_under(h, m) for m in MIRRORS)).any()


def test_citation_and_seen_in_reach_the_layer() -> None:
    layer = prepare_levels(LEVELS)
    dutch_lead = layer[(layer["standard"] == "dutch_iv") & (layer["analyte"] == "Lead")]
    assert dutch_lead["citation"].str.contains("VROM").all()
    assert dutch_lead["citation"].str.contains("Annex A, Table 1").all()
    assert dutch_lead["seen_in"].str.contains("the-uncensored-wiki.com").all()
    assert not dutch_lead["verified"].any()
