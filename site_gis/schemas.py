"""Schemas of the site's layers: the one description of what each layer holds.

A schema is data, not code: field names, types, units, allowed values and
bounds.  :mod:`site_gis.validation` checks frames against them, the stores
create tables from them, and ``layers/README.md`` documents the same fields.

Geometry is stored in EPSG:4326 (see :mod:`site_gis.crs`); tables
(``geometry_types`` empty) have no geometry column.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

FieldKind = Literal["str", "int", "float", "bool", "date"]

ZONE_IDS = (
    "blast_furnace_yard",
    "coal_coke_storage",
    "water_discharge_canals",
    "solid_waste_dumps",
)
MEDIA = ("soil", "sediment", "groundwater", "surface_water")
ENCROACHMENT_KINDS = ("residential_settlement", "scrapyard", "transport_terminal")
STRUCTURE_TYPES = ("katcha", "semi_pucca", "pucca")
LAND_CLAIMS = ("formal_rights", "recognisable_claim", "no_recognisable_rights")
TENURES = ("owner_occupier", "tenant")
ROUND_METHODS = ("census", "drone_imagery", "field_verification")
GRIEVANCE_CATEGORIES = (
    "eligibility",
    "cut_off_survey",
    "compensation_amount",
    "relocation_site",
    "livelihood",
    "process_delay",
    "other",
)
GRIEVANCE_STATUSES = ("received", "under_review", "resolved", "referred", "closed_unresolved")


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One attribute of a layer.

    ``unit`` is the unit of measure of numeric fields (``None`` for counts and text);
    ``choices`` lists the allowed values; ``minimum``/``maximum`` bound numbers
    (inclusive); ``unique`` marks identifier fields; ``personal`` marks
    household-level personal data, removed from public output; ``multiline``
    marks free text (descriptions, notes) that may hold tabs and line breaks --
    every other text field holds no control character at all (see
    :func:`site_gis.validation.control_characters`).
    """

    name: str
    kind: FieldKind
    description: str
    required: bool = True
    unit: str | None = None
    choices: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    unique: bool = False
    personal: bool = False
    multiline: bool = False


@dataclass(frozen=True, slots=True)
class ForeignKey:
    """``field`` of this layer must match ``target_field`` of ``target_layer`` (when not null)."""

    field: str
    target_layer: str
    target_field: str


@dataclass(frozen=True, slots=True)
class LayerSchema:
    """Schema of one layer.

    ``geometry_types`` lists the allowed geometry types (empty for a table);
    ``personal`` marks layers holding household-level personal data: their
    personal fields never appear in output for a role not allowed to see them.
    """

    name: str
    title: str
    description: str
    geometry_types: tuple[str, ...]
    id_field: str
    fields: tuple[FieldSpec, ...]
    foreign_keys: tuple[ForeignKey, ...] = ()
    personal: bool = False
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def is_table(self) -> bool:
        """Whether the layer has no geometry."""
        return not self.geometry_types

    @property
    def file_name(self) -> str:
        """File name of the layer in a ``layers/`` directory."""
        return f"{self.name}.csv" if self.is_table else f"{self.name}.geojson"

    @property
    def public_field_names(self) -> tuple[str, ...]:
        """Fields that may appear in public output (no household-level personal data)."""
        return tuple(f.name for f in self.fields if not f.personal)

    @property
    def field_names(self) -> tuple[str, ...]:
        """Names of the attribute fields, in schema order."""
        return tuple(f.name for f in self.fields)

    def field(self, name: str) -> FieldSpec:
        """Return the field called ``name``; raise ``KeyError`` if there is none."""
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise KeyError(name)


_SYNTHETIC = FieldSpec(
    "synthetic", "bool", "True where the values are synthetic (no public measurement exists)"
)
_ZONE = FieldSpec(
    "zone_id",
    "str",
    "EIA zone containing the feature (derived spatially)",
    required=False,
    choices=ZONE_IDS,
)

SITE_BOUNDARY = LayerSchema(
    name="site_boundary",
    title="Site boundary",
    description="Outer boundary of the site (for PSM: synthetic outline of about 18,000 acres).",
    geometry_types=("Polygon",),
    id_field="site_id",
    fields=(
        FieldSpec("site_id", "str", "Site identifier", unique=True),
        FieldSpec("name", "str", "Site name"),
        FieldSpec(
            "area_acres", "float", "Geodesic area on the WGS 84 ellipsoid", unit="acre", minimum=0
        ),
        FieldSpec(
            "area_ha", "float", "Geodesic area on the WGS 84 ellipsoid", unit="ha", minimum=0
        ),
        FieldSpec("source", "str", "Provenance of the outline"),
        _SYNTHETIC,
    ),
)

EIA_ZONES = LayerSchema(
    name="eia_zones",
    title="EIA zones",
    description="The Environmental Impact Assessment zones of the site.",
    geometry_types=("MultiPolygon",),
    id_field="zone_id",
    fields=(
        FieldSpec("zone_id", "str", "Zone identifier", choices=ZONE_IDS, unique=True),
        FieldSpec("name", "str", "Zone name"),
        FieldSpec(
            "description",
            "str",
            "What the zone holds and why it is assessed",
            multiline=True,
        ),
        FieldSpec("area_ha", "float", "Area in the metric CRS", unit="ha", minimum=0),
        _SYNTHETIC,
    ),
)

FACILITIES = LayerSchema(
    name="facilities",
    title="Plant units",
    description="Production units and utilities of the works; footprints are synthetic, "
    "names, capacities and dates are public facts with sources.",
    geometry_types=("Polygon",),
    id_field="facility_id",
    fields=(
        FieldSpec("facility_id", "str", "Facility identifier", unique=True),
        FieldSpec(
            "unit",
            "str",
            "Kind of plant unit",
            choices=(
                "coke_oven_battery",
                "by_product_plant",
                "sinter_plant",
                "blast_furnace",
                "steel_melt_shop",
                "continuous_caster",
                "hot_strip_mill",
                "cold_rolling_mill",
                "power_plant",
                "oxygen_plant",
                "water_reservoir",
                "slag_dump",
                "raw_material_stockyard",
                "ore_coal_berth",
                "conveyor",
            ),
        ),
        FieldSpec("name", "str", "Name of the unit"),
        FieldSpec("status", "str", "Operating status", choices=("idle", "mothballed", "derelict")),
        FieldSpec("commissioned", "str", "Commissioning date or year as published", required=False),
        FieldSpec("capacity", "str", "Published capacity, with its unit", required=False),
        FieldSpec("source", "str", "URL of the public fact about this unit"),
        _ZONE,
        _SYNTHETIC,
    ),
)

PARCELS = LayerSchema(
    name="parcels",
    title="Land parcels",
    description="Parcels covering the site, with their planned land use.",
    geometry_types=("Polygon",),
    id_field="parcel_id",
    fields=(
        FieldSpec("parcel_id", "str", "Parcel identifier", unique=True),
        FieldSpec(
            "land_use",
            "str",
            "Planned land use",
            choices=(
                "heavy_industry",
                "raw_material_storage",
                "utilities",
                "waste_disposal",
                "drainage_corridor",
                "industrial_park_reserve",
                "open_land",
                "green_buffer",
            ),
        ),
        FieldSpec("owner", "str", "Title holder of record"),
        FieldSpec("area_ha", "float", "Area in the metric CRS", unit="ha", minimum=0),
        _ZONE,
        _SYNTHETIC,
    ),
)

ENCROACHMENTS = LayerSchema(
    name="encroachments",
    title="Encroachments",
    description="Informal occupation of site land on the western fringe; counts are "
    "aggregated from the structures layer.",
    geometry_types=("Polygon",),
    id_field="encroachment_id",
    fields=(
        FieldSpec("encroachment_id", "str", "Encroachment identifier", unique=True),
        FieldSpec("kind", "str", "Kind of encroachment", choices=ENCROACHMENT_KINDS),
        FieldSpec("name", "str", "Local name (synthetic)"),
        FieldSpec("surveyed_on", "date", "Date of the baseline survey (cut-off evidence)"),
        FieldSpec(
            "structures_katcha", "int", "Katcha structures (mud walls, earthen floor)", minimum=0
        ),
        FieldSpec(
            "structures_semi_pucca",
            "int",
            "Semi-pucca structures (baked brick, mud mortar)",
            minimum=0,
        ),
        FieldSpec(
            "structures_pucca", "int", "Pucca structures (baked brick, cement mortar)", minimum=0
        ),
        FieldSpec("structures_total", "int", "All structures", minimum=0),
        FieldSpec("households", "int", "Households living in the structures", minimum=0),
        FieldSpec("businesses", "int", "Businesses operating in the structures", minimum=0),
        FieldSpec("area_ha", "float", "Area in the metric CRS", unit="ha", minimum=0),
        _SYNTHETIC,
    ),
)

STRUCTURES = LayerSchema(
    name="structures",
    title="Structures",
    description="Building-level survey of the encroachments (personal data: households).",
    geometry_types=("Polygon",),
    id_field="structure_id",
    personal=True,
    fields=(
        FieldSpec("structure_id", "str", "Structure identifier", unique=True),
        FieldSpec("encroachment_id", "str", "Encroachment the structure stands in"),
        FieldSpec("type", "str", "Construction type", choices=STRUCTURE_TYPES),
        FieldSpec(
            "use",
            "str",
            "Main use",
            choices=(
                "residential",
                "commercial",
                "mixed",
                "scrap_yard_shed",
                "workshop",
                "depot_office",
            ),
        ),
        FieldSpec("storeys", "int", "Number of storeys", minimum=1, maximum=10),
        FieldSpec("floor_area_m2", "float", "Floor area over all storeys", unit="m2", minimum=0),
        FieldSpec(
            "households", "int", "Households living in the structure", minimum=0, personal=True
        ),
        FieldSpec(
            "businesses", "int", "Businesses operating in the structure", minimum=0, personal=True
        ),
        FieldSpec(
            "vulnerable_households",
            "int",
            "Households headed by a woman, an elderly or a disabled person",
            minimum=0,
            personal=True,
        ),
        FieldSpec("surveyed_on", "date", "Date the structure was first recorded"),
        _SYNTHETIC,
        FieldSpec(
            "land_claim",
            "str",
            "Rights of the structure's owner to the land it stands on (ESS5 para 10): "
            "formal rights, a recognisable claim, or none (empty: none)",
            required=False,
            choices=LAND_CLAIMS,
            personal=True,
        ),
        FieldSpec(
            "plot_area_m2",
            "float",
            "Area of the plot the structure occupies",
            required=False,
            unit="m2",
            minimum=0,
        ),
    ),
    foreign_keys=(ForeignKey("encroachment_id", "encroachments", "encroachment_id"),),
)

SAMPLE_LOCATIONS = LayerSchema(
    name="sample_locations",
    title="Sample locations",
    description="Boreholes, monitoring wells, sediment and surface-water stations.",
    geometry_types=("Point",),
    id_field="location_id",
    fields=(
        FieldSpec("location_id", "str", "Location identifier", unique=True),
        FieldSpec(
            "location_type",
            "str",
            "Kind of sampling point",
            choices=(
                "borehole",
                "monitoring_well",
                "sediment_station",
                "surface_water_station",
            ),
        ),
        FieldSpec("medium", "str", "Medium sampled at the location", choices=MEDIA),
        _ZONE,
        _SYNTHETIC,
        FieldSpec(
            "background",
            "bool",
            "Reference location for background (off-site, upwind / up-gradient)",
            required=False,
        ),
    ),
)

RESULTS = LayerSchema(
    name="results",
    title="Laboratory results",
    description="EDD-style long table: one row per sample and analyte. Non-detects have "
    "detected = false, an empty value and qualifier U.",
    geometry_types=(),
    id_field="result_id",
    fields=(
        FieldSpec("result_id", "str", "Result identifier (sample_id/analyte)", unique=True),
        FieldSpec("sample_id", "str", "Sample identifier"),
        FieldSpec("location_id", "str", "Sample location"),
        FieldSpec("medium", "str", "Sampled medium", choices=MEDIA),
        FieldSpec(
            "depth_top_m",
            "float",
            "Top of the sampled interval below ground",
            unit="m",
            minimum=0,
            maximum=200,
        ),
        FieldSpec(
            "depth_bottom_m",
            "float",
            "Bottom of the sampled interval below ground",
            unit="m",
            minimum=0,
            maximum=200,
        ),
        FieldSpec("sampled_on", "date", "Sampling date"),
        FieldSpec("analyte", "str", "Analyte name"),
        FieldSpec("cas_number", "str", "CAS registry number", required=False),
        FieldSpec(
            "value",
            "float",
            "Measured concentration (empty for non-detects)",
            required=False,
            minimum=0,
        ),
        FieldSpec(
            "unit",
            "str",
            "Unit of value and detection_limit",
            choices=("mg/kg", "ug/L", "pH units"),
        ),
        FieldSpec("detected", "bool", "Whether the analyte was detected"),
        FieldSpec(
            "detection_limit", "float", "Reporting limit of the analysis", required=False, minimum=0
        ),
        FieldSpec(
            "qualifier",
            "str",
            "Lab qualifier: U not detected, J estimated",
            required=False,
            choices=("U", "J"),
        ),
        FieldSpec("lab", "str", "Laboratory"),
        FieldSpec("method", "str", "Analytical method"),
        _SYNTHETIC,
    ),
    foreign_keys=(ForeignKey("location_id", "sample_locations", "location_id"),),
)

RECEPTORS = LayerSchema(
    name="receptors",
    title="Receptors",
    description="Communities, wells and workplaces outside the fence that contamination "
    "could reach.",
    geometry_types=("Point",),
    id_field="receptor_id",
    fields=(
        FieldSpec("receptor_id", "str", "Receptor identifier", unique=True),
        FieldSpec("name", "str", "Name"),
        FieldSpec(
            "kind",
            "str",
            "Kind of receptor",
            choices=(
                "community",
                "fishing_community",
                "port",
                "well",
            ),
        ),
        FieldSpec(
            "population", "int", "Resident population (empty for wells)", required=False, minimum=0
        ),
        FieldSpec(
            "population_basis",
            "str",
            "Where the population figure comes from",
            multiline=True,
        ),
        FieldSpec("location_basis", "str", "Where the location comes from", multiline=True),
        _SYNTHETIC,
    ),
)

LAND_USES = ("residential", "industrial")

SCREENING_LEVELS = LayerSchema(
    name="screening_levels",
    title="Screening levels",
    description="Standards library: screening levels per analyte, medium, land use and "
    "standard, in the canonical unit of the medium (mg/kg for solids, ug/L for waters).",
    geometry_types=(),
    id_field="level_id",
    fields=(
        FieldSpec("level_id", "str", "standard:analyte key:medium:land use", unique=True),
        FieldSpec("standard", "str", "Standard identifier, e.g. dutch_iv, us_epa_rsl"),
        FieldSpec("version", "str", "Version or edition of the standard"),
        FieldSpec("analyte", "str", "Analyte name (canonical)"),
        FieldSpec("cas_number", "str", "CAS registry number", required=False),
        FieldSpec("medium", "str", "Medium the level applies to", choices=MEDIA),
        FieldSpec(
            "land_use",
            "str",
            "Land use the level applies to (any: both)",
            choices=(*LAND_USES, "any"),
        ),
        FieldSpec("value", "float", "Screening level (upper limit)", minimum=0),
        FieldSpec("lower_value", "float", "Lower limit, for ranges such as pH", required=False),
        FieldSpec(
            "unit", "str", "Unit of value and lower_value", choices=("mg/kg", "ug/L", "pH units")
        ),
        FieldSpec("published", "str", "The level as published, with its unit"),
        FieldSpec("verified", "bool", "False where the figure still needs checking at the source"),
        FieldSpec("source_url", "str", "Where the figure comes from", required=False),
        FieldSpec("note", "str", "Conditions of use", required=False, multiline=True),
        FieldSpec(
            "citation",
            "str",
            "The issuing body's citation: title, issuer, year, table or annex",
            required=False,
            multiline=True,
        ),
        FieldSpec(
            "seen_in",
            "str",
            "Secondary copy where the figure was seen (not a source; the level is to verify)",
            required=False,
        ),
    ),
)

GROUNDWATER_HEADS = LayerSchema(
    name="groundwater_heads",
    title="Groundwater heads",
    description="Water level in a monitoring well at one visit, as a head above the datum "
    "(one row per well and date). Heads give the hydraulic gradient and flow direction.",
    geometry_types=(),
    id_field="head_id",
    fields=(
        FieldSpec("head_id", "str", "Head identifier (location_id:measured_on)", unique=True),
        FieldSpec("location_id", "str", "Monitoring well"),
        FieldSpec("measured_on", "date", "Date the water level was measured"),
        FieldSpec(
            "head_m",
            "float",
            "Hydraulic head above the datum",
            unit="m",
            minimum=-200,
            maximum=2000,
        ),
        FieldSpec("datum", "str", "Vertical datum of head_m, e.g. mean sea level"),
        _SYNTHETIC,
    ),
    foreign_keys=(ForeignKey("location_id", "sample_locations", "location_id"),),
)

CATALOGUE: dict[str, LayerSchema] = {
    s.name: s
    for s in (
        SITE_BOUNDARY,
        EIA_ZONES,
        FACILITIES,
        PARCELS,
        ENCROACHMENTS,
        STRUCTURES,
        SAMPLE_LOCATIONS,
        RESULTS,
        RECEPTORS,
        SCREENING_LEVELS,
        GROUNDWATER_HEADS,
    )
}
"""Every layer of a site, by canonical name, in load order (referenced layers first)."""


# Resettlement to lenders' standards (additive layers).

SURVEY_ROUNDS = LayerSchema(
    name="survey_rounds",
    title="Survey rounds",
    description="Rounds of the structure survey: the census that sets the cut-off, drone "
    "imagery and field verification, each with its evidence.",
    geometry_types=(),
    id_field="round_id",
    fields=(
        FieldSpec("round_id", "str", "Round identifier", unique=True),
        FieldSpec("surveyed_on", "date", "Date of the round (last day of fieldwork or imagery)"),
        FieldSpec("method", "str", "How the round was surveyed", choices=ROUND_METHODS),
        FieldSpec("evidence", "str", "Reference of the evidence (imagery id, census report)"),
        FieldSpec("note", "str", "What the round covered", required=False, multiline=True),
        _SYNTHETIC,
    ),
)

HOUSEHOLDS = LayerSchema(
    name="households",
    title="Households",
    description="Households enumerated in the structures, with tenure and vulnerability "
    "(personal data: served only as aggregates).",
    geometry_types=(),
    id_field="household_id",
    personal=True,
    fields=(
        FieldSpec("household_id", "str", "Household identifier", unique=True),
        FieldSpec("structure_id", "str", "Structure the household lives in", personal=True),
        FieldSpec("tenure", "str", "Owner-occupier or tenant", choices=TENURES, personal=True),
        FieldSpec("female_headed", "bool", "Headed by a woman", personal=True),
        FieldSpec("elderly_headed", "bool", "Headed by a person aged 60 or over", personal=True),
        FieldSpec("disabled_member", "bool", "Has a member with a disability", personal=True),
        FieldSpec(
            "below_poverty_line", "bool", "Income below the national poverty line", personal=True
        ),
        FieldSpec(
            "enumerated_round",
            "str",
            "Survey round in which the household was first enumerated",
            required=False,
            personal=True,
        ),
        _SYNTHETIC,
    ),
    foreign_keys=(
        ForeignKey("structure_id", "structures", "structure_id"),
        ForeignKey("enumerated_round", "survey_rounds", "round_id"),
    ),
)

STRUCTURE_OBSERVATIONS = LayerSchema(
    name="structure_observations",
    title="Structure observations",
    description="What each survey round saw of each structure: present or absent, floor "
    "area and use.",
    geometry_types=(),
    id_field="observation_id",
    fields=(
        FieldSpec("observation_id", "str", "round id/structure id", unique=True),
        FieldSpec("round_id", "str", "Survey round"),
        FieldSpec("structure_id", "str", "Structure observed"),
        FieldSpec("present", "bool", "Whether the structure stood in this round"),
        FieldSpec(
            "floor_area_m2",
            "float",
            "Floor area over all storeys (empty when absent)",
            required=False,
            unit="m2",
            minimum=0,
        ),
        FieldSpec(
            "use",
            "str",
            "Main use (empty when absent)",
            required=False,
            choices=STRUCTURES.field("use").choices,
        ),
        _SYNTHETIC,
    ),
    foreign_keys=(
        ForeignKey("round_id", "survey_rounds", "round_id"),
        ForeignKey("structure_id", "structures", "structure_id"),
    ),
)

GRIEVANCES = LayerSchema(
    name="grievances",
    title="Grievance register",
    description="Grievances received by the resettlement grievance mechanism (ESS5): "
    "date, place, category and status. No name or contact of a complainant is stored.",
    geometry_types=(),
    id_field="grievance_id",
    fields=(
        FieldSpec("grievance_id", "str", "Grievance identifier", unique=True),
        FieldSpec("received_on", "date", "Date received"),
        FieldSpec("encroachment_id", "str", "Encroachment concerned", required=False),
        FieldSpec(
            "area",
            "str",
            "Other place concerned (a parcel or locality; never a name)",
            required=False,
        ),
        FieldSpec("category", "str", "What the grievance is about", choices=GRIEVANCE_CATEGORIES),
        FieldSpec("status", "str", "Where it stands", choices=GRIEVANCE_STATUSES),
        FieldSpec("resolved_on", "date", "Date resolved or closed", required=False),
        _SYNTHETIC,
    ),
    foreign_keys=(ForeignKey("encroachment_id", "encroachments", "encroachment_id"),),
)

CATALOGUE.update(
    (s.name, s) for s in (SURVEY_ROUNDS, HOUSEHOLDS, STRUCTURE_OBSERVATIONS, GRIEVANCES)
)
