"""Import a laboratory's results (EDD-style CSV): parse, validate every row, write all or nothing.

What labs really send is accepted: ``<0.5`` and ``ND`` with a detection limit,
``0.5 U`` style qualifiers, units such as ``µg/kg`` or ``mg/L`` (converted to
the canonical unit of the medium), analytes by name, synonym or CAS number,
dates as ``YYYY-MM-DD`` or ``dd/mm/yyyy``, coordinates of new locations.
Every row is checked and **all** problems are reported at once, by CSV line
number (the header is line 1) and column; no cell may hold a control character
(NUL, DEL, tab or line break inside a quoted cell, ...).  Nothing is written unless every row
is good.  Re-importing the same file adds nothing: a result already stored
with the same content is skipped; one stored with different content is a
problem (corrections are not silent).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Geod

from site_gis.contamination.analytes import cas_numbers, resolve_analytes
from site_gis.contamination.screening import EXCEEDING_FLAGS, screen_results, select_levels
from site_gis.contamination.units import canonical_unit, conversion_factors, convert
from site_gis.errors import Problem, ValidationError
from site_gis.io import read_csv_bytes
from site_gis.progress import Progress, Steps
from site_gis.schemas import MEDIA
from site_gis.site import place_near_site
from site_gis.store import AuditEntry, Store
from site_gis.validation import control_character, control_characters, control_reason

MAX_ROWS = 500_000
REGION_RADIUS_M = 30_000.0
"""New locations must lie within this distance of the site centre."""
LOCATION_TOLERANCE_M = 10.0
"""A stored location may be re-sent with coordinates this far off."""

ALIASES = {
    "lon": "longitude",
    "long": "longitude",
    "x": "longitude",
    "easting_deg": "longitude",
    "lat": "latitude",
    "y": "latitude",
    "sample": "sample_id",
    "sample_name": "sample_id",
    "sys_sample_code": "sample_id",
    "location": "location_id",
    "sys_loc_code": "location_id",
    "station": "location_id",
    "matrix": "medium",
    "analyte_name": "analyte",
    "chemical_name": "analyte",
    "parameter": "analyte",
    "cas": "cas_number",
    "cas_no": "cas_number",
    "cas_rn": "cas_number",
    "result": "value",
    "result_value": "value",
    "concentration": "value",
    "units": "unit",
    "result_unit": "unit",
    "dl": "detection_limit",
    "mdl": "detection_limit",
    "rl": "detection_limit",
    "reporting_limit": "detection_limit",
    "detection_limit_value": "detection_limit",
    "date": "sampled_on",
    "sample_date": "sampled_on",
    "sampling_date": "sampled_on",
    "depth_top": "depth_top_m",
    "start_depth": "depth_top_m",
    "top_m": "depth_top_m",
    "depth_bottom": "depth_bottom_m",
    "end_depth": "depth_bottom_m",
    "bottom_m": "depth_bottom_m",
    "detect_flag": "detected",
    "detected_flag": "detected",
    "lab_qualifier": "qualifier",
    "qualifiers": "qualifier",
    "flag": "qualifier",
    "lab_name": "lab",
    "laboratory": "lab",
    "analytical_method": "method",
}
REQUIRED = (
    "sample_id",
    "location_id",
    "medium",
    "depth_top_m",
    "depth_bottom_m",
    "sampled_on",
    "value",
    "unit",
    "lab",
    "method",
)
_ND_WORDS = {"nd", "n.d.", "n/d", "bdl", "<dl", "<rl", "<mdl", "<lod", "not detected", "u"}
_FORMULA = ("=", "+", "-", "@")
_TEXT_FIELDS = (
    "sample_id",
    "location_id",
    "analyte",
    "cas_number",
    "lab",
    "method",
    "qualifier",
    "medium",
)
_LOCATION_TYPES = {
    "soil": "borehole",
    "sediment": "sediment_station",
    "groundwater": "monitoring_well",
    "surface_water": "surface_water_station",
}
_GEOD = Geod(ellps="WGS84")


@dataclass
class ImportReport:
    """What an import did."""

    source: str
    source_hash: str
    rows: int
    new_results: int
    already_stored: int
    new_locations: list[str]
    exceedances: pd.DataFrame
    standard: str
    land_use: str
    audit: AuditEntry | None = None
    notes: list[str] = field(default_factory=list)


def parse_results(
    data: bytes,
    store: Store,
    *,
    source: str = "upload.csv",
    today: date | None = None,
    max_rows: int = MAX_ROWS,
    progress: Progress | None = None,
) -> tuple[pd.DataFrame, gpd.GeoDataFrame, int]:
    """Parse and validate a lab file (at most ``max_rows`` data rows) against the store.

    ``progress`` is told of its four steps: parsing the CSV, validating the rows,
    checking their locations and samples against the store, and finding rows
    already stored.

    Returns
    -------
    tuple
        New result rows (results layer), new location rows (sample_locations
        layer) and the number of rows already stored unchanged.

    Raises
    ------
    ValidationError
        Listing every problem (row = CSV line number).
    """
    steps = Steps(progress, 4)
    steps.start(f"parsing {source}")
    frame = read_csv_bytes(data, source, max_rows=max_rows)
    steps.finish()
    steps.start(f"validating {len(frame):,} rows")
    problems = _Collector(source)
    rows = _normalise_columns(frame, problems)
    if problems.items:
        raise problems.error()
    line = rows.index.to_numpy()
    rows = rows.reset_index(drop=True)
    text = rows.astype("string").apply(lambda c: c.str.strip())
    blank = text.isna() | (text == "")

    for column in REQUIRED:
        problems.rows(blank[column].to_numpy(bool), line, text[column], column, "value is required")
    for column in text.columns:  # a lab file holds no free text: no control character anywhere
        problems.rows(
            control_characters(text[column]),
            line,
            text[column],
            column,
            control_reason(multiline=False),
        )
    for column in _TEXT_FIELDS:
        if column in text:
            starts = text[column].str.startswith(_FORMULA).fillna(False).to_numpy(bool)
            problems.rows(
                starts,
                line,
                text[column],
                column,
                "begins with = + - or @ (a spreadsheet formula); not accepted",
            )

    medium = text["medium"].str.lower().str.replace(" ", "_")
    problems.rows(
        (~medium.isin(MEDIA) & ~blank["medium"]).to_numpy(bool),
        line,
        text["medium"],
        "medium",
        f"must be one of {', '.join(MEDIA)}",
    )
    analyte, conflict = resolve_analytes(
        text.get("analyte", _empty(text)), text.get("cas_number", _empty(text))
    )
    unknown = analyte.isna().to_numpy(bool)
    problems.rows(
        unknown,
        line,
        text.get("analyte", text.get("cas_number")),
        "analyte",
        "unknown analyte (give a known name or CAS number)",
    )
    problems.rows(
        conflict,
        line,
        text.get("cas_number"),
        "cas_number",
        "CAS number names another analyte than the analyte column",
    )

    is_ph = (analyte == "pH").fillna(False)
    value, detected, limit = _parse_values(text, blank, line, problems, is_ph)
    factor = conversion_factors(text["unit"], medium, is_ph)
    convertible = ~np.isnan(factor)
    problems.rows(
        ~convertible & ~blank["unit"].to_numpy(bool) & medium.isin(MEDIA).to_numpy(bool),
        line,
        text["unit"],
        "unit",
        "unit cannot be converted for this medium (solids: mg/kg or µg/kg; "
        "waters: µg/L or mg/L; pH: pH units)",
    )
    sampled_on = _parse_dates(
        text["sampled_on"],
        blank["sampled_on"].to_numpy(bool),
        line,
        problems,
        today or date.today(),
    )
    top = _numbers(text, "depth_top_m", blank, line, problems, minimum=0.0, maximum=200.0)
    bottom = _numbers(text, "depth_bottom_m", blank, line, problems, minimum=0.0, maximum=200.0)
    problems.rows(
        (bottom < top),
        line,
        text["depth_bottom_m"],
        "depth_bottom_m",
        "bottom of the interval is above its top",
    )

    results = pd.DataFrame(
        {
            "sample_id": text["sample_id"],
            "location_id": text["location_id"],
            "medium": medium,
            "depth_top_m": top,
            "depth_bottom_m": bottom,
            "sampled_on": sampled_on,
            "analyte": analyte,
            "cas_number": analyte.map(cas_numbers()),
            "value": np.where(detected, convert(value, factor), np.nan),
            "unit": [
                canonical_unit(m, is_ph=bool(p)) if isinstance(m, str) and m in MEDIA else None
                for m, p in zip(medium, is_ph, strict=True)
            ],
            "detected": detected,
            "detection_limit": np.where(is_ph, np.nan, convert(limit, factor)),
            "qualifier": _qualifiers(text, detected),
            "lab": text["lab"],
            "method": text["method"],
            "synthetic": False,
        }
    )
    key = results["cas_number"].fillna(results["analyte"])
    results.insert(0, "result_id", results["sample_id"] + ":" + key)
    duplicate = results["result_id"].duplicated(keep="first").to_numpy(bool) & ~unknown
    problems.rows(
        duplicate,
        line,
        results["result_id"],
        "analyte",
        "the same sample and analyte appear on an earlier row",
    )
    steps.finish()
    steps.start("checking locations and samples against the store")
    locations = _check_locations(text, blank, results, line, problems, store)
    _check_samples(results, line, problems, store)
    if problems.items:
        raise problems.error()
    steps.finish()
    steps.start("finding rows already stored")
    results, skipped = _drop_already_stored(results, line, problems, store)
    if problems.items:
        raise problems.error()
    steps.finish()
    return results, locations, skipped


def import_results(
    store: Store,
    data: bytes,
    *,
    actor: str,
    source: str = "upload.csv",
    standard: str = "dutch_iv",
    land_use: str = "industrial",
    today: date | None = None,
    max_rows: int = MAX_ROWS,
    progress: Progress | None = None,
) -> ImportReport:
    """Validate a lab file and append its results (and new locations) in one write.

    Parameters
    ----------
    store
        Where the results go.
    data
        The file's bytes (UTF-8 CSV).
    actor
        Who imports, for the audit log.
    source
        The file's name, for messages and the audit log.
    standard, land_use
        The screening used for the alert of new exceedances.
    max_rows
        The most data rows the file may hold.
    progress
        Told of each step: reading the screening levels, the four steps of
        :func:`parse_results`, writing the new rows, screening them.

    Returns
    -------
    ImportReport
        Counts, new locations, the new exceedances and the audit entry
        (``None`` when every row was already stored).
    """
    digest = hashlib.sha256(data).hexdigest()
    steps = Steps(progress, 7)
    steps.start("reading the screening levels")
    levels = store.read("screening_levels")
    select_levels(levels, standard, land_use)  # an unknown standard fails before any write
    steps.finish()
    results, locations, skipped = parse_results(
        data, store, source=source, today=today, max_rows=max_rows, progress=steps.part(4)
    )
    report = ImportReport(
        source=source,
        source_hash=digest,
        rows=len(results) + skipped,
        new_results=len(results),
        already_stored=skipped,
        new_locations=list(locations["location_id"]),
        exceedances=pd.DataFrame(),
        standard=standard,
        land_use=land_use,
    )
    if len(results):
        steps.start(f"writing {len(results):,} results")
        changes: dict[str, pd.DataFrame] = {"results": results}
        if len(locations):
            changes["sample_locations"] = locations
        report.audit = store.write(
            changes,
            mode="append",
            actor=actor,
            action="import-results",
            note=f"{source}: {len(results)} result(s), {len(locations)} new location(s)",
            source_hash=digest,
        )
        steps.finish()
        steps.start(f"screening against {standard} ({land_use})")
        screened = screen_results(results, levels, standard=standard, land_use=land_use)
        report.exceedances = screened[screened["flag"].isin(EXCEEDING_FLAGS)]
    else:
        report.notes.append("every row is already stored: nothing written")
    steps.complete()
    return report


class _Collector:
    def __init__(self, source: str) -> None:
        self.source = source
        self.items: list[Problem] = []
        self.dropped = 0

    def add(self, row: object, column: str | None, value: object, reason: str) -> None:
        if len(self.items) < 1000:
            self.items.append(Problem(self.source, row, column, value, reason))
        else:
            self.dropped += 1

    def rows(
        self, mask: np.ndarray, line: np.ndarray, values: pd.Series | None, column: str, reason: str
    ) -> None:
        for i in np.flatnonzero(np.asarray(mask, dtype=bool)):
            shown = None if values is None else values.iloc[i]
            self.add(int(line[i]), column, None if pd.isna(shown) else shown, reason)

    def error(self) -> ValidationError:
        items = list(self.items)
        if self.dropped:
            items.append(
                Problem(self.source, None, None, None, f"{self.dropped} more problem(s) not listed")
            )
        return ValidationError(
            items,
            summary=f"{len(self.items) + self.dropped} problem(s) in "
            f"{self.source}; nothing was imported",
        )


def _normalise_columns(frame: pd.DataFrame, problems: _Collector) -> pd.DataFrame:
    names = [re.sub(r"[\s\-]+", "_", str(c).strip().lower()) for c in frame.columns]
    names = [ALIASES.get(n, n) for n in names]
    seen: set[str] = set()
    for name in names:
        if name in seen:
            problems.add(None, name, None, "column appears twice")
        seen.add(name)
    frame = frame.set_axis(names, axis=1)
    for column in REQUIRED:
        if column not in frame.columns:
            problems.add(None, column, None, "required column is missing")
    if "analyte" not in frame.columns and "cas_number" not in frame.columns:
        problems.add(None, "analyte", None, "give an analyte or cas_number column")
    return frame


def _empty(text: pd.DataFrame) -> pd.Series:
    return pd.Series(pd.NA, index=text.index, dtype="string")


def _qualifier_codes(text: pd.DataFrame) -> pd.Series:
    """Each row's qualifier codes, upper case, split on spaces, commas, semicolons, slashes."""
    raw = text.get("qualifier", _empty(text)).fillna("").str.upper()
    return raw.map(lambda q: frozenset(c for c in re.split(r"[\s,;/]+", q) if c))


def _parse_values(
    text: pd.DataFrame,
    blank: pd.DataFrame,
    line: np.ndarray,
    problems: _Collector,
    is_ph: pd.Series,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    raw = text["value"].fillna("")
    lower = raw.str.lower()
    limit_text = text.get("detection_limit", _empty(text))
    limit_column = pd.to_numeric(limit_text, errors="coerce")
    bad_limit = (limit_column.isna() & limit_text.notna() & (limit_text != "")).to_numpy(bool)
    problems.rows(bad_limit, line, limit_text, "detection_limit", "not a number")
    problems.rows(
        (limit_column < 0).fillna(False).to_numpy(bool),
        line,
        limit_text,
        "detection_limit",
        "negative detection limit",
    )
    less_than = pd.to_numeric(raw.str.extract(r"^<\s*(\S+)$")[0], errors="coerce")
    nd_word = lower.isin(_ND_WORDS).to_numpy(bool)
    number = pd.to_numeric(raw.str.replace(r"\s*[uU]$", "", regex=True), errors="coerce")
    flagged_u = raw.str.match(r"^[0-9.eE+\-]+\s*[uU]$").fillna(False).to_numpy(bool)
    flag_text = text.get("detected", _empty(text)).str.lower()
    said_not = flag_text.isin(["n", "no", "false", "0", "not detected"]).fillna(False)
    codes = _qualifier_codes(text)
    qualifier_u = codes.map(lambda c: bool(c & {"U", "UJ", "ND"})).to_numpy(bool)
    is_less = less_than.notna().to_numpy(bool)
    unparsed = ~is_less & ~nd_word & number.isna().to_numpy(bool) & ~blank["value"].to_numpy(bool)
    problems.rows(
        unparsed,
        line,
        text["value"],
        "value",
        "not a number (use a number, <DL or ND with a detection_limit)",
    )
    values = number.to_numpy(float)
    with np.errstate(invalid="ignore"):
        problems.rows(
            ~unparsed & (values < 0), line, text["value"], "value", "negative concentration"
        )
        problems.rows(
            np.isinf(values) | np.isinf(less_than.to_numpy(float)),
            line,
            text["value"],
            "value",
            "not a finite number",
        )
        problems.rows(
            is_less & (less_than.to_numpy(float) < 0),
            line,
            text["value"],
            "value",
            "negative detection limit",
        )
    non_detect = is_less | nd_word | flagged_u | said_not.to_numpy(bool) | qualifier_u
    problems.rows(
        non_detect & is_ph.to_numpy(bool),
        line,
        text["value"],
        "value",
        "pH is measured, never a non-detect",
    )
    limit = np.where(
        is_less,
        less_than.to_numpy(float),
        np.where(
            nd_word | limit_column.notna().to_numpy(bool), limit_column.to_numpy(float), values
        ),
    )
    missing_limit = non_detect & np.isnan(limit) & ~is_ph.to_numpy(bool)
    problems.rows(
        missing_limit & ~blank["value"].to_numpy(bool) & ~unparsed,
        line,
        text["value"],
        "detection_limit",
        "a non-detect needs its detection limit",
    )
    with np.errstate(invalid="ignore"):
        out_of_range = is_ph.to_numpy(bool) & ((values < 0) | (values > 14))
    problems.rows(out_of_range, line, text["value"], "value", "pH must be between 0 and 14")
    return values, ~non_detect, limit


def _qualifiers(text: pd.DataFrame, detected: np.ndarray) -> pd.Series:
    """U for non-detects, J where the lab marked a detect as estimated, else empty."""
    estimated = _qualifier_codes(text).map(lambda c: "J" in c).to_numpy(bool)
    out = pd.Series(None, index=text.index, dtype=object)
    out[estimated & detected] = "J"
    out[~detected] = "U"
    return out


def _parse_dates(
    column: pd.Series, blank: np.ndarray, line: np.ndarray, problems: _Collector, today: date
) -> pd.Series:
    iso = pd.to_datetime(
        column.where(column.str.fullmatch(r"\d{4}-\d{2}-\d{2}").fillna(False)),
        format="%Y-%m-%d",
        errors="coerce",
    )
    dmy = pd.to_datetime(
        column.where(column.str.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}").fillna(False)),
        format="%d/%m/%Y",
        errors="coerce",
    )
    parsed = iso.fillna(dmy)
    problems.rows(
        parsed.isna().to_numpy(bool) & ~blank,
        line,
        column,
        "sampled_on",
        "not a date (use YYYY-MM-DD or dd/mm/yyyy)",
    )
    future = (parsed > pd.Timestamp(today)).fillna(False).to_numpy(bool)
    problems.rows(future, line, column, "sampled_on", "date is in the future")
    return parsed.dt.strftime("%Y-%m-%d")


def _numbers(
    text: pd.DataFrame,
    column: str,
    blank: pd.DataFrame,
    line: np.ndarray,
    problems: _Collector,
    *,
    minimum: float,
    maximum: float,
) -> np.ndarray:
    values = pd.to_numeric(text[column], errors="coerce")
    problems.rows(
        values.isna().to_numpy(bool) & ~blank[column].to_numpy(bool),
        line,
        text[column],
        column,
        "not a number",
    )
    problems.rows(
        (values < minimum).fillna(False).to_numpy(bool),
        line,
        text[column],
        column,
        f"below {minimum:g}",
    )
    problems.rows(
        (values > maximum).fillna(False).to_numpy(bool),
        line,
        text[column],
        column,
        f"above {maximum:g}",
    )
    return values.to_numpy(float)


def _check_locations(
    text: pd.DataFrame,
    blank: pd.DataFrame,
    results: pd.DataFrame,
    line: np.ndarray,
    problems: _Collector,
    store: Store,
) -> gpd.GeoDataFrame:
    """Coordinates against the stored locations and the site's region; new locations."""
    site = store.site()
    stored = store.read("sample_locations")
    known = stored.set_index("location_id")
    lon = pd.to_numeric(text.get("longitude", _empty(text)), errors="coerce").to_numpy(float)
    lat = pd.to_numeric(text.get("latitude", _empty(text)), errors="coerce").to_numpy(float)
    has_xy = ~np.isnan(lon) & ~np.isnan(lat)
    for column, values in (("longitude", lon), ("latitude", lat)):
        given = ~blank[column].to_numpy(bool) if column in blank else np.zeros(len(text), bool)
        problems.rows(given & np.isnan(values), line, text.get(column), column, "not a number")
    location = results["location_id"]
    is_known = location.isin(known.index).to_numpy(bool)
    problems.rows(
        ~is_known & ~has_xy & location.notna().to_numpy(bool),
        line,
        location,
        "longitude",
        "a new location needs longitude and latitude",
    )
    placed = place_near_site(site, lon, lat, radius_m=REGION_RADIUS_M)
    # not finite lon/lat is "outside the region" here: the CSV gave numbers, just not degrees
    far = has_xy & (placed.far | ~np.isfinite(placed.distance_m))
    looks_swapped = placed.swapped
    problems.rows(
        looks_swapped, line, text.get("latitude"), "latitude", "latitude and longitude look swapped"
    )
    problems.rows(
        far & ~looks_swapped,
        line,
        text.get("longitude"),
        "longitude",
        f"outside the site's region (more than {REGION_RADIUS_M / 1000:g} km from {site.name})",
    )
    if is_known.any():
        rows = np.flatnonzero(is_known & has_xy & ~far)
        where = known.loc[location.iloc[rows]]
        gap = _distance(
            where.geometry.x.to_numpy(), where.geometry.y.to_numpy(), lon[rows], lat[rows]
        )
        for i, metres in zip(rows, gap, strict=True):
            if metres > LOCATION_TOLERANCE_M:
                problems.add(
                    int(line[i]),
                    "longitude",
                    f"{lon[i]}, {lat[i]}",
                    f"location {location.iloc[i]} is stored {metres:.0f} m away",
                )
        stored_medium = known.loc[location[is_known], "medium"].to_numpy()
        other = results["medium"][is_known].to_numpy() != stored_medium
        for i in np.flatnonzero(is_known)[other]:
            problems.add(
                int(line[i]),
                "medium",
                results["medium"].iloc[i],
                f"location {location.iloc[i]} is a "
                f"{known.loc[location.iloc[i], 'medium']} location",
            )
    new = ~is_known & has_xy & ~far
    fresh = pd.DataFrame(
        {
            "location_id": location[new],
            "medium": results["medium"][new],
            "lon": lon[new],
            "lat": lat[new],
            "line": line[new],
        }
    )
    for location_id, group in fresh.groupby("location_id", sort=False):
        spread = _distance(
            np.full(len(group), group["lon"].iloc[0]),
            np.full(len(group), group["lat"].iloc[0]),
            group["lon"].to_numpy(),
            group["lat"].to_numpy(),
        )
        for row in group[spread > LOCATION_TOLERANCE_M]["line"]:
            problems.add(
                int(row),
                "longitude",
                None,
                f"new location {location_id} is given other coordinates on line "
                f"{int(group['line'].iloc[0])}",
            )
        for row in group[group["medium"] != group["medium"].iloc[0]]["line"]:
            problems.add(
                int(row),
                "medium",
                None,
                f"new location {location_id} has another medium on line "
                f"{int(group['line'].iloc[0])}",
            )
    first = fresh.drop_duplicates("location_id")
    zones = store.read("eia_zones")
    points = gpd.GeoDataFrame(
        {
            "location_id": first["location_id"].to_numpy(),
            "location_type": first["medium"].map(_LOCATION_TYPES).to_numpy(),
            "medium": first["medium"].to_numpy(),
            "synthetic": False,
            "background": False,  # a lab's new location is a site location
        },
        geometry=gpd.points_from_xy(first["lon"], first["lat"]),
        crs=stored.crs,
    )
    points["zone_id"] = _zone_of(points, zones)
    return points


def _zone_of(points: gpd.GeoDataFrame, zones: gpd.GeoDataFrame) -> list[str | None]:
    out: list[str | None] = [None] * len(points)
    for zone_id, zone in zip(zones["zone_id"], zones.geometry, strict=True):
        for i in np.flatnonzero(shapely.contains(zone, points.geometry.to_numpy())):
            out[i] = zone_id
    return out


def _check_samples(
    results: pd.DataFrame, line: np.ndarray, problems: _Collector, store: Store
) -> None:
    """A sample id names one location, date and depth interval, in the file and the store."""
    identity = ["location_id", "sampled_on", "depth_top_m", "depth_bottom_m"]
    first = results.drop_duplicates("sample_id").set_index("sample_id")[identity]
    mine = first.reindex(results["sample_id"])
    for column in identity:
        differs = _differs(mine[column], results[column]) & results["sample_id"].notna().to_numpy(
            bool
        )

        problems.rows(
            differs,
            line,
            results[column],
            column,
            "the same sample_id has another " + column + " on an earlier row",
        )
    # an id with a control character is already reported, and no stored id holds one
    ids = [i for i in first.index.dropna() if control_character(str(i)) is None]
    if not ids:
        return
    stored = store.read(
        "results", where={"sample_id": ids}, columns=["sample_id", *identity]
    ).drop_duplicates("sample_id")
    theirs = stored.set_index("sample_id").reindex(results["sample_id"])
    for column in identity:
        differs = theirs[column].notna().to_numpy(bool) & _differs(theirs[column], results[column])
        problems.rows(
            differs, line, results[column], column, f"sample already stored with another {column}"
        )


def _differs(a: pd.Series, b: pd.Series) -> np.ndarray:
    """Element-wise inequality where two missing values count as equal."""
    left, right = a.reset_index(drop=True), b.reset_index(drop=True)
    same = (left == right).fillna(False) | (left.isna() & right.isna())
    return ~same.to_numpy(bool)


def _drop_already_stored(
    results: pd.DataFrame, line: np.ndarray, problems: _Collector, store: Store
) -> tuple[pd.DataFrame, int]:
    ids = list(results["result_id"])
    stored = store.read("results", where={"result_id": ids}) if ids else results.iloc[:0]
    if stored.empty:
        return results, 0
    theirs = stored.set_index("result_id").reindex(results["result_id"])
    present = theirs["medium"].notna().to_numpy(bool)
    same = present.copy()
    for column in ("value", "detection_limit"):
        a, b = theirs[column].to_numpy(float), results[column].to_numpy(float)
        same &= np.isclose(a, b, rtol=1e-9, equal_nan=True)
    same &= theirs["detected"].to_numpy() == results["detected"].to_numpy()
    for column in ("qualifier", "lab", "method", "unit"):
        same &= ~_differs(theirs[column], results[column])
    changed = present & ~same
    problems.rows(
        changed,
        line,
        results["value"],
        "value",
        "this sample and analyte are already stored with another result; "
        "corrections are not imported silently",
    )
    return results[~present].reset_index(drop=True), int(same.sum())


def _distance(lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray) -> np.ndarray:
    """Geodesic distance in metres (NaN where a coordinate is missing or invalid)."""
    valid = np.isfinite(lon2) & np.isfinite(lat2) & (np.abs(lat2) <= 90) & (np.abs(lon2) <= 180)
    out = np.full(len(lon2), np.inf)
    if valid.any():
        _, _, metres = _GEOD.inv(lon1[valid], lat1[valid], lon2[valid], lat2[valid])
        out[valid] = metres
    return out
