"""Test support shipped with the package: the pytest plugin (``--device``, markers, fixtures)."""
