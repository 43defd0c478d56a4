"""Read and write a site's layers as text files a consultant can open.

A layers directory holds ``site.json`` plus one file per layer: GeoJSON
(RFC 7946, EPSG:4326) for spatial layers and CSV for tables, named after the
layer (``eia_zones.geojson``, ``results.csv``).  See ``layers/README.md``.
:func:`build_store` makes a store from one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from site_gis.crs import to_storage
from site_gis.errors import LayerValidationError, Problem, StoreNotFoundError
from site_gis.progress import Progress, Steps
from site_gis.schemas import CATALOGUE, LayerSchema
from site_gis.site import SITE_FILE, SiteInfo
from site_gis.store import Store, create_store, open_store
from site_gis.validation import Frame, control_reason, site_extent_problems, validate_site

GEOJSON_OPTIONS = {"RFC7946": "YES", "WRITE_NAME": "YES", "COORDINATE_PRECISION": "7"}
"""GDAL GeoJSON options: lon/lat, right-hand winding, 7 decimals (about 1 cm)."""


def read_layers_dir(
    path: Path, *, validate: bool = True, progress: Progress | None = None
) -> tuple[SiteInfo, dict[str, Frame]]:
    """Read and validate every layer in a layers directory.

    Parameters
    ----------
    path
        Directory holding ``site.json`` and the layer files.
    validate
        Whether to validate the layers (a store validates them again on write).
    progress
        Told of each step: one per layer file read, then one for the validation.

    Returns
    -------
    tuple
        The site description and the validated layers (EPSG:4326), by name.

    Raises
    ------
    LayerValidationError
        Listing every missing file and every problem in every layer (features
        outside the site's region or with latitude and longitude swapped included).
    """
    site = SiteInfo.read(path / SITE_FILE)
    frames: dict[str, Frame] = {}
    problems: list[Problem] = []
    steps = Steps(progress, len(CATALOGUE) + 1)
    for schema in CATALOGUE.values():
        file = path / schema.file_name
        steps.start(f"reading {schema.file_name}")
        if not file.exists():
            problems.append(Problem(schema.name, None, None, str(file), "layer file is missing"))
        else:
            try:
                frames[schema.name] = read_layer_file(file, schema)
            except LayerValidationError as exc:
                problems.extend(exc.problems)
            except (pyogrio.errors.DataSourceError, ValueError, UnicodeDecodeError) as exc:
                problems.append(
                    Problem(schema.name, None, None, file.name, f"cannot read the file: {exc}")
                )
        steps.finish()
    steps.start("validating the layers")
    if problems or validate:  # with a file missing, still report what is wrong in the rest
        try:
            frames = validate_site(frames)
        except LayerValidationError as exc:
            problems.extend(exc.problems)
        else:  # the check every store write makes: reported here with the rest
            for name, frame in frames.items():
                problems.extend(site_extent_problems(frame, CATALOGUE[name], site))
    if problems:
        raise LayerValidationError(problems, summary=f"cannot load the layers in {path}")
    steps.finish()
    return site, frames


def read_layer_file(file: Path, schema: LayerSchema) -> Frame:
    """Read one layer file without validating it (CSV as text, GeoJSON via GDAL).

    Raises
    ------
    LayerValidationError
        For GeoJSON values holding a NUL, which GDAL would cut short unseen.
    """
    if schema.is_table:
        return pd.read_csv(file, dtype=str, keep_default_na=False, na_values=[""], engine="pyarrow")
    cut = _values_with_nul(file.read_bytes(), schema)
    if cut:
        raise LayerValidationError(cut, summary=f"{file.name} holds NUL characters")
    frame = pyogrio.read_dataframe(file, DATE_AS_STRING="YES", use_arrow=True)
    return frame.rename_geometry("geometry") if frame.geometry.name != "geometry" else frame


def _values_with_nul(data: bytes, schema: LayerSchema) -> list[Problem]:
    """GeoJSON property values holding a NUL (``\\u0000``), by feature and field."""
    if b"\\u0000" not in data:
        return []
    try:
        features = json.loads(data).get("features")
    except (ValueError, AttributeError):
        return []  # GDAL reports what cannot be read
    problems: list[Problem] = []
    for number, feature in enumerate(features if isinstance(features, list) else [], start=1):
        properties = feature.get("properties") if isinstance(feature, dict) else None
        if not isinstance(properties, dict):
            continue
        row = properties.get(schema.id_field, f"feature {number}")
        for name, value in properties.items():
            if isinstance(value, str) and "\x00" in value:
                multiline = name in schema.field_names and schema.field(name).multiline
                problems.append(
                    Problem(schema.name, row, name, value, control_reason(multiline=multiline))
                )
    return problems


def write_layers_dir(
    path: Path,
    site: SiteInfo,
    frames: Mapping[str, Frame],
    *,
    progress: Progress | None = None,
) -> None:
    """Write ``site.json`` and every layer to ``path`` (created if needed).

    Spatial layers are written as RFC 7946 GeoJSON, tables as UTF-8 CSV with
    ``\\n`` line ends, so the same input always gives byte-identical files.
    ``progress`` is told of each layer file written.
    """
    path.mkdir(parents=True, exist_ok=True)
    (path / SITE_FILE).write_text(json.dumps(site.to_dict(), indent=2) + "\n", encoding="utf-8")
    steps = Steps(progress, len(frames))
    for name, frame in frames.items():
        schema = CATALOGUE[name]
        file = path / schema.file_name
        steps.start(f"writing {schema.file_name}")
        if schema.is_table:
            frame.to_csv(file, index=False, lineterminator="\n", encoding="utf-8")
        else:
            assert isinstance(frame, gpd.GeoDataFrame)
            file.unlink(missing_ok=True)
            pyogrio.write_dataframe(
                to_storage(frame), file, driver="GeoJSON", layer=name, layer_options=GEOJSON_OPTIONS
            )
        steps.finish()


def layers_digest(path: Path) -> str:
    """SHA-256 over ``site.json`` and the layer files of ``path`` (names and bytes)."""
    digest = hashlib.sha256()
    for name in [SITE_FILE, *(s.file_name for s in CATALOGUE.values())]:
        file = path / name
        if file.exists():
            digest.update(name.encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()


def build_store(
    url: str,
    layers_dir: Path,
    *,
    actor: str,
    note: str = "",
    progress: Progress | None = None,
) -> Store:
    """Build (or rebuild) the store at ``url`` from a layers directory.

    Every layer is validated first; on any problem nothing is written and
    :class:`~site_gis.errors.LayerValidationError` lists them all.
    ``progress`` is told of each step: every layer file read, the validation,
    every layer written and the finishing (indexes, renderings, audit entry).
    """
    steps = Steps(progress, 2 * (len(CATALOGUE) + 1))
    site, frames = read_layers_dir(
        layers_dir, validate=False, progress=steps.part(len(CATALOGUE) + 1)
    )
    return create_store(
        url,
        site,
        frames,
        actor=actor,
        note=note,
        layers_digest=layers_digest(layers_dir),
        progress=steps.part(len(CATALOGUE) + 1),
    )


def open_or_build_store(
    url: str, layers_dir: Path, *, actor: str, progress: Progress | None = None
) -> tuple[Store, bool]:
    """Open the store at ``url``, building it from ``layers_dir`` if it does not exist yet.

    A GeoPackage is built when its file is missing, a PostGIS store when the
    database holds no site-gis tables (the database itself must exist);
    ``progress`` is told of the build's steps (see :func:`build_store`).

    Returns
    -------
    tuple
        The store and whether it was built by this call.
    """
    try:
        return open_store(url), False
    except StoreNotFoundError:
        built = build_store(
            url, layers_dir, actor=actor, note=f"built from {layers_dir}", progress=progress
        )
        return built, True


__all__ = [
    "build_store",
    "layers_digest",
    "open_or_build_store",
    "read_layer_file",
    "read_layers_dir",
    "write_layers_dir",
]
