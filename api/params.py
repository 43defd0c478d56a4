"""Text in the URL: no control character in any query parameter or path segment.

Checked once, for every route (and for ``/static`` and unknown paths), before
routing: a query parameter or path id holding a Unicode control character
(U+0000-U+001F -- tab and line breaks too -- or U+007F-U+009F) or a lone
surrogate gets a 400 naming the parameter.  No parameter of this API is free
text, and nothing stored holds such a character (see
:mod:`site_gis.validation`), so this refuses only what could never match;
without it a NUL reached GDAL's SQL, which it cuts short, and the store answered
503 with a false "cannot read the layer" in the log.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

from site_gis.validation import control_character

_MAY_HOLD_CONTROL = re.compile(rb"[\x00-\x1f\x7f-\xff]|%(?:[01][0-9a-f]|7f|c2%[89][0-9a-f])", re.I)
"""What a query string needs to decode to a control character: a raw control or non-ASCII
byte (decoded as Latin-1), or the escape of a C0 control, DEL or a UTF-8 C1 control
(a lone surrogate cannot come out: invalid UTF-8 is decoded as U+FFFD).  Checked
first, so a request holding none is passed in about two microseconds."""


class RefuseControlCharacters:
    """ASGI middleware answering 400 for a control character in the query or the path."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            found = _in_query(scope) or _in_path(scope)
            if found is not None:
                await _refuse(send, *found)
                return
        await self.app(scope, receive, send)


def _in_query(scope: Scope) -> tuple[str, str, str, str] | None:
    """``(where, name, value, character)`` of the first bad query parameter, if any."""
    raw: bytes = scope.get("query_string", b"")
    if not _MAY_HOLD_CONTROL.search(raw):
        return None
    # decoded exactly as Starlette decodes request.query_params
    for name, value in parse_qsl(raw.decode("latin-1"), keep_blank_values=True):
        for text in (name, value):
            character = control_character(text)
            if character is not None:
                return "query", name, value, character
    return None


def _in_path(scope: Scope) -> tuple[str, str, str, str] | None:
    """``(where, name, value, character)`` for a bad path, naming the route's parameter."""
    path: str = scope.get("path", "")
    character = control_character(path)
    if character is None:
        return None
    openapi = getattr(scope.get("app"), "openapi", None)
    for template in openapi().get("paths", {}) if openapi is not None else ():
        pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
        found = re.fullmatch(pattern, path)
        if found is None:
            continue
        for name, value in found.groupdict().items():
            bad = control_character(value)
            if bad is not None:
                return "path", name, value, bad
    return "path", "path", path, character  # a static file, or no such route


async def _refuse(send: Send, where: str, name: str, value: str, character: str) -> None:
    shown = name if name.isprintable() else repr(name)
    message = (
        f"contains the control character {character}; parameters hold no control characters "
        "(U+0000-U+001F, U+007F-U+009F) or lone surrogates"
    )
    body = orjson.dumps(
        {
            "code": "InvalidParameterValue",
            "type": "InvalidParameterValue",
            "description": f"{where} parameter {shown}: {message}",
            "detail": [{"loc": [where, shown], "msg": message, "input": repr(value)[:80]}],
        }
    )
    await send(
        {
            "type": "http.response.start",
            "status": 400,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
