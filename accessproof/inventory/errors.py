"""The one error a snapshot loader raises: which file is wrong, and why."""

from __future__ import annotations

from pathlib import Path
from typing import Optional, Union

from ..untrusted import one_line


class SnapshotError(Exception):
    """A snapshot file or directory is missing, malformed or unexpected.

    ``file`` is the path of the offending file or directory, as the user gave it (the snapshot
    path joined with the relative path); ``message`` says what is wrong, naming the JSON field
    (``Grants[1].Permission``) or the line and column when the JSON text itself is broken.
    ``str(error)`` is one line: ``<file>: <message>``, whatever the names and values in it (a
    field name can come from the file: control characters are escaped, length is bounded).
    """

    def __init__(self, file: Union[str, Path], message: str, field: Optional[str] = None):
        self.file = one_line(str(file))
        self.field = one_line(field, 200) if field else field
        self.message = one_line(f"{self.field}: {message}" if field else message)
        super().__init__(f"{self.file}: {self.message}")
