"""Input and output: layers directories, uploaded files, GeoJSON in and out.

Public verbs (what each takes and returns):

* ``read_layers_dir(path)`` -> the site and its validated layer frames (EPSG:4326);
  ``write_layers_dir(path, site, frames)`` writes them as GeoJSON and CSV;
  ``layers_digest(path)`` -> a SHA-256 of the directory's layer files
* ``build_store(url, layers_dir, actor=)`` -> a new store at ``url`` holding the directory's
  layers (all validated first); ``open_or_build_store`` builds it only where none exists yet
* ``rebuild_store(url, layers_dir, actor=, replace=)`` -> a ``Rebuild``: ``build_store`` that
  refuses (``RebuildRefusedError``) to drop what an existing store holds beyond the directory,
  unless ``replace``, and then backs it up first; ``compare_with_layers(store, frames)`` -> a
  ``StoreDifference`` listing that (``LayerLoss`` per layer)
* ``read_csv_bytes(data, source, max_rows=)`` -> a frame of text columns (a bad file is a
  ``ValidationError`` naming the line)
* ``polygon_from_geojson(data, site)`` -> a valid lon/lat polygon near the site
* ``import_layer(store, data, layer=, mode=, actor=)`` -> an uploaded GeoJSON, GeoPackage or
  zip, checked within ``Limits``, written all or nothing (its ``AuditEntry``);
  ``read_layer_upload(data, schema, ...)`` reads and checks one without writing
* ``edit_feature(store, layer, edit, actor=, feature_id=, body=, expected=)`` -> a
  ``FeatureEdit``: one feature created, replaced, updated (merge patch) or deleted
  (``Edit``) through the same checks, refused (``PreconditionFailedError``) unless it is at
  an ``expected`` ``feature_version(page)`` (a hash of its served properties and geometry)

Modules: ``sources``, ``rebuild``, ``csvfiles``, ``geojson_input``, ``layer_import``,
``feature_edit``.
"""

from site_gis.io.csvfiles import read_csv_bytes
from site_gis.io.feature_edit import Edit, FeatureEdit, edit_feature, feature_version
from site_gis.io.geojson_input import polygon_from_geojson
from site_gis.io.layer_import import Limits, import_layer, read_layer_upload
from site_gis.io.rebuild import (
    LayerLoss,
    Rebuild,
    StoreDifference,
    compare_with_layers,
    rebuild_store,
)
from site_gis.io.sources import (
    build_store,
    layers_digest,
    open_or_build_store,
    read_layers_dir,
    write_layers_dir,
)

__all__ = [
    "Edit",
    "FeatureEdit",
    "LayerLoss",
    "Limits",
    "Rebuild",
    "StoreDifference",
    "build_store",
    "compare_with_layers",
    "edit_feature",
    "feature_version",
    "import_layer",
    "layers_digest",
    "open_or_build_store",
    "polygon_from_geojson",
    "read_csv_bytes",
    "read_layer_upload",
    "read_layers_dir",
    "rebuild_store",
    "write_layers_dir",
]
