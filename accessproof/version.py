"""The package version, in a module of its own so that any layer can name it without importing
the package's facade (``accessproof/__init__.py`` imports the client, the top layer)."""

__version__ = "0.1.0"
