"""Query parameters a route does not declare are a 400 naming them (OGC API - Features Part 1).

The Open Geospatial Consortium's OGC API - Features - Part 1: Core (requirement
``/req/core/query-param-unknown``) asks for a 400 when the request URI holds a
query parameter that the API definition does not specify.  The API definition
is the OpenAPI description, which FastAPI builds from each route's declared
parameters, so the same declarations decide here: :func:`declared_parameters`
reads them from the matched route (its own and its dependencies'), and
:data:`KnownParameters` refuses anything else.  ``/collections/{layer}/items``
also takes a filter per queryable field; :func:`api.ogc.property_filters` checks
those names against the layer.  Its declared parameters include those of OGC API -
Features Part 3 and of sorting and field selection (:data:`ITEMS_PARAMETERS`), so none
of them is taken for a property filter.

A client that takes this server for a Web Feature Service (WFS) -- QGIS's WFS
provider asks ``?SERVICE=WFS&REQUEST=GetCapabilities`` -- gets a 400 saying
what it is and how to add it (:data:`NOT_A_WFS`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from pydantic import BaseModel

from site_gis.errors import InvalidRequestError

NOT_A_WFS = (
    "this is an OGC API - Features service, not a WFS (no SERVICE or REQUEST parameters, "
    "no GetCapabilities). In QGIS: Layer > Add Layer > Add WFS / OGC API - Features Layer, "
    "New connection, URL {base}, Version 'OGC API - Features'; in GDAL: ogrinfo OAPIF:{base}"
)
"""The 400 of a WFS request (``{base}`` is this server's root URL)."""

ITEMS_PARAMETERS = (
    "f",
    "limit",
    "offset",
    "bbox",
    "bbox-crs",
    "crs",
    "datetime",
    "filter",
    "filter-lang",
    "filter-crs",
    "sortby",
    "properties",
    "skipGeometry",
)
"""The standard's parameters of ``/collections/{layer}/items`` (the route declares each)."""

_DECLARED: dict[int, frozenset[str]] = {}
"""The declared query parameters of each route, by ``id`` of its dependant."""


def declared_parameters(request: Request) -> frozenset[str]:
    """Names of the query parameters the matched route declares (empty outside a route)."""
    dependant: Dependant | None = getattr(request.scope.get("route"), "dependant", None)
    if dependant is None:
        return frozenset()
    found = _DECLARED.get(id(dependant))
    if found is None:
        found = frozenset(_query_names(dependant))
        _DECLARED[id(dependant)] = found
    return found


def _query_names(dependant: Dependant) -> Iterator[str]:
    for field in dependant.query_params:
        model: Any = field.field_info.annotation
        if isinstance(model, type) and issubclass(model, BaseModel):  # a query-parameter model
            yield from (f.alias or name for name, f in model.model_fields.items())
        else:
            yield field.alias
    for sub in dependant.dependencies:
        yield from _query_names(sub)


def refuse_wfs(request: Request) -> None:
    """A 400 explaining what this server is, for a WFS ``SERVICE``/``REQUEST`` query."""
    names = {name.lower() for name in request.query_params}
    if names & {"service", "request"}:
        raise InvalidRequestError(NOT_A_WFS.format(base=str(request.base_url).rstrip("/")))


def refuse_unknown_parameters(request: Request) -> None:
    """A 400 naming the query parameters the route does not declare."""
    refuse_wfs(request)
    declared = declared_parameters(request)
    unknown = [name for name in dict.fromkeys(request.query_params) if name not in declared]
    if unknown:
        shown = ", ".join(repr(name[:40]) for name in unknown[:5])
        allowed = ", ".join(sorted(declared)) or "none"
        raise InvalidRequestError(
            f"unknown query parameter(s) {shown}; this operation takes: {allowed}"
        )


KnownParameters = Depends(refuse_unknown_parameters)
"""The dependency to put in a route's ``dependencies``."""
