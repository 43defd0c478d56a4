"""Map pages built with Folium, served by the app with no internet needed.

One module per page (:mod:`~api.maps.site`, :mod:`~api.maps.contamination`,
:mod:`~api.maps.encroachments`), each a ``build_*_map(store, ...) -> folium.Map``
that tests can render and inspect; shared layers, legends and page elements in
:mod:`~api.maps.layers`, :mod:`~api.maps.legend` and :mod:`~api.maps.elements`;
the vendored browser libraries in :mod:`~api.maps.assets`.  The analyses come
from ``site_gis``; nothing here computes more than colours and labels.
"""

from __future__ import annotations


class MapRequestError(Exception):
    """A map cannot be drawn for the parameters given: unknown analyte or standard
    (404), a selection with no data (404), a malformed parameter (422).

    The message is shown to the user as it is, with ``suggestions`` (text, link) to
    selections that do give a map.
    """

    def __init__(
        self, status: int, message: str, *, suggestions: list[tuple[str, str]] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.suggestions = suggestions or []
