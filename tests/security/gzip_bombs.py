"""Gzip bombs, built as a stream: a few kilobytes of memory and about a second per GiB.

A bomb is a valid gzip file of valid CloudTrail JSON. ``blanks``: ``{"Records": [<one event>``,
a run of blanks (JSON whitespace), ``]}`` — one JSON value, about 1000:1, so a 1 GiB bomb is a
1 MB file. ``lines``: the same event on every line (one event per line), about 100:1. Each
megabyte goes through deflate once: after a full flush a deflate stream forgets its history, so
the same megabyte always compresses to the same block, and the block is written over and over
(RFC 1951); the trailer's CRC-32 and length are computed as usual (RFC 1952).
"""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path

CHUNK = b" " * (1 << 20)
EVENT = {
    "eventVersion": "1.09", "eventTime": "2024-07-30T21:31:21Z", "eventSource": "s3.amazonaws.com",
    "eventName": "ListBuckets", "awsRegion": "us-east-1", "recipientAccountId": "123456789012",
    "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::123456789012:user/bomb-target",
                     "accountId": "123456789012"},
}
PRINCIPAL = EVENT["userIdentity"]["arn"]


def _lines_chunk() -> bytes:
    line = json.dumps(EVENT).encode() + b"\n"
    return line * (len(CHUNK) // len(line)) + b" " * (len(CHUNK) % len(line))  # blanks keep lines valid


def write_gzip_bomb(path: Path, mebibytes: int, shape: str = "blanks") -> int:
    """Write a bomb of ``mebibytes`` MiB of content (plus the JSON around it); its content size."""
    if shape == "blanks":
        prefix, chunk, suffix = b'{"Records": [' + json.dumps(EVENT).encode(), CHUNK, b"]}"
    elif shape == "lines":
        prefix, chunk, suffix = b"", _lines_chunk(), b""
    else:
        raise ValueError(f"unknown bomb shape {shape!r}")
    deflate = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)  # raw deflate: the gzip framing is ours
    crc = zlib.crc32(prefix)
    with open(path, "wb") as out:
        out.write(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff")  # magic, deflate, no flags, mtime 0, max compression
        out.write(deflate.compress(prefix) + deflate.flush(zlib.Z_FULL_FLUSH))
        block = deflate.compress(chunk) + deflate.flush(zlib.Z_FULL_FLUSH)
        for _ in range(mebibytes):
            out.write(block)
            crc = zlib.crc32(chunk, crc)
        out.write(deflate.compress(suffix) + deflate.flush(zlib.Z_FINISH))
        size = len(prefix) + mebibytes * len(chunk) + len(suffix)
        crc = zlib.crc32(suffix, crc)
        out.write(struct.pack("<II", crc & 0xFFFFFFFF, size & 0xFFFFFFFF))
    return size
