"""Trail logs in S3: listed and fetched with boto3 into a local cache, then read like local files.

DuckDB could read ``s3://`` itself through its ``httpfs`` extension, but that extension is
downloaded at run time; boto3 is already a dependency and honours the usual endpoint settings
(``AWS_ENDPOINT_URL_S3``, profiles), which also lets the tests use a local moto server.
"""

from __future__ import annotations

import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Optional

from .sources import SKIPPED_FOLDERS, in_scope, is_log_name


def split_url(url: str) -> tuple[str, str]:
    rest = url[len("s3://"):]
    bucket, _, prefix = rest.partition("/")
    return bucket, prefix


def download_logs(url: str, cache: Optional[Path], regions: Optional[frozenset[str]],
                  start: Optional[datetime], end: Optional[datetime],
                  endpoint_url: Optional[str] = None) -> list[tuple[Path, str]]:
    """Fetch the log objects under ``url`` that can hold wanted events; (local path, s3 URL)."""
    import boto3

    bucket, prefix = split_url(url)
    s3 = boto3.client("s3", endpoint_url=endpoint_url or os.environ.get("ACCESSPROOF_S3_ENDPOINT_URL"))
    target = cache or Path(tempfile.mkdtemp(prefix="accessproof-trail-"))
    out: list[tuple[Path, str]] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            key = item["Key"]
            name = f"s3://{bucket}/{key}"
            if not is_log_name(key) or SKIPPED_FOLDERS.intersection(key.split("/")):
                continue
            if not in_scope("/" + key, regions, start, end):
                continue
            local = target / bucket / key
            if not (local.exists() and local.stat().st_size == item["Size"]):
                local.parent.mkdir(parents=True, exist_ok=True)
                s3.download_file(bucket, key, str(local))
            out.append((local, name))
    return out
