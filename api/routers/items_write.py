"""OGC API - Features Part 4: create, replace, update and delete features (officers).

``POST /collections/{layer}/items`` adds a GeoJSON Feature (201, ``Location``
and ``ETag``); ``PUT .../items/{id}`` replaces one, ``PATCH`` updates one with an
RFC 7396 merge patch (``application/merge-patch+json``), ``DELETE`` removes one
(204).  Every edit goes through :func:`site_gis.io.feature_edit.edit_feature`:
the layer import's reader and checks, the store's validation and integrity
checks (a feature others refer to cannot be deleted), and an audit entry
naming the feature.

Optimistic locking: ``GET .../items/{id}`` sends the feature's ``ETag``; a
``PUT``, ``PATCH`` or ``DELETE`` must send it back in ``If-Match`` (428 without
one; ``*`` takes any version) and is a 412 if the feature has changed since.
Editing a layer with household fields needs the planner role as well.  Bodies
are refused past the server's ``max_upload_bytes`` (413).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from api.access import Importer, Principal
from api.deps import SettingsDep, StoreDep
from api.errors import problem_response
from api.known_params import KnownParameters
from api.responses import FastJSONResponse
from api.settings import Settings
from site_gis.access import Permission
from site_gis.errors import (
    ForbiddenError,
    InvalidRequestError,
    LayerNotFoundError,
    PreconditionRequiredError,
    TooLargeError,
)
from site_gis.io import Edit, FeatureEdit, Limits, edit_feature
from site_gis.schemas import CATALOGUE, LayerSchema
from site_gis.store import Store

router = APIRouter(prefix="/collections", tags=["collections"], dependencies=[KnownParameters])

LayerId = Annotated[str, Path(description="Layer name, e.g. `receptors`")]
FeatureId = Annotated[str, Path(description="The feature's identifier")]
FEATURE_TYPES = ("application/geo+json", "application/json")
PATCH_TYPES = ("application/merge-patch+json", *FEATURE_TYPES)
_CHUNK = 1 << 16
_WRITE_ERRORS: dict[int | str, dict[str, str]] = {
    404: {"description": "Unknown layer or feature"},
    412: {"description": "The feature changed since the ETag in If-Match was read"},
    413: {"description": "The body is larger than the server accepts"},
    415: {"description": "The body is not GeoJSON (or a merge patch, for PATCH)"},
    422: {"description": "The feature fails the layer's schema, the site or the references"},
    428: {"description": "If-Match is missing"},
}


def _body(description: str, types: tuple[str, ...]) -> dict[str, object]:
    schema = {"type": "object", "description": description}
    return {"requestBody": {"required": True, "content": {t: {"schema": schema} for t in types}}}


@router.post(
    "/{layer}/items",
    summary="Add a feature (GeoJSON Feature, lon/lat); officers",
    status_code=201,
    responses={201: {"description": "Created; Location names the new feature"}, **_WRITE_ERRORS},
    response_model=None,
    openapi_extra=_body(
        "A GeoJSON Feature whose properties hold every required field", FEATURE_TYPES
    ),
)
async def create_item(
    request: Request, store: StoreDep, settings: SettingsDep, caller: Importer, layer: LayerId
) -> Response:
    """Validate the feature as a layer import would, then append it (audited)."""
    body = await _admitted_body(request, caller, layer, FEATURE_TYPES, settings.max_upload_bytes)
    if isinstance(body, Response):
        return body
    done = await _edit(store, settings.max_upload_bytes, layer, "create", caller, None, body, ())
    href = f"{str(request.base_url).rstrip('/')}/collections/{layer}/items/{done.feature_id}"
    return _answer(done, 201, {"Location": href})


async def _edit_existing(
    request: Request,
    store: Store,
    settings: Settings,
    caller: Principal,
    layer: str,
    feature_id: str,
    edit: Edit,
    types: tuple[str, ...],
) -> Response:
    """Replace or update a feature from the request's body, at the version it names."""
    expected = _if_match(request)
    body = await _admitted_body(request, caller, layer, types, settings.max_upload_bytes)
    if isinstance(body, Response):
        return body
    done = await _edit(
        store, settings.max_upload_bytes, layer, edit, caller, feature_id, body, expected
    )
    return _answer(done, 200)


@router.put(
    "/{layer}/items/{feature_id}",
    summary="Replace a feature (If-Match its ETag); officers",
    responses={200: {"description": "Replaced; ETag is the new version"}, **_WRITE_ERRORS},
    response_model=None,
    openapi_extra=_body("The whole new GeoJSON Feature", FEATURE_TYPES),
)
async def replace_item(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    caller: Importer,
    layer: LayerId,
    feature_id: FeatureId,
) -> Response:
    """Replace every field and the geometry of a feature."""
    return await _edit_existing(
        request, store, settings, caller, layer, feature_id, "replace", FEATURE_TYPES
    )


@router.patch(
    "/{layer}/items/{feature_id}",
    summary="Update some fields or the geometry of a feature (merge patch); officers",
    responses={200: {"description": "Updated; ETag is the new version"}, **_WRITE_ERRORS},
    response_model=None,
    openapi_extra=_body(
        'An RFC 7396 merge patch of a Feature: {"type": "Feature", "properties": {...}}; '
        "null empties a field",
        PATCH_TYPES,
    ),
)
async def update_item(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    caller: Importer,
    layer: LayerId,
    feature_id: FeatureId,
) -> Response:
    """Change the fields a patch names (and the geometry, if it has one)."""
    return await _edit_existing(
        request, store, settings, caller, layer, feature_id, "update", PATCH_TYPES
    )


@router.delete(
    "/{layer}/items/{feature_id}",
    summary="Delete a feature (If-Match its ETag); officers",
    status_code=204,
    responses={204: {"description": "Deleted"}, **_WRITE_ERRORS},
    response_model=None,
)
async def delete_item(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    caller: Importer,
    layer: LayerId,
    feature_id: FeatureId,
) -> Response:
    """Remove a feature no other feature refers to."""
    expected = _if_match(request)
    _check_layer(caller, layer)
    await _edit(
        store, settings.max_upload_bytes, layer, "delete", caller, feature_id, None, expected
    )
    return Response(status_code=204)


def etag(version: str) -> str:
    """A feature version as a strong entity tag."""
    return f'"{version}"'


def _if_match(request: Request) -> tuple[str, ...]:
    """The strong entity tags of ``If-Match`` (``("*",)`` for any); 428 without the header."""
    header = request.headers.get("if-match")
    if header is None or not header.strip():
        raise PreconditionRequiredError(
            "send the feature's ETag (from GET .../items/{id}) in If-Match, or * for any version"
        )
    if header.strip() == "*":
        return ("*",)
    tags = [t.strip() for t in header.split(",")]
    strong = [t[1:-1] for t in tags if len(t) >= 2 and t.startswith('"') and t.endswith('"')]
    if not strong:
        raise InvalidRequestError('If-Match must hold strong entity tags ("...") or *')
    return tuple(strong)


def _check_layer(caller: Principal, layer: str) -> LayerSchema:
    schema = CATALOGUE.get(layer)
    if schema is None:
        raise LayerNotFoundError(layer, CATALOGUE)
    if any(f.personal for f in schema.fields) and not caller.may(Permission.PERSONAL):
        raise ForbiddenError(f"editing {layer} (household fields) needs the planner role as well")
    return schema


async def _admitted_body(
    request: Request, caller: Principal, layer: str, types: tuple[str, ...], limit: int
) -> bytes | Response:
    """The body, read once the caller and layer are admitted; 415 for another media type."""
    _check_layer(caller, layer)
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in types:
        detail = f"the body must be {' or '.join(types)}, not {media[:60] or 'untyped'}"
        return problem_response(415, detail, "UnsupportedMediaType")
    data = bytearray()
    async for chunk in request.stream():
        data.extend(chunk)
        if len(data) > limit:
            raise TooLargeError(f"body larger than {limit:,} bytes")
    return bytes(data)


async def _edit(
    store: StoreDep,
    limit: int,
    layer: str,
    edit: Edit,
    caller: Principal,
    feature_id: str | None,
    body: bytes | None,
    expected: tuple[str, ...],
) -> FeatureEdit:
    return await run_in_threadpool(
        lambda: edit_feature(
            store,
            layer,
            edit,
            actor=caller.actor,
            feature_id=feature_id,
            body=body,
            expected=expected,
            limits=Limits(max_bytes=limit),
        )
    )


def _answer(done: FeatureEdit, status: int, headers: dict[str, str] | None = None) -> Response:
    extra = {"ETag": etag(done.version)} if done.version else {}
    body = {"id": done.feature_id, "audit_id": done.audit.audit_id}
    return FastJSONResponse(body, status_code=status, headers={**extra, **(headers or {})})
