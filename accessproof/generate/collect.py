"""The log files of a run: local paths and ``s3://`` locations, fetched and classified.

``s3://`` objects are fetched into a ``DownloadFolder``, which must outlive the reading of the
files; the callers hold it in a ``with`` block around discovery and reading.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Iterable, Optional

from .s3 import DownloadFolder, download_logs
from .sources import DEFAULT_MAX_FILE_BYTES, Discovery, classify, in_scope, list_local

__all__ = ["DownloadFolder", "discover"]


def discover(paths: Iterable[str], regions: Optional[frozenset[str]] = None,
             start: Optional[datetime] = None, end: Optional[datetime] = None, *,
             downloads: Optional[DownloadFolder] = None, s3_endpoint_url: Optional[str] = None,
             max_file_bytes: int = DEFAULT_MAX_FILE_BYTES) -> Discovery:
    """Every log file under ``paths`` (local paths, ``file://`` or ``s3://bucket/prefix``)."""
    local: list[str] = []
    fetched: list[tuple[Path, str]] = []
    problems = []
    for p in paths:
        if p.startswith("s3://"):
            if downloads is None:
                raise ValueError("s3:// locations need a DownloadFolder that outlives the reading")
            got = download_logs(p, downloads, regions, start, end, max_file_bytes, s3_endpoint_url)
            fetched.extend(got.files)
            problems.extend(got.problems)
        else:
            local.append(p)
    found = [f for f in list_local(local) if in_scope(str(f), regions, start, end)]
    classified = classify(found + [path for path, _ in fetched], [str(f) for f in found] + [name for _, name in fetched],
                          max_file_bytes)
    return Discovery(classified.files, tuple(problems) + classified.problems)
