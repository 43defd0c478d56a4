"""The one table from site_gis errors to HTTP statuses and safe client messages.

Clients get a JSON body ``{"detail": ..., "type": ...}``; validation errors
add ``problems`` (row, field, value, reason).  Store and unexpected errors are
logged in full on the server and reported to the client without internals.
"""

from __future__ import annotations

import logging
from html import escape

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.deps import checked_store, report_store_problem
from api.html import prefers_html, sign_in_page
from api.responses import FastJSONResponse
from site_gis.errors import (
    CRSError,
    EditConflictError,
    FeatureNotFoundError,
    ForbiddenError,
    InsufficientDataError,
    InvalidRequestError,
    JobDismissedError,
    JobMemoryError,
    JobNotFoundError,
    JobTimeoutError,
    LayerNotFoundError,
    NotAuthenticatedError,
    PreconditionFailedError,
    PreconditionRequiredError,
    RebuildRefusedError,
    RecordNotFoundError,
    SiteGISError,
    StoreError,
    TooLargeError,
    ValidationError,
)

log = logging.getLogger("site_gis.api")

STORE_UNAVAILABLE = "the data store is unavailable; the operator has been told why in the log"
RETRY_AFTER_S = 30

# (error class, status, client message or None to pass the error's own message)
ERROR_TABLE: list[tuple[type[SiteGISError], int, str | None]] = [
    (NotAuthenticatedError, 401, None),
    (ForbiddenError, 403, None),
    (TooLargeError, 413, None),
    (LayerNotFoundError, 404, None),
    (RecordNotFoundError, 404, None),
    (ValidationError, 422, None),
    (CRSError, 400, None),
    (InvalidRequestError, 400, None),
    (InsufficientDataError, 422, None),
    (JobMemoryError, 422, None),
    (JobNotFoundError, 404, None),
    (JobDismissedError, 409, None),
    (JobTimeoutError, 503, None),
    (RebuildRefusedError, 409, None),
    (FeatureNotFoundError, 404, None),
    (EditConflictError, 409, None),
    (PreconditionFailedError, 412, None),
    (PreconditionRequiredError, 428, None),
    (StoreError, 503, STORE_UNAVAILABLE),  # answered by store_unavailable, JSON or HTML
]


def problem_response(status: int, detail: str, kind: str, /, **extra: object) -> FastJSONResponse:
    """A JSON error body with the given status."""
    body = {"detail": detail, "type": kind, "code": kind, "description": detail, **extra}
    return FastJSONResponse(body, status_code=status)


def store_unavailable(request: Request, *, html: bool | None = None, **extra: object) -> Response:
    """The one 503 for a store that cannot be used: JSON, or HTML for a browser or a map page.

    Says nothing of why (the log does), and asks the client to retry later.
    ``html`` forces the format (default: from the request); ``extra`` joins the JSON body.
    """
    headers = {"Retry-After": str(RETRY_AFTER_S)}
    if _wants_html(request) if html is None else html:
        page = (
            "<!doctype html><html lang=en><head><meta charset=utf-8><title>Data store unavailable"
            '</title><link rel="icon" href="data:,"></head><body style="font-family:system-ui,'
            'sans-serif"><div style="max-width:640px;margin:40px auto">'
            f"<h1>Data store unavailable</h1><p>{escape(STORE_UNAVAILABLE)}.</p>"
            f"<p>Try again in {RETRY_AFTER_S} seconds.</p></div></body></html>"
        )
        return HTMLResponse(page, status_code=503, headers=headers)
    response = problem_response(503, STORE_UNAVAILABLE, StoreError.__name__, **extra)
    response.headers.update(headers)
    return response


def _wants_html(request: Request) -> bool:
    path = request.url.path
    chosen = request.query_params.get("f")
    if chosen is not None:
        return chosen == "html"
    return path == "/maps" or path.startswith("/maps/") or prefers_html(request)


async def _site_gis_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, StoreError):
        report_store_problem(request.app, str(exc))
        return store_unavailable(request)
    for cls, status, message in ERROR_TABLE:
        if isinstance(exc, cls):
            extra = {}
            if isinstance(exc, ValidationError):
                extra["problems"] = [p.as_dict() for p in exc.problems]
            response: Response
            if status in (401, 403) and _wants_html(request):  # a browser: say what is needed
                response = HTMLResponse(sign_in_page(status, message or str(exc)), status)
            else:
                response = problem_response(status, message or str(exc), cls.__name__, **extra)
            if status == 401:
                response.headers["WWW-Authenticate"] = 'ApiKey header="X-API-Key", Bearer'
            if status == 503:
                response.headers["Retry-After"] = "30"
            return response
    return await _unexpected(request, exc)


async def _unexpected(request: Request, exc: Exception) -> Response:
    """500, unless the store turns out not to answer now: a read it cut short is its 503."""
    problem = await run_in_threadpool(_store_problem, request)
    if problem is not None:
        log.debug("%s %s failed with the store", request.method, request.url.path, exc_info=exc)
        return await _site_gis_error(request, problem)
    log.exception("%s %s failed", request.method, request.url.path, exc_info=exc)
    return problem_response(500, "internal server error", "InternalError")


def _store_problem(request: Request) -> StoreError | None:
    try:
        checked_store(request.app)
    except StoreError as exc:
        return exc
    except Exception:  # the check itself failed: the original error is what to report
        return None
    return None


async def _invalid_parameters(request: Request, exc: Exception) -> FastJSONResponse:
    """Parameters that fail their declared bounds: 400 with an OGC-style body."""
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "input": str(e.get("input"))[:80]}
        for e in exc.errors()
    ]
    description = "; ".join(
        f"{'.'.join(str(p) for p in e['loc'][1:]) or 'request'}: {e['msg']}" for e in errors
    )
    return FastJSONResponse(
        {
            "code": "InvalidParameterValue",
            "type": "InvalidParameterValue",
            "description": description,
            "detail": errors,
        },
        status_code=400,
    )


async def _http_error(request: Request, exc: Exception) -> FastJSONResponse:
    """Errors raised by the framework itself (404 route, 405, 413 body too large)."""
    assert isinstance(exc, StarletteHTTPException)
    kind = {404: "NotFound", 405: "MethodNotAllowed", 413: "PayloadTooLarge"}.get(
        exc.status_code, "HTTPError"
    )
    response = problem_response(exc.status_code, str(exc.detail), kind)
    response.headers.update(exc.headers or {})
    return response


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid_parameters)
    app.add_exception_handler(SiteGISError, _site_gis_error)
    app.add_exception_handler(Exception, _unexpected)
