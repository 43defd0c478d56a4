"""Settings of the app and the command line, read from ``SITE_GIS_*`` environment variables.

Build a :class:`Settings` and pass it to :func:`api.app.create_app`; nothing
else in the project reads the environment.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from api.cors import parse_origins
from site_gis.surfaces import SurfaceBudget

REPO_LAYERS = Path(__file__).resolve().parents[1] / "layers"


def default_layers_dir() -> Path:
    """``./layers`` when the working directory holds a site, else the shipped PSM layers."""
    local = Path.cwd() / "layers"
    return local if (local / "site.json").exists() else REPO_LAYERS


class Settings(BaseSettings):
    """Where the data lives and how the server listens.

    Every field can be set by an environment variable named ``SITE_GIS_`` plus
    the field name in capitals, e.g. ``SITE_GIS_STORE=/data/psm.gpkg``.
    """

    model_config = SettingsConfigDict(env_prefix="SITE_GIS_", frozen=True)

    store: str = Field(
        "site-gis.gpkg",
        description="Store: a GeoPackage path (.gpkg) or postgresql://user@host:port/dbname",
    )
    layers_dir: Path = Field(
        default_factory=default_layers_dir, description="Layers directory the store is built from"
    )
    host: str = Field("127.0.0.1", description="Interface the server listens on")
    port: int = Field(8000, ge=1, le=65535, description="TCP port of the server")
    actor: str = Field("site-gis", description="Name recorded in the audit log for CLI writes")
    max_upload_bytes: int = Field(
        20 * 1024 * 1024, ge=1024, description="Largest upload accepted, in bytes"
    )
    response_cache_mb: int = Field(
        128, ge=0, le=8192, description="Memory for cached responses (0 disables the cache)"
    )
    open_read: bool = Field(
        True,
        description="Serve non-personal layers, analyses and maps without a key "
        "(writes, exports and personal data always need one)",
    )
    max_import_rows: int = Field(
        200_000, ge=1, description="Most rows one import may hold (larger: 413)"
    )
    max_grid_cells: int = Field(
        1_000_000,
        ge=100,
        le=25_000_000,
        description="Most cells (rows × columns) a requested surface may have",
    )
    max_idw_pairs: int = Field(
        25_000_000,
        ge=1_000,
        le=2_000_000_000,
        description="IDW: most inside cells × neighbours one surface may take",
    )
    max_kriging_samples: int = Field(
        3_000,
        ge=10,
        le=100_000,
        description="Kriging: most sampled locations one variogram is fitted to (its cost "
        "grows with their square)",
    )
    max_kriging_work: int = Field(
        250_000_000,
        ge=1_000,
        le=100_000_000_000,
        description="Kriging: most (inside cells + samples) × neighbours² one surface may take",
    )
    request_timeout_s: float = Field(
        120.0, gt=0, le=3600, description="Longest a request may run before the server gives up"
    )
    max_items: int = Field(
        10_000, ge=1, le=1_000_000, description="Largest page of features one request may ask for"
    )
    dask_scheduler: str | None = Field(
        None,
        description="Address of an existing Dask scheduler (tcp://host:8786) to run analyses "
        "on; by default a local cluster of worker processes starts on the first analysis",
    )
    dask_workers: int = Field(
        2, ge=1, le=64, description="Worker processes of the local analysis cluster"
    )
    worker_memory_gb: float = Field(
        2.0,
        ge=0.25,
        le=1024,
        description="Memory one analysis worker may use (GB); a job needing more fails",
    )
    job_time_limit_s: float = Field(
        900.0, gt=0, le=86_400, description="Longest an asynchronous analysis job may run"
    )
    map_wait_s: float = Field(
        1.0,
        ge=0,
        le=600,
        description="How long a map page waits for its surface; after that it is drawn "
        "without it, shows the job's progress and reloads when the surface is ready",
    )
    jobs_dir: Path | None = Field(
        None,
        description="Folder of job records and results (default: beside a GeoPackage store, "
        "./site-gis-jobs for PostGIS)",
    )

    max_tile_features: int = Field(
        5_000,
        ge=1,
        le=200_000,
        description="Most features one vector tile may hold; a fuller tile is refused (413) "
        "and the next tile matrix is the answer",
    )
    cors_origins: str = Field(
        "",
        description="Comma-separated origins (scheme://host[:port]) whose pages may read this "
        "API from a browser (CORS); empty (the default): none, the server stays closed to "
        "other origins; '*': any",
    )
    gzip_min_bytes: int = Field(
        1024,
        ge=0,
        le=100 * 1024 * 1024,
        description="Smallest JSON, GeoJSON, HTML, CSV or tile response sent gzip-compressed "
        "to a client that accepts it (bytes)",
    )

    @field_validator("cors_origins")
    @classmethod
    def _check_origins(cls, value: str) -> str:
        parse_origins(value)
        return value

    def cors_allow_list(self) -> list[str]:
        """The origins of ``cors_origins`` (empty: no cross-origin reads)."""
        return parse_origins(self.cors_origins)

    def surface_budget(self) -> SurfaceBudget:
        """The most one surface may cost, from these settings."""
        return SurfaceBudget(
            max_cells=self.max_grid_cells,
            max_idw_pairs=self.max_idw_pairs,
            max_kriging_samples=self.max_kriging_samples,
            max_kriging_work=self.max_kriging_work,
        )
