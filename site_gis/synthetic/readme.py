"""``layers/README.md``: each layer's schema (from :mod:`site_gis.schemas`) and provenance.

Generated with the layers, so the documentation always matches the files.
"""

from __future__ import annotations

from collections.abc import Mapping

from site_gis.schemas import CATALOGUE, FieldSpec
from site_gis.site import SiteInfo
from site_gis.validation import Frame

_DAWN = (
    "https://www.dawn.com/news/1365693/"
    "pakistan-steel-mills-seeks-federal-govts-help-for-recovery-of-land"
)
SOURCES = (
    "Plant point, process route, status: https://www.gem.wiki/Pakistan_Steel_Mills",
    "Land holding (19,013 acres; 10,273 main plant): " + _DAWN + " ; "
    "https://profit.pakistantoday.com.pk/?p=23789",
    "Units and commissioning dates, 2 × 130 t converters: "
    "https://www.mesteel.com/countries/pakistan/overview.htm",
    "Power plant (110 MW design): https://brecorder.com/news/4210065/"
    "revamp-rehab-of-power-plant-psm-to-seek-japanese-funding-201406291197694",
    "Iron ore and coal berth, 4.5 km conveyors: "
    "http://buildindustrialpakistan.blogspot.com/2013/07/the-iron-ore-coal-berth-of-pakistan.html",
    "Gulshan-e-Hadeed: https://en.wikipedia.org/wiki/Gulshan-e-Hadeed ; Steel Town population: "
    "https://wikicestina.icu/wiki/Steel_Town_(Karachi) ; Port Qasim: "
    "https://wiki.alquds.edu/?query=Port_Qasim",
    "Household size 6.3 (Census 2023): "
    "https://www.thenews.com.pk/print/1098125-population-of-karachi-up-by-73pc-in-final-"
    "notification-pildat-chief",
    "Contaminants of coke and steel works: https://smartech.gatech.edu/handle/1853/45718 ; "
    "https://daneshyari.com/article/210275 ; slag leachate: https://wikimili.com/en/Slag",
    "Phenol in Korangi Creek sediment (8.11 mg/kg): https://discovery.researcher.life/article/"
    "impact-of-indiscriminate-disposal-of-untreated-effluents-in-korangi-creek-karachi-"
    "pakistan/cccada20098236ec971b2e47df17d14d",
)

_PROVENANCE = {
    "site_boundary": (
        "SYNTHETIC outline drawn around the GEM plant point (24.809977 N, 67.352440 E, "
        "https://www.gem.wiki/Pakistan_Steel_Mills) and scaled so that its geodesic area on "
        "the WGS 84 ellipsoid is 18,000 acres. PSM holds about 19,013 acres in all, of which "
        "10,273 are main-plant land (" + _DAWN + "); no public fence-line "
        "polygon exists."
    ),
    "eia_zones": (
        "SYNTHETIC outlines of the four EIA zones, placed as an integrated BF-BOF works is laid "
        "out: coal and coke storage beside the coke ovens on the east side, the blast furnace "
        "yard in the centre, slag and waste dumps on the east side, discharge canals draining "
        "south-west towards the creeks."
    ),
    "facilities": (
        "Footprints are SYNTHETIC. Names, counts, capacities and dates are public facts, each "
        "row citing its source (mesteel.com overview, GEM, Business Recorder, The Nation); the "
        "conveyor is 4.5 km long as published; the berth is 279 m long."
    ),
    "parcels": (
        "SYNTHETIC survey grid (about 480 m cells, jittered) clipped to the boundary, tiling "
        "the site without gaps or overlaps. Land use follows the zones and plant units; the "
        "industrial-park reserve reflects the 1,500 acres allocated for an industrial park "
        "(https://peconomist.com/1500-acres-at-pak-steel-mills-allocated-for-industrial-park/), "
        "its position is synthetic."
    ),
    "encroachments": (
        "SYNTHETIC. PSM reports encroachment of its land (about 2,000 acres 'encroached and "
        "sold', https://dailyoutcome.pk/pak-steels-2000-acres-of-land-encroached-sold-out/); "
        "these outlines, names, dates and counts are invented and placed on the western fringe "
        "as the brief describes. Counts are aggregated from the structures layer."
    ),
    "structures": (
        "SYNTHETIC building survey. Type definitions follow the ADB usage: katcha = mud walls, "
        "earthen floor; semi-pucca = baked bricks in mud mortar; pucca = baked bricks in "
        "cement mortar (https://docslib.org/doc/12114302/trimmu-and-panjnad-barrages-"
        "improvement-project). Household-level fields are personal data and are left out of "
        "public API output."
    ),
    "sample_locations": (
        "SYNTHETIC sampling design: boreholes on each zone and across the site, a line of "
        "monitoring wells 150 m inside the east-side boundary, sediment and surface-water "
        "stations on the canals, surface water at the reservoir."
    ),
    "results": (
        "SYNTHETIC values: no public soil or groundwater data for PSM exists. The spatial "
        "pattern follows the contaminants known at coke and steel works (see Sources): "
        "PAHs, BTEX, phenol and cyanide at the coke ovens and coal storage; lead, zinc, cadmium "
        "and manganese in the blast furnace yard; chromium and high pH at the slag dumps; "
        "metals and phenol in canal sediments; a groundwater plume moving east across the "
        "east-side boundary, stronger after the monsoon. Waters are monitored quarterly from "
        "February 2023 to November 2026 (16 rounds; the plume drifting east over the years, "
        "higher in monsoon rounds, wells added and lost over time: "
        "site_gis/synthetic/monitoring.py). Labs are fictitious; method codes are "
        "real US EPA / Standard Methods codes."
    ),
    "screening_levels": (
        "Public standards, not synthetic: US EPA RSLs (lead from the 2024 guidance; the other "
        "figures recalled, verified = false), Dutch intervention values (2000 circular), CCME "
        "industrial soil guidelines (v7.0, 2007), WHO drinking-water guidelines (applied to "
        "groundwater), Pakistan NSDWQ 2008 and SEQS 2016 effluent limits (recalled, verified = "
        "false). Rows with verified = false show as 'to verify' in every output; each row "
        "gives its source URL. Values are converted to the medium's canonical unit; the "
        "published figure is kept in 'published'. Shipped from "
        "site_gis/reference/screening_levels.csv."
    ),
    "groundwater_heads": (
        "SYNTHETIC heads at every groundwater sampling visit, on a planar water table falling "
        "0.8 m/km towards 95 degrees (east), 0.5 m higher in the monsoon (July-September), "
        "declining 0.12 m a year; the regional decline of Karachi's water table is reported "
        "by Sohail et al. 2022 (Applied Water Science, https://ouci.dntb.gov.ua/en/works/"
        "73GyDe67); the levels, gradient and rates are assumptions. No shallow groundwater "
        "level for PSM is public. site_gis/synthetic/monitoring.py documents the record."
    ),
    "receptors": (
        "Gulshan-e-Hadeed and Port Qasim at their published coordinates; Steel Town and "
        "Razzakabad at points from public app code (to verify); fishing communities placed "
        "approximately; settlements and wells beyond the east fence are SYNTHETIC. Each row's "
        "population_basis and location_basis says which."
    ),
}


def layers_readme(site: SiteInfo, frames: Mapping[str, Frame]) -> str:
    """The Markdown text of ``layers/README.md`` for ``frames``."""
    lines = [
        "# Site layers",
        "",
        f"**{site.name}**",
        "",
        "> **SYNTHETIC DATA.** " + site.provenance,
        "",
        "Files: GeoJSON (RFC 7946: WGS 84 longitude/latitude, EPSG:4326, counter-clockwise "
        "exterior rings, 7 decimals ≈ 1 cm) for spatial layers, UTF-8 CSV for tables, and "
        "`site.json` for the site itself. Areas, distances and grids are computed in the "
        f"site's metric CRS, **{site.metric_crs}** (WGS 84 / UTM zone 42N).",
        "",
        "Regenerate (deterministic: the same seed gives byte-identical files):",
        "",
        "```",
        "site-gis generate --out layers",
        "```",
        "",
        "This file is generated with the layers from the schemas in `site_gis/schemas.py`; "
        "edit those, not this file.",
        "",
        "| layer | file | geometry | features |",
        "|---|---|---|---|",
    ]
    for name, schema in CATALOGUE.items():
        geometry = " / ".join(schema.geometry_types) or "none (table)"
        lines.append(f"| {name} | `{schema.file_name}` | {geometry} | {len(frames[name]):,} |")
    for name, schema in CATALOGUE.items():
        lines += [
            "",
            f"## {name}: {schema.title}",
            "",
            schema.description,
            "",
            f"*Provenance.* {_PROVENANCE[name]}",
            "",
            f"Identifier: `{schema.id_field}`."
            + (" Contains personal data (household level)." if schema.personal else ""),
            "",
            "| field | type | unit | required | allowed values | description |",
            "|---|---|---|---|---|---|",
            *(_field_row(spec) for spec in schema.fields),
        ]
    lines += ["", "## Sources of the public facts", "", *(f"- {s}" for s in SOURCES)]
    return "\n".join(lines) + "\n"


def _field_row(spec: FieldSpec) -> str:
    allowed = ", ".join(f"`{c}`" for c in spec.choices) if spec.choices else _bounds(spec)
    description = spec.description + (" *(personal)*" if spec.personal else "")
    required = "yes" if spec.required else "no"
    return (
        f"| `{spec.name}` | {spec.kind} | {spec.unit or ''} | {required} | {allowed} "
        f"| {description} |"
    )


def _bounds(spec: FieldSpec) -> str:
    parts = []
    if spec.minimum is not None:
        parts.append(f"≥ {spec.minimum:g}")
    if spec.maximum is not None:
        parts.append(f"≤ {spec.maximum:g}")
    return ", ".join(parts)
