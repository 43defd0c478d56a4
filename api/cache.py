"""A small cache of serialised responses, keyed by the store's version.

Every write replaces the store (a new version), so a cached page can never be
stale; the cache is bounded in bytes and evicts the least recently used entry.
"""

from __future__ import annotations

import threading
from collections import OrderedDict


class ResponseCache:
    """Bytes by key, at most ``max_bytes`` in all (0 disables the cache)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[tuple[object, ...], bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: tuple[object, ...]) -> bytes | None:
        """The cached body for ``key``, if any."""
        with self._lock:
            body = self._items.get(key)
            if body is not None:
                self._items.move_to_end(key)
            return body

    def put(self, key: tuple[object, ...], body: bytes) -> None:
        """Remember ``body`` (unless it alone exceeds a quarter of the budget)."""
        if not self.max_bytes or len(body) > self.max_bytes // 4:
            return
        with self._lock:
            if key in self._items:
                return
            self._items[key] = body
            self._size += len(body)
            while self._size > self.max_bytes:
                _, old = self._items.popitem(last=False)
                self._size -= len(old)
