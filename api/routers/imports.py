"""Imports, all or nothing: a lab's CSV (``/imports/results``) and layers (``/imports/layers``).

The key and its role are checked before any of the body is read: the
routes declare no body parameter (FastAPI would parse the multipart body
before running any dependency) and read the upload themselves after the
check.  Uploads are read in chunks and refused (413) as soon as they pass the
server's ``max_upload_bytes``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from api.access import Importer, import_access
from api.deps import SettingsDep, StoreDep
from api.responses import FastJSONResponse
from api.tables import records
from site_gis.contamination import import_results
from site_gis.errors import InvalidRequestError, TooLargeError
from site_gis.io import Limits, import_layer

router = APIRouter(prefix="/imports", tags=["imports"], dependencies=[Depends(import_access)])

_CHUNK = 1 << 20


def _upload_body(description: str) -> dict[str, object]:
    """The OpenAPI request body of an upload: one multipart part named ``file``."""
    schema = {
        "type": "object",
        "required": ["file"],
        "properties": {"file": {"type": "string", "format": "binary", "description": description}},
    }
    return {
        "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": schema}}}
    }


@router.post(
    "/results",
    summary="Import a lab's results (EDD-style CSV), all or nothing",
    status_code=201,
    responses={
        200: {"description": "Every row was already stored; nothing written"},
        413: {"description": "The upload is larger than the server accepts"},
        422: {"description": "Problems found: every one listed by CSV line and column"},
    },
    response_model=None,
    openapi_extra=_upload_body(
        "CSV: sample_id, location_id, longitude, latitude, medium, depth_top_m, "
        "depth_bottom_m, sampled_on, analyte or cas_number, value, unit, detection_limit, "
        "qualifier, lab, method"
    ),
)
async def post_results(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    caller: Importer,
    standard: Annotated[str, Query(description="Standard for the exceedance alert")] = "dutch_iv",
    land_use: Annotated[
        Literal["residential", "industrial"], Query(description="Land use for the exceedance alert")
    ] = "industrial",
) -> FastJSONResponse:
    """Validate every row; write nothing unless all are good; report the new exceedances."""
    data, filename = await _read_upload(request, settings.max_upload_bytes)
    report = await run_in_threadpool(
        import_results,
        store,
        data,
        actor=caller.actor,
        max_rows=settings.max_import_rows,
        source=filename or "upload.csv",
        standard=standard,
        land_use=land_use,
    )
    body = {
        "source": report.source,
        "sha256": report.source_hash,
        "rows": report.rows,
        "new_results": report.new_results,
        "already_stored": report.already_stored,
        "new_locations": report.new_locations,
        "standard": report.standard,
        "land_use": report.land_use,
        "audit_id": report.audit.audit_id if report.audit else None,
        "notes": report.notes,
        "exceedances": records(report.exceedances),
    }
    return FastJSONResponse(body, status_code=201 if report.new_results else 200)


@router.post(
    "/layers/{layer}",
    summary="Import features into a layer (GeoJSON, GeoPackage, or a zip of one), all or nothing",
    status_code=201,
    responses={
        413: {"description": "The upload is larger than the server accepts"},
        422: {"description": "Problems found: every one listed by feature and field"},
    },
    openapi_extra=_upload_body("GeoJSON FeatureCollection (lon/lat), GeoPackage, or zip"),
)
async def post_layer(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    caller: Importer,
    layer: Annotated[str, Path(description="Layer to add to or replace, e.g. receptors")],
    mode: Annotated[
        Literal["append", "replace"],
        Query(description="Add the features, or replace the layer's whole content"),
    ] = "append",
) -> FastJSONResponse:
    """The file's format is read from its bytes, never its name; rows are validated against
    the layer's schema, the site's extent and the store's references before anything is written."""
    data, filename = await _read_upload(request, settings.max_upload_bytes)
    entry = await run_in_threadpool(
        import_layer,
        store,
        data,
        layer=layer,
        mode=mode,
        actor=caller.actor,
        source=filename or "upload",
        limits=Limits(max_bytes=settings.max_upload_bytes, max_features=settings.max_import_rows),
    )
    return FastJSONResponse(
        {
            "layer": layer,
            "mode": mode,
            "features": entry.rows,
            "audit_id": entry.audit_id,
            "sha256": entry.source_hash,
            "content_hash": entry.content_hash,
        },
        status_code=201,
    )


async def _read_upload(request: Request, limit: int) -> tuple[bytes, str | None]:
    """The bytes and name of the request's ``file`` part, read once the caller is admitted.

    :class:`TooLargeError` (413) once past ``limit``; :class:`InvalidRequestError`
    (400) for a body without a ``file`` part.
    """
    # a malformed multipart body is Starlette's 400; a body of another type is an empty form
    form = await request.form(max_files=1, max_fields=20)
    try:
        file = form.get("file")
        if not isinstance(file, UploadFile):
            raise InvalidRequestError("the upload goes in a multipart part named 'file'")
        data = bytearray()
        while chunk := await file.read(_CHUNK):
            data.extend(chunk)
            if len(data) > limit:
                raise TooLargeError(f"upload larger than {limit:,} bytes")
        return bytes(data), file.filename
    finally:
        await form.close()
