"""Roles, permissions and API keys.

A key is shown once, when it is made: ``sgk_<key id>_<secret>``.  The store
keeps only the key id, its roles and the SHA-256 of the whole key.  A key
carries 256 random bits, so a fast hash is enough (there is no password to
guess); comparisons are constant-time.

Roles grant permissions; a key may hold several roles:

========== ==========================================================
role       permissions
========== ==========================================================
public     read non-personal layers, analyses and maps
consultant read + export (GeoJSON, CSV, GeoPackage, bundles)
planner    read + household-level detail + resettlement scenarios
officer    read + import and edit results and layers + the audit log
========== ==========================================================

Everything not granted is denied: writes and personal data need a key.

Keys here are plain data: this module knows no store.  Making and revoking a
key in a store (audited) is :mod:`site_gis.store.keys`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum

from site_gis.errors import InvalidRequestError


class Role(StrEnum):
    """Who a key belongs to."""

    PUBLIC = "public"
    CONSULTANT = "consultant"
    PLANNER = "planner"
    OFFICER = "officer"


class Permission(StrEnum):
    """What a request may do."""

    READ = "read"
    EXPORT = "export"
    PERSONAL = "personal"
    RESETTLEMENT = "resettlement"
    IMPORT = "import"
    AUDIT = "audit"


GRANTS: dict[Role, frozenset[Permission]] = {
    Role.PUBLIC: frozenset({Permission.READ}),
    Role.CONSULTANT: frozenset({Permission.READ, Permission.EXPORT}),
    Role.PLANNER: frozenset({Permission.READ, Permission.PERSONAL, Permission.RESETTLEMENT}),
    Role.OFFICER: frozenset({Permission.READ, Permission.IMPORT, Permission.AUDIT}),
}

KEY_PREFIX = "sgk"
_KEY = re.compile(r"^sgk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A stored key: never the key itself, only its SHA-256.

    Times are UTC; ``revoked_at`` is ``None`` while the key is valid.
    """

    key_id: str
    name: str
    roles: tuple[Role, ...]
    key_hash: str
    created_at: datetime
    created_by: str
    revoked_at: datetime | None = None
    revoked_by: str = ""

    @property
    def active(self) -> bool:
        """Whether the key may still be used."""
        return self.revoked_at is None

    def grants(self) -> frozenset[Permission]:
        """Every permission of the key's roles."""
        return frozenset().union(*(GRANTS[role] for role in self.roles))

    def revoked(self, actor: str) -> ApiKey:
        """This key, revoked now by ``actor``."""
        return replace(self, revoked_at=_now(), revoked_by=actor)

    def as_row(self) -> dict[str, str]:
        """The key as a row of text columns, as stores keep it (times ISO 8601, UTC)."""
        return {
            "key_id": self.key_id,
            "name": self.name,
            "roles": ",".join(self.roles),
            "key_hash": self.key_hash,
            "created_at": self.created_at.isoformat(),
            "created_by": self.created_by,
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else "",
            "revoked_by": self.revoked_by,
        }

    @classmethod
    def from_row(cls, row: Mapping[str, object]) -> ApiKey:
        """The inverse of :meth:`as_row`."""
        revoked = str(row.get("revoked_at") or "")
        return cls(
            key_id=str(row["key_id"]),
            name=str(row["name"]),
            roles=parse_roles(str(row["roles"])),
            key_hash=str(row["key_hash"]),
            created_at=datetime.fromisoformat(str(row["created_at"])),
            created_by=str(row["created_by"]),
            revoked_at=datetime.fromisoformat(revoked) if revoked else None,
            revoked_by=str(row.get("revoked_by") or ""),
        )


def parse_roles(text: str | Iterable[str]) -> tuple[Role, ...]:
    """Roles from ``"planner,consultant"`` or a list; unknown names are an error."""
    names = [n.strip() for n in (text.split(",") if isinstance(text, str) else text)]
    names = [n for n in names if n]
    unknown = [n for n in names if n not in Role.__members__.values()]
    if unknown or not names:
        raise InvalidRequestError(
            f"unknown role(s) {', '.join(unknown) or '(none given)'}; choose from {', '.join(Role)}"
        )
    return tuple(dict.fromkeys(Role(n) for n in names))


def new_key(name: str, roles: Iterable[Role], *, actor: str) -> tuple[str, ApiKey]:
    """A fresh key: the secret text (shown once) and the record to store."""
    if not name.strip() or len(name) > 100:
        raise InvalidRequestError("a key needs a name of 1 to 100 characters (whose key it is)")
    key_id = secrets.token_hex(6)
    secret = f"{KEY_PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"
    record = ApiKey(
        key_id=key_id,
        name=name.strip(),
        roles=tuple(dict.fromkeys(roles)),
        key_hash=hash_key(secret),
        created_at=_now(),
        created_by=actor,
    )
    return secret, record


def hash_key(secret: str) -> str:
    """SHA-256 of a key, hex."""
    return hashlib.sha256(secret.encode()).hexdigest()


def key_id_of(secret: str) -> str | None:
    """The key id inside a well-formed key, or ``None`` for anything else."""
    match = _KEY.match(secret)
    return match.group(1) if match else None


def verify(secret: str, record: ApiKey) -> bool:
    """Whether ``secret`` is the key ``record`` was made for, and it is not revoked."""
    return record.active and hmac.compare_digest(hash_key(secret), record.key_hash)


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)
