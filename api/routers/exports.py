"""``/exports``: any layer or filtered selection as GeoJSON, GeoPackage, CSV, FlatGeobuf or
GeoParquet, and bundles.

GeoJSON and CSV stream page by page, so a large export is never held in memory
twice; a GeoPackage, FlatGeobuf or GeoParquet file is written page by page to a
temporary file and streamed from disk (:mod:`api.export_formats`).  File
names come from the layer catalogue, never from user input.
Household-level fields go only to callers allowed to see them (planners).
Every export is recorded in the audit log with who asked, what was selected and
the SHA-256 of the bytes sent.  Before the status line an export has checked
every parameter, read its first page and written its ``export-start`` entry, so
a bad request, a failing store or an unwritable audit log is an error status,
never a 200 with a cut body.  It ends with an ``export`` entry when every byte
was handed over, or an ``export-failed`` entry (with the bytes sent so far and
their SHA-256) when it was not.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import os
import shutil
import tempfile
import zipfile
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, Response, StreamingResponse
from starlette.background import BackgroundTask

from api.access import Exporter, Principal, export_access
from api.deps import StoreDep
from api.export_formats import (
    FLATGEOBUF_MEDIA_TYPE,
    PARQUET_MEDIA_TYPE,
    write_flatgeobuf,
    write_geoparquet,
)
from api.geojson import GEOJSON_MEDIA_TYPE, page_fragments
from api.routers.collections import LayerId, _schema, selection
from api.tables import CSV_MEDIA_TYPE, escape_formulas
from site_gis import __version__
from site_gis.access import Permission
from site_gis.errors import InvalidRequestError
from site_gis.schemas import CATALOGUE, LayerSchema
from site_gis.store import FeaturePage, Store

log = logging.getLogger("site_gis.api")
_Page = TypeVar("_Page")

router = APIRouter(prefix="/exports", tags=["exports"], dependencies=[Depends(export_access)])

PAGE = 20_000
FEATURE_PAGE = 10_000
"""Features per page of a GeoJSON export: smaller pages keep every thread busy sooner."""
READ_AHEAD = 1
"""Pages of a GeoJSON export read while the current one is serialised (2 measured slower)."""
GPKG_MEDIA_TYPE = "application/geopackage+sqlite3"
ExportFormat = Annotated[
    Literal["geojson", "gpkg", "csv", "fgb", "parquet"],
    Query(description="File format (fgb: FlatGeobuf; parquet: GeoParquet 1.1, GeoArrow encoding)"),
]
CsvGeometry = Annotated[
    Literal["wkt", "lonlat"],
    Query(description="CSV geometry: WKT, or lon/lat columns (point layers)"),
]
FILE_FORMATS = {
    "gpkg": (".gpkg", GPKG_MEDIA_TYPE),
    "fgb": (".fgb", FLATGEOBUF_MEDIA_TYPE),
    "parquet": (".parquet", PARQUET_MEDIA_TYPE),
}
"""Formats written to a file before they are sent: (suffix, media type)."""
Bbox = Annotated[str | None, Query(description="minx,miny,maxx,maxy")]
BboxCrs = Annotated[str | None, Query(alias="bbox-crs", description="CRS of bbox")]
Datetime = Annotated[str | None, Query(description="Date or start/end, on layers with a date")]


def _pages(
    store: Store, schema: LayerSchema, fields: Sequence[str], box: Any, where: dict[str, Any]
) -> Iterator[pd.DataFrame]:
    """Pages of the selection; the next page is read while the caller uses this one."""

    def read(offset: int) -> pd.DataFrame:
        return store.read(
            schema.name, bbox=box, where=where or None, columns=fields, limit=PAGE, offset=offset
        )

    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(read, 0)
        offset = 0
        while True:
            page = pending.result()
            if page.empty:
                return
            offset += len(page)
            pending = pool.submit(read, offset)
            yield page


def _opened(pages: Iterator[_Page]) -> Iterator[_Page]:
    """``pages`` with the first one already read.

    Called before the response starts, so that a request the store refuses, or
    a store that cannot be read, raises here and gets its error status.
    """
    for first in pages:
        return itertools.chain([first], pages)
    return iter(())


def _geojson_stream(synthetic: bool, pages: Iterator[FeaturePage]) -> Iterator[bytes]:
    yield (
        b'{"type":"FeatureCollection","synthetic":'
        + (b"true" if synthetic else b"false")
        + b',"features":['
    )
    separator = b""
    for page in pages:
        yield separator + page_fragments(page)
        separator = b","
    yield b"]}"


def _feature_pages(
    store: Store, schema: LayerSchema, fields: Sequence[str], box: Any, where: dict[str, Any]
) -> Iterator[FeaturePage]:
    """The selection as the store's pages of features, the next read while this one is used."""

    def read(offset: int) -> FeaturePage:
        return store.features(
            schema.name,
            bbox=box,
            where=where or None,
            columns=fields,
            limit=FEATURE_PAGE,
            offset=offset,
        )

    with ThreadPoolExecutor(max_workers=READ_AHEAD) as pool:
        offsets = itertools.count(0, FEATURE_PAGE)
        pending = deque(pool.submit(read, next(offsets)) for _ in range(READ_AHEAD))
        while pending:
            page = pending.popleft().result()
            if len(page) < FEATURE_PAGE:  # the last page: later reads are empty
                for future in pending:
                    future.cancel()
                pending.clear()
            else:
                pending.append(pool.submit(read, next(offsets)))
            if len(page):
                yield page


def _csv_table(page: pd.DataFrame, geometry: str) -> pd.DataFrame:
    if not isinstance(page, gpd.GeoDataFrame):
        return escape_formulas(page)
    table = pd.DataFrame(page.drop(columns="geometry"))
    if geometry == "lonlat":
        table["longitude"] = page.geometry.x
        table["latitude"] = page.geometry.y
    else:
        table["wkt"] = shapely.to_wkt(page.geometry.to_numpy(), rounding_precision=7)
    return escape_formulas(table)


def _csv_stream(
    pages: Iterator[pd.DataFrame], fields: Sequence[str], geometry: str
) -> Iterator[bytes]:
    header = True
    for page in pages:
        yield (
            _csv_table(page, geometry)
            .to_csv(index=False, header=header, lineterminator="\n")
            .encode()
        )
        header = False
    if header:  # nothing matched: still a header
        yield (",".join(fields) + "\n").encode()


def _write_gpkg(
    store: Store,
    schema: LayerSchema,
    fields: Sequence[str],
    pages: Iterator[pd.DataFrame],
    path: Path,
) -> int:
    rows = 0
    for page in pages:
        pyogrio.write_dataframe(
            page,
            path,
            layer=schema.name,
            driver="GPKG",
            append=rows > 0,
            dataset_options={"VERSION": "1.3"},
        )
        rows += len(page)
    if rows == 0:
        empty = store.read(schema.name, columns=list(fields), limit=1).iloc[0:0]
        pyogrio.write_dataframe(
            empty, path, layer=schema.name, driver="GPKG", dataset_options={"VERSION": "1.3"}
        )
    return rows


def _temp_path(suffix: str) -> Path:
    """A fresh file name in a private temporary directory (removed by :func:`_discard`)."""
    return Path(tempfile.mkdtemp(prefix=f"site-gis-export-{os.getpid()}-")) / f"export{suffix}"


def _discard(path: Path) -> None:
    shutil.rmtree(path.parent, ignore_errors=True)


@router.get(
    "/{layer}",
    summary="A layer or filtered selection as GeoJSON, GeoPackage, CSV, FlatGeobuf or GeoParquet",
    response_class=Response,
    responses={
        200: {
            "content": {
                GEOJSON_MEDIA_TYPE: {},
                GPKG_MEDIA_TYPE: {},
                "text/csv": {},
                FLATGEOBUF_MEDIA_TYPE: {},
                PARQUET_MEDIA_TYPE: {},
            }
        }
    },
)
def export_layer(
    request: Request,
    store: StoreDep,
    caller: Exporter,
    layer: LayerId,
    format: ExportFormat = "geojson",
    geometry: CsvGeometry = "wkt",
    bbox: Bbox = None,
    bbox_crs: BboxCrs = None,
    datetime: Datetime = None,
) -> Response:
    """The same filters as ``/collections/{layer}/items`` (bbox, datetime, properties)."""
    schema = _schema(layer)
    box, where = selection(request, store, schema, bbox, bbox_crs, datetime)
    if format == "csv" and geometry == "lonlat" and schema.geometry_types not in (("Point",), ()):
        raise InvalidRequestError("lon/lat columns are for point layers; use geometry=wkt")
    if format == "fgb" and schema.is_table:
        raise InvalidRequestError(
            f"format: FlatGeobuf holds features with geometry and {schema.name} is a table; "
            "use csv, parquet or gpkg"
        )
    name = schema.name
    fields = caller.fields(schema)
    note = (
        f"{format} of {name}"
        + (f"?{request.url.query}" if request.url.query else "")
        + ("; with personal fields" if set(fields) - set(schema.public_field_names) else "")
    )
    if format in ("geojson", "csv"):
        if format == "geojson":
            features = _opened(_feature_pages(store, schema, fields, box, where))
            body = _geojson_stream(store.site().synthetic, features)
            media_type, filename = GEOJSON_MEDIA_TYPE, f"{name}.geojson"
        else:
            body = _csv_stream(_opened(_pages(store, schema, fields, box, where)), fields, geometry)
            media_type, filename = CSV_MEDIA_TYPE, f"{name}.csv"
        _record_start(store, caller.actor, [name], note)
        return StreamingResponse(
            _audited(body, store, caller.actor, [name], note),
            media_type=media_type,
            headers=_download(filename),
        )
    pages = _opened(_pages(store, schema, fields, box, where))
    _record_start(store, caller.actor, [name], note)
    suffix, media_type = FILE_FORMATS[format]
    path = _temp_path(suffix)
    try:
        if format == "fgb":
            rows = write_flatgeobuf(schema, fields, pages, path)
        elif format == "parquet":
            rows = write_geoparquet(schema, fields, pages, path)
        else:
            rows = _write_gpkg(store, schema, fields, pages, path)
        _record_end(store, caller.actor, [name], note, rows=rows, content_hash=_file_sha256(path))
    except BaseException as exc:
        _discard(path)
        _record_failed(store, caller.actor, [name], note, 0, hashlib.sha256(), exc)
        raise
    return FileResponse(
        path,
        media_type=media_type,
        filename=f"{name}{suffix}",
        background=BackgroundTask(_discard, path),
    )


@router.get(
    "",
    summary="A zip of chosen layers with a provenance manifest",
    response_class=FileResponse,
    responses={200: {"content": {"application/zip": {}}}},
)
def bundle(
    request: Request,
    store: StoreDep,
    caller: Exporter,
    layers: Annotated[
        str,
        Query(
            description="Comma-separated layer names",
            examples=["eia_zones,sample_locations,results"],
        ),
    ],
    format: Annotated[Literal["geojson", "gpkg"], Query()] = "geojson",
) -> FileResponse:
    """Each layer in full plus ``manifest.json``: per-file SHA-256, data version, standards,
    CRS, code version, generation time and whether the data are SYNTHETIC."""
    names = [n.strip() for n in layers.split(",") if n.strip()]
    for name in names:
        _schema(name)
    if not names or len(set(names)) != len(names):
        raise InvalidRequestError("give each layer once, e.g. layers=eia_zones,results")
    note = f"bundle ({format}) of {', '.join(names)}" + (
        "; with personal fields" if caller.may(Permission.PERSONAL) else ""
    )
    _record_start(store, caller.actor, names, note)
    path = _temp_path(".zip")
    try:
        files = _write_bundle(store, caller, names, format, path)
        rows = sum(f["features"] for f in files.values())
        _record_end(store, caller.actor, names, note, rows=rows, content_hash=_file_sha256(path))
    except BaseException as exc:
        _discard(path)
        _record_failed(store, caller.actor, names, note, 0, hashlib.sha256(), exc)
        raise
    return FileResponse(
        path,
        media_type="application/zip",
        filename="site-gis-bundle.zip",
        background=BackgroundTask(_discard, path),
    )


def _write_bundle(
    store: Store, caller: Principal, names: list[str], format: str, path: Path
) -> dict[str, Any]:
    """Write the zip of ``names`` with its manifest to ``path``; returns the manifest's files."""
    files: dict[str, Any] = {}
    tmp = path.parent
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in names:
            schema = CATALOGUE[name]
            fields = caller.fields(schema)
            if format == "gpkg":
                target = tmp / f"{name}.gpkg"
                pages = _pages(store, schema, fields, None, {})
                count = _write_gpkg(store, schema, fields, pages, target)
            else:
                target = tmp / f"{name}.geojson"
                features = _feature_pages(store, schema, fields, None, {})
                with target.open("wb") as handle:
                    for chunk in _geojson_stream(store.site().synthetic, features):
                        handle.write(chunk)
                count = store.count(name)
            digest = _file_sha256(target)
            archive.write(target, arcname=target.name)
            files[target.name] = {
                "layer": name,
                "features": count,
                "sha256": digest,
                "fields": list(fields),
            }
        levels = store.read("screening_levels", columns=["standard", "version"])
        manifest = {
            "generated_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
            "code_version": __version__,
            "site": store.site().name,
            "synthetic": store.site().synthetic,
            "provenance": store.site().provenance,
            "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
            "data_version": hashlib.sha256(
                "".join(f["sha256"] for f in files.values()).encode()
            ).hexdigest(),
            "standards": {
                str(s): sorted(g["version"].unique()) for s, g in levels.groupby("standard")
            },
            "filters": None,
            "personal_fields_removed": not caller.may(Permission.PERSONAL),
            "files": files,
        }
        archive.writestr("manifest.json", json.dumps(manifest, indent=2))
    return files


def _record_start(store: Store, actor: str, layers: Sequence[str], note: str) -> None:
    """The ``export-start`` entry, written before the status line (a failure is a 503)."""
    store.record(actor=actor, action="export-start", layers=layers, note=note)


def _record_end(
    store: Store, actor: str, layers: Sequence[str], note: str, *, rows: int, content_hash: str
) -> None:
    """The ``export`` entry of an export whose every byte was handed over."""
    store.record(
        actor=actor,
        action="export",
        layers=layers,
        rows=rows,
        content_hash=content_hash,
        note=note,
    )


def _record_failed(
    store: Store,
    actor: str,
    layers: Sequence[str],
    note: str,
    sent: int,
    digest: Any,
    reason: BaseException,
) -> None:
    """The ``export-failed`` entry: how many bytes were sent before ``reason``, and their hash.

    Written on a best-effort basis: the failure may be the store's own, and the
    caller re-raises the original error either way.
    """
    why = "the client stopped reading" if isinstance(reason, GeneratorExit) else repr(reason)
    try:
        store.record(
            actor=actor,
            action="export-failed",
            layers=layers,
            content_hash=digest.hexdigest(),
            note=f"{note}; failed after {sent:,} bytes sent: {why}"[:2000],
        )
    except Exception:  # the original failure is what the caller raises
        log.exception("cannot record the failed export %s", note)


def _audited(
    stream: Iterator[bytes], store: Store, actor: str, layers: Sequence[str], note: str
) -> Iterator[bytes]:
    """``stream``, recorded in the audit log once it ends.

    The ``export-start`` entry is the caller's, written before the response
    starts.  At the end comes ``export`` (the bytes handed to the server for
    sending, their number and SHA-256; a client may still lose the last ones)
    or, if the stream raised or was closed before its end, ``export-failed``
    with the bytes sent so far and their SHA-256.
    """
    digest, sent = hashlib.sha256(), 0
    try:
        for chunk in stream:
            digest.update(chunk)
            sent += len(chunk)
            yield chunk
    except BaseException as exc:
        _record_failed(store, actor, layers, note, sent, digest, exc)
        raise
    _record_end(
        store, actor, layers, f"{note}; {sent:,} bytes", rows=0, content_hash=digest.hexdigest()
    )


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _download(filename: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{filename}"'}
