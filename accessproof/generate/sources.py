"""Finding CloudTrail log files and telling their layout, before DuckDB reads them.

CloudTrail delivers gzip-compressed JSON objects ``{"Records": [...]}`` under
``AWSLogs/<account>/CloudTrail/<region>/<yyyy>/<mm>/<dd>/`` (CloudTrail User Guide, "Finding
your CloudTrail log files"); digest files live beside them under ``CloudTrail-Digest/`` and
Insights events under ``CloudTrail-Insight/``: neither holds API calls, so both are left out.
Exports and samples also come as a top-level JSON array of events or as one event per line.

Only the first bytes of each file are read here (to tell the layout); a file that turns out
corrupt or truncated later is reported by the reader.
"""

from __future__ import annotations

import gzip
import re
import zlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Iterable, Optional, Sequence

ARRAY = "array"  # [ {event}, ... ]
RECORDS = "records"  # {"Records": [ {event}, ... ]}
LINES = "lines"  # {event}\n{event}\n...

SKIPPED_FOLDERS = frozenset({"CloudTrail-Digest", "CloudTrail-Insight"})
_PROBE_BYTES = 4096
_S3_LAYOUT = re.compile(r"/CloudTrail/(?P<region>[a-z0-9-]+)/(?P<y>\d{4})/(?P<m>\d{2})/(?P<d>\d{2})/")


@dataclass(frozen=True, slots=True)
class LogFile:
    path: str  # what DuckDB opens
    name: str  # what reports show (the s3:// URL for downloaded objects)
    layout: str
    size: int
    content_size: int  # uncompressed bytes (a gzip file's trailer tells them, modulo 4 GiB)
    # No line break in the first bytes: CloudTrail writes each file as one line. The reader then
    # reads {"Records": [...]} as a one-line document (much faster); a file that breaks a line
    # later is read the general way.
    single_line: bool = False


@dataclass(frozen=True, slots=True)
class FileProblem:
    name: str
    reason: str

    def as_dict(self) -> dict:
        return {"file": self.name, "reason": self.reason}


@dataclass(frozen=True)
class Discovery:
    files: tuple[LogFile, ...]
    problems: tuple[FileProblem, ...]


def is_log_name(name: str) -> bool:
    return name.endswith((".json", ".json.gz", ".jsonl", ".jsonl.gz"))


def list_local(paths: Iterable[str]) -> list[Path]:
    """Files named directly, and the log files below named directories (sorted, digests skipped)."""
    out: list[Path] = []
    for p in paths:
        path = Path(p[len("file://"):] if p.startswith("file://") else p)
        if path.is_dir():
            out.extend(sorted(f for f in path.rglob("*") if f.is_file() and is_log_name(f.name)
                              and not SKIPPED_FOLDERS.intersection(f.parts)))
        elif path.is_file():
            out.append(path)
        else:
            raise FileNotFoundError(f"{path}: no such file or directory")
    return out


def folder_day(name: str) -> Optional[tuple[str, date]]:
    """(region, day) of a file in CloudTrail's S3 folder layout, else None."""
    m = _S3_LAYOUT.search(name.replace("\\", "/"))
    if m is None:
        return None
    try:
        return m["region"], date(int(m["y"]), int(m["m"]), int(m["d"]))
    except ValueError:
        return None


def in_scope(name: str, regions: Optional[frozenset[str]], start: Optional[datetime], end: Optional[datetime]) -> bool:
    """Can a file hold events of the wanted regions and time range, judged by its folder?

    CloudTrail files its logs by delivery time, a few minutes after the events; a day of
    margin on each side keeps events logged near midnight.
    """
    found = folder_day(name)
    if found is None:
        return True
    region, day = found
    if regions is not None and region not in regions:
        return False
    if start is not None and day < start.date() - timedelta(days=1):
        return False
    if end is not None and day > end.date() + timedelta(days=1):
        return False
    return True


def _head(path: Path) -> bytes:
    with open(path, "rb") as f:
        raw = f.read(_PROBE_BYTES)
    if raw[:2] != b"\x1f\x8b":
        return raw
    # Decompress what the first bytes give; a truncated stream is fine for a probe.
    return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(raw)


def _content_size(path: Path, size: int) -> int:
    """Uncompressed size: a gzip member ends with ISIZE, the input size modulo 2**32 (RFC 1952)."""
    if size < 18:
        return size
    with open(path, "rb") as f:
        if f.read(2) != b"\x1f\x8b":
            return size
        f.seek(-4, 2)
        declared = int.from_bytes(f.read(4), "little")
    # Deflate cannot expand more than 1032:1; a larger ISIZE is the garbage tail of a truncated
    # file, which the reader then reports as such.
    return max(size, declared) if declared <= size * 1032 else size


def layout_of(head: bytes) -> Optional[str]:
    """The layout of a file from its first bytes, or None when it is not CloudTrail's."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"["):
        return ARRAY
    if not text.startswith(b"{"):
        return None
    first_key = re.match(rb'\{\s*"([^"]*)"', text)
    if first_key is None:
        return None
    if first_key.group(1) == b"Records":
        return RECORDS
    # One event per line: the first object looks like an event (CloudTrail's own field names).
    if re.search(rb'"event(Version|Time|Source|Name)"\s*:', text.split(b"\n", 1)[0]):
        return LINES
    return None


def classify(paths: Sequence[Path], names: Optional[Sequence[str]] = None) -> Discovery:
    files: list[LogFile] = []
    problems: list[FileProblem] = []
    for i, path in enumerate(paths):
        name = names[i] if names else str(path)
        try:
            head = _head(path)
        except (OSError, zlib.error, EOFError) as e:
            problems.append(FileProblem(name, f"unreadable: {e}"))
            continue
        layout = layout_of(head)
        if layout is None and name.endswith(".gz") and not head.startswith(b"\x1f\x8b"):
            with open(path, "rb") as f:
                if f.read(2) != b"\x1f\x8b":
                    problems.append(FileProblem(name, "not a gzip file, though its name ends in .gz"))
                    continue
        if layout is None:
            problems.append(FileProblem(name, "not a CloudTrail log file (expected {\"Records\": [...]}, "
                                              "a JSON array of events or one event per line)"))
            continue
        size = path.stat().st_size
        files.append(LogFile(str(path), name, layout, size, _content_size(path, size),
                             single_line=b"\n" not in head.strip()))
    return Discovery(tuple(files), tuple(problems))


def discover(paths: Iterable[str], regions: Optional[frozenset[str]] = None,
             start: Optional[datetime] = None, end: Optional[datetime] = None,
             s3_cache: Optional[Path] = None, s3_endpoint_url: Optional[str] = None) -> Discovery:
    """Every log file under ``paths`` (local paths, ``file://`` or ``s3://bucket/prefix``)."""
    local: list[str] = []
    downloaded: list[tuple[Path, str]] = []
    for p in paths:
        if p.startswith("s3://"):
            from .s3 import download_logs

            downloaded.extend(download_logs(p, s3_cache, regions, start, end, s3_endpoint_url))
        else:
            local.append(p)
    found = [f for f in list_local(local) if in_scope(str(f), regions, start, end)]
    found_names = [str(f) for f in found]
    paths_all = found + [path for path, _ in downloaded]
    names_all = found_names + [name for _, name in downloaded]
    return classify(paths_all, names_all)


def gzip_open(path: str):
    return gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb")
