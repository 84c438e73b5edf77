"""The one error a snapshot loader raises: which file is wrong, and why."""

from __future__ import annotations

from pathlib import Path
from typing import Optional, Union


class SnapshotError(Exception):
    """A snapshot file or directory is missing, malformed or unexpected.

    ``file`` is the path of the offending file or directory, as the user gave it (the snapshot
    path joined with the relative path); ``message`` says what is wrong, naming the JSON field
    (``Grants[1].Permission``) or the line and column when the JSON text itself is broken.
    ``str(error)`` is one line: ``<file>: <message>``.
    """

    def __init__(self, file: Union[str, Path], message: str, field: Optional[str] = None):
        self.file = str(file)
        self.field = field
        self.message = f"{field}: {message}" if field else message
        super().__init__(f"{self.file}: {self.message}")
