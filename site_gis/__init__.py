"""site-gis: layers and analyses of a contaminated industrial site.

The library takes and returns GeoDataFrames and small typed objects; it knows
nothing of HTTP, maps or environment variables (those live in ``api/``).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("site-gis")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
