"""Trail logs in S3: listed and fetched with boto3 into a local folder, then read like local files.

DuckDB could read ``s3://`` itself through its ``httpfs`` extension, but that extension is
downloaded at run time; boto3 is already a dependency and honours the usual endpoint settings
(``AWS_ENDPOINT_URL_S3``, profiles), which also lets the tests use a local moto server.

An object key is any string (``../../x``, ``/etc/x``, ``a//b``, backslashes, NUL), so it never
becomes a path: each object is stored flat in the download folder under a digest of its bucket,
key and ETag (plus a cleaned copy of its file name, for people looking at a kept folder), written
to a new temporary file (no symbolic link is followed) and renamed into place, never more bytes
than the size limit allows. The folder is a temporary one, removed at the end of the run (also
on error, Ctrl-C or SIGTERM in the CLI), unless the caller names a folder to keep; a kept folder
is reused (an object already fetched, with the same ETag and size, is not fetched again).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import stat
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Optional

from .sources import LIMIT_HINT, SKIPPED_FOLDERS, FileProblem, format_bytes, in_scope, is_log_name

# The suffixes DuckDB and the classifier read (the compression is chosen by the name).
_SUFFIXES = (".jsonl.gz", ".json.gz", ".jsonl", ".json")
_UNSAFE_NAME_CHARACTERS = re.compile(r"[^A-Za-z0-9._=+-]")


class TrailAccessError(Exception):
    """The logs of an ``s3://`` location could not be listed or fetched at all.

    ``kind``: ``authorization`` (no or bad credentials, access denied), ``not_found`` (no such
    bucket), ``unavailable`` (network, endpoint, anything else S3 answered).
    """

    def __init__(self, message: str, kind: str):
        super().__init__(" ".join(message.split()))  # one line, whatever botocore put in it
        self.kind = kind


class DownloadFolder:
    """Where ``s3://`` objects are fetched: ``keep`` if given (kept, reused), else a temporary
    folder made on first use and removed when the ``with`` block ends, however it ends."""

    def __init__(self, keep: Optional[Path] = None):
        self.keep = keep
        self._temporary: Optional[Path] = None

    def path(self) -> Path:
        if self.keep is not None:
            self.keep.mkdir(parents=True, exist_ok=True)
            return self.keep
        if self._temporary is None:
            self._temporary = Path(tempfile.mkdtemp(prefix="accessproof-trail-"))
        return self._temporary

    def remove(self) -> None:
        if self._temporary is not None:
            shutil.rmtree(self._temporary, ignore_errors=True)
            self._temporary = None

    def __enter__(self) -> "DownloadFolder":
        return self

    def __exit__(self, kind: Optional[type], value: Optional[BaseException], trace: Optional[TracebackType]) -> None:
        self.remove()


def split_url(url: str) -> tuple[str, str]:
    rest = url[len("s3://"):]
    bucket, _, prefix = rest.partition("/")
    if not bucket:
        raise TrailAccessError(f"{url}: no bucket name (expected s3://bucket/prefix)", "not_found")
    return bucket, prefix


def local_name(bucket: str, key: str, etag: str) -> str:
    """A file name for an object that no key can steer: ``<digest>-<cleaned file name><suffix>``.

    The digest keeps names distinct (and a changed object, with a new ETag, gets a new name);
    the suffix keeps the extension DuckDB chooses decompression by.
    """
    digest = hashlib.sha256("\0".join((bucket, key, etag)).encode("utf-8", "surrogatepass")).hexdigest()[:32]
    suffix = next(s for s in _SUFFIXES if key.endswith(s))
    stem = _UNSAFE_NAME_CHARACTERS.sub("_", key.rsplit("/", 1)[-1][: -len(suffix)])[:80]
    return f"{digest}-{stem}{suffix}"


def confined(folder: Path, name: str) -> Path:
    """``folder / name``, checked to name an entry of ``folder`` itself (the folder resolved: no
    link is followed out of it). A link planted under that name is not followed either: ``_fetch``
    looks at it with ``lstat`` and replaces it."""
    if os.sep in name or (os.altsep and os.altsep in name) or name in ("", ".", "..") or "\0" in name:
        raise ValueError(f"unsafe local name for a downloaded object: {name!r}")
    real_folder = folder.resolve()
    target = real_folder / name
    if target.parent != real_folder:
        raise ValueError(f"a downloaded object would land outside {real_folder}: {name!r}")
    return target


@dataclass(frozen=True)
class Downloaded:
    files: list[tuple[Path, str]]  # (local path, s3:// URL)
    problems: list[FileProblem]


def download_logs(url: str, folder: DownloadFolder, regions: Optional[frozenset[str]],
                  start: Optional[datetime], end: Optional[datetime], max_file_bytes: int,
                  endpoint_url: Optional[str] = None) -> Downloaded:
    """Fetch the log objects under ``url`` that can hold wanted events.

    Raises ``TrailAccessError`` when S3 cannot be used at all (credentials, network, the bucket,
    access denied); an object that is gone, changed since it was listed, or larger than
    ``max_file_bytes`` allows, is a problem of its own and the others are still read.
    """
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    bucket, prefix = split_url(url)
    most = stored_limit(max_file_bytes)
    files: list[tuple[Path, str]] = []
    problems: list[FileProblem] = []
    try:
        s3 = boto3.client("s3", endpoint_url=endpoint_url or os.environ.get("ACCESSPROOF_S3_ENDPOINT_URL"))
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                key = item["Key"]
                name = f"s3://{bucket}/{key}"
                if not is_log_name(key) or SKIPPED_FOLDERS.intersection(key.split("/")):
                    continue
                if not in_scope("/" + key, regions, start, end):
                    continue
                too_large = FileProblem(name, f"stored larger than {format_bytes(max_file_bytes)} of content can be, "
                                              f"the size limit per file: not fetched ({LIMIT_HINT})")
                if item["Size"] > most:
                    problems.append(too_large)
                    continue
                etag = item.get("ETag", "")
                local = confined(folder.path(), local_name(bucket, key, etag))
                try:
                    if not _fetch(s3, bucket, key, etag, item["Size"], most, local):
                        problems.append(too_large)
                        continue
                except ClientError as e:
                    if _client_error_kind(e) == "authorization":
                        raise  # every object would say the same (a missing s3:GetObject or kms:Decrypt)
                    problems.append(FileProblem(name, f"could not be fetched: {_client_error_text(e)}"))
                    continue
                files.append((local, name))
    except ClientError as e:
        raise TrailAccessError(f"{url}: {_client_error_text(e)}", _client_error_kind(e)) from None
    except BotoCoreError as e:
        raise TrailAccessError(f"{url}: {_botocore_text(e)}", _botocore_kind(e)) from None
    return Downloaded(files, problems)


def stored_limit(max_file_bytes: int) -> int:
    """The most bytes an object can hold whose content fits ``max_file_bytes``: deflate's stored
    blocks add 5 bytes per 65,535 (RFC 1951), gzip's framing a few more."""
    return max_file_bytes + max_file_bytes // 8192 + 64 * 1024


def _fetch(s3, bucket: str, key: str, etag: str, size: int, most: int, local: Path) -> bool:
    """Fetch into a new file (``O_EXCL``, no link followed), then rename it into place; False
    when the object turns out larger than ``most`` bytes. A file already there (a kept folder)
    is reused when it is a regular file of the object's size (its name holds the ETag).

    The body is streamed on this thread (no transfer threads): Ctrl-C interrupts a stalled read,
    and no more than ``most`` bytes are written whatever the object holds by then.
    """
    try:
        found = os.lstat(local)
        if stat.S_ISREG(found.st_mode) and found.st_size == size:
            return True
    except FileNotFoundError:
        pass
    # IfMatch: the object listed, not one put in its place since (its name is derived from the ETag).
    response = s3.get_object(Bucket=bucket, Key=key, **({"IfMatch": etag} if etag else {}))
    body = response["Body"]
    handle, part = tempfile.mkstemp(dir=local.parent, prefix=".part-")
    try:
        written = 0
        with os.fdopen(handle, "wb") as out:
            for chunk in body.iter_chunks(1 << 20):
                written += len(chunk)
                if written > most:
                    os.unlink(part)
                    return False
                out.write(chunk)
        os.replace(part, local)  # replaces a link at ``local`` itself, never its target
        return True
    except BaseException:
        if os.path.lexists(part):
            os.unlink(part)
        raise
    finally:
        body.close()


def _client_error_text(error) -> str:
    details = error.response.get("Error", {})
    code = details.get("Code") or str(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", "error"))
    message = details.get("Message") or ""
    operation = getattr(error, "operation_name", "")
    return f"{code}{': ' + message if message else ''}{f' ({operation})' if operation else ''}"


_DENIED_CODES = {"AccessDenied", "AllAccessDisabled", "InvalidAccessKeyId", "SignatureDoesNotMatch",
                 "ExpiredToken", "InvalidToken", "TokenRefreshRequired", "403"}
_MISSING_CODES = {"NoSuchBucket", "404", "NotFound"}


def _client_error_kind(error) -> str:
    code = str(error.response.get("Error", {}).get("Code", ""))
    if code in _DENIED_CODES:
        return "authorization"
    if code in _MISSING_CODES:
        return "not_found"
    return "unavailable"


def _botocore_text(error) -> str:
    from botocore.exceptions import NoCredentialsError, PartialCredentialsError

    if isinstance(error, (NoCredentialsError, PartialCredentialsError)):
        return (f"{error} (configure them as for the AWS CLI: AWS_PROFILE, AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY, or an instance role)")
    return str(error)


def _botocore_kind(error) -> str:
    from botocore.exceptions import (CredentialRetrievalError, NoCredentialsError, PartialCredentialsError,
                                     ProfileNotFound)

    if isinstance(error, (NoCredentialsError, PartialCredentialsError, CredentialRetrievalError, ProfileNotFound)):
        return "authorization"
    return "unavailable"
