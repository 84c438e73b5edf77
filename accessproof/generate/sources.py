"""Finding CloudTrail log files and telling their layout, before DuckDB reads them.

CloudTrail delivers gzip-compressed JSON objects ``{"Records": [...]}`` under
``AWSLogs/<account>/CloudTrail/<region>/<yyyy>/<mm>/<dd>/`` (CloudTrail User Guide, "Finding
your CloudTrail log files"); digest files live beside them under ``CloudTrail-Digest/`` and
Insights events under ``CloudTrail-Insight/``: neither holds API calls, so both are left out.
Exports and samples also come as a top-level JSON array of events or as one event per line.

Every file is read through once here, as a stream, before DuckDB sees it: its first bytes tell
the layout, and its whole content is measured against a size limit (``max_file_bytes``), so that a
decompression bomb is reported by name instead of being handed to DuckDB, whose memory grows with
the largest JSON value it reads (a 1 MB gzip file of 1 GB reached 5 GB). Gzip files are
decompressed the way DuckDB reads them (chosen by the ``.gz`` name; concatenated members allowed)
and checked to the end: a corrupt or truncated stream, or a trailer whose CRC or length does not
match, is reported here. Files that turn out to hold malformed JSON are reported by the reader.

This module knows local files only; ``s3`` fetches objects into a folder and ``collect`` puts
both together.
"""

from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Iterable, Optional, Sequence

# zlib-ng: zlib's API and checks, decompressing twice as fast (0.7 against 1.5 CPU-seconds per GB
# of CloudTrail JSON), which halves what measuring every file costs.
from zlib_ng import zlib_ng

ARRAY = "array"  # [ {event}, ... ]
RECORDS = "records"  # {"Records": [ {event}, ... ]}
LINES = "lines"  # {event}\n{event}\n...

SKIPPED_FOLDERS = frozenset({"CloudTrail-Digest", "CloudTrail-Insight"})
# CHOICE (AWS documents no maximum log file size): CloudTrail delivers a file about every five
# minutes per Region, at most tens of MB uncompressed. 128 MiB leaves room above that, and bounds
# what one file costs DuckDB: a 128 MB {"Records": [...]} file peaked at 1.3 GB and took 78 s
# (DuckDB 2.0.1; the unnest of one huge list is superlinear), a 128 MB file of blanks at 0.7 GB.
DEFAULT_MAX_FILE_BYTES = 128 * 1024 * 1024
GZIP_MAGIC = b"\x1f\x8b"
_PROBE_BYTES = 4096
_READ_BYTES = 1 << 20  # compressed bytes read at a time
_OUTPUT_BYTES = 1 << 20  # decompressed bytes produced at a time: the stream's memory stays bounded
_S3_LAYOUT = re.compile(r"/CloudTrail/(?P<region>[a-z0-9-]+)/(?P<y>\d{4})/(?P<m>\d{2})/(?P<d>\d{2})/")


@dataclass(frozen=True, slots=True)
class LogFile:
    path: str  # what DuckDB opens
    name: str  # what reports show (the s3:// URL for downloaded objects)
    layout: str
    size: int
    content_size: int  # uncompressed bytes, measured by decompressing (never the gzip trailer's claim)
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


class Rejected(Exception):
    """A file that is not read: the reason, as reports show it."""


@dataclass(frozen=True, slots=True)
class Content:
    head: bytes  # the first decompressed bytes
    size: int  # all decompressed bytes


def format_bytes(count: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if count >= scale and count % scale == 0:
            return f"{count // scale} {unit}"
    return f"{count:,} bytes"


LIMIT_HINT = "the limit is --max-file-size, or the client's cloudtrail_max_file_size"


def _too_large(limit: int) -> Rejected:
    return Rejected(f"expands past {format_bytes(limit)}, the size limit per file: not read (a decompression bomb, "
                    f"or far larger than CloudTrail's files; {LIMIT_HINT})")


def measure(path: Path, limit: int) -> Content:
    """The first bytes and the size of a file's content as DuckDB will read it, read as a stream
    that stops at ``limit`` decompressed bytes; raises ``Rejected``."""
    with open(path, "rb") as f:
        if path.name.endswith(".gz"):
            return _measure_gzip(f, limit)
        head = f.read(_PROBE_BYTES)
        if head.startswith(GZIP_MAGIC):
            # DuckDB chooses decompression by the name: it would read the compressed bytes as JSON.
            raise Rejected("gzip-compressed, though its name does not end in .gz")
        size = os.fstat(f.fileno()).st_size
        if size > limit:
            raise Rejected(f"larger than {format_bytes(limit)}, the size limit per file: not read ({LIMIT_HINT})")
        return Content(head, size)


def _measure_gzip(f, limit: int) -> Content:
    first = f.read(2)
    if first != GZIP_MAGIC:
        raise Rejected("not a gzip file, though its name ends in .gz")
    head = bytearray()
    size = member_size = members = 0
    member = None  # the member being decompressed; None between members (gzip allows several, RFC 1952)
    draining = False  # zlib may hold more output for the input it has taken
    data = first + f.read(_READ_BYTES)
    try:
        while data or draining:
            if member is None:
                member, member_size = zlib_ng.decompressobj(16 + zlib_ng.MAX_WBITS), 0  # checks CRC and length
            out = member.decompress(data, _OUTPUT_BYTES)
            size += len(out)
            member_size += len(out)
            if size > limit:
                raise _too_large(limit)
            if len(head) < _PROBE_BYTES:
                head += out[: _PROBE_BYTES - len(head)]
            if member.eof:
                data, member, draining = member.unused_data, None, False
                members += 1
            else:
                data, draining = member.unconsumed_tail, len(out) == _OUTPUT_BYTES
            if not data and not draining:
                data = f.read(_READ_BYTES)
    except zlib_ng.error as e:
        raise Rejected(f"corrupt gzip: {e}") from None
    if member is not None:
        if members and not member_size:
            raise Rejected("corrupt gzip: bytes after the end of the compressed stream")
        raise Rejected(f"truncated gzip: the stream ends after {size:,} bytes of content")
    return Content(bytes(head), size)


_BLANK = b"\xef\xbb\xbf \t\r\n"  # a byte-order mark and JSON whitespace
_RECORDS_KEY = re.compile(rb'\{\s*"Records"\s*:')
_RECORDS_LIST = re.compile(rb'\{\s*"Records"\s*:\s*\[')


def layout_of(head: bytes) -> Optional[str]:
    """The layout of a file from its first bytes, or None when it is not CloudTrail's."""
    text = head.lstrip(_BLANK)
    if text.startswith(b"["):
        return ARRAY
    if not text.startswith(b"{"):
        return None
    first_key = re.match(rb'\{\s*"([^"]*)"', text)
    if first_key is None:
        return None
    if first_key.group(1) == b"Records":
        # {"Records": 5} is no log file; the value must open a list (DuckDB reads the first key
        # of an object that repeats it, so a later "Records" cannot replace this one).
        return RECORDS if _RECORDS_LIST.match(text) else None
    # One event per line: the first object looks like an event (CloudTrail's own field names).
    if re.search(rb'"event(Version|Time|Source|Name)"\s*:', text.split(b"\n", 1)[0]):
        return LINES
    return None


def classify_file(path: Path, name: str, max_file_bytes: int = DEFAULT_MAX_FILE_BYTES) -> "LogFile | FileProblem":
    """A file ready for the reader, or the reason it is not read."""
    try:
        content = measure(path, max_file_bytes)
    except Rejected as e:
        return FileProblem(name, str(e))
    except OSError as e:
        return FileProblem(name, f"unreadable: {e.strerror or e}")
    layout = layout_of(content.head)
    if layout is None:
        what = ('"Records" does not hold a list of events' if _RECORDS_KEY.match(content.head.lstrip(_BLANK))
                else "not a CloudTrail log file")
        return FileProblem(name, what + " (expected {\"Records\": [...]}, a JSON array of events or one event per line)")
    return LogFile(str(path), name, layout, path.stat().st_size, content.size,
                   single_line=b"\n" not in content.head.strip())


def classify(paths: Sequence[Path], names: Optional[Sequence[str]] = None,
             max_file_bytes: int = DEFAULT_MAX_FILE_BYTES) -> Discovery:
    """Measure and tell the layout of every file, in parallel (decompression releases the GIL)."""
    named = list(zip(paths, names if names else [str(p) for p in paths]))
    workers = min(os.cpu_count() or 1, len(named), 8)
    if workers > 1:
        with ThreadPoolExecutor(workers, thread_name_prefix="accessproof-classify") as pool:
            results = list(pool.map(lambda item: classify_file(*item, max_file_bytes), named))
    else:
        results = [classify_file(path, name, max_file_bytes) for path, name in named]
    return Discovery(tuple(r for r in results if isinstance(r, LogFile)),
                     tuple(r for r in results if isinstance(r, FileProblem)))
