"""Adapters around the site_gis library: the FastAPI app and the ``site-gis`` command line."""
