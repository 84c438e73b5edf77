"""Gzip bombs, built as a stream: a few kilobytes of memory and about a second per GiB.

A bomb is a valid gzip file of valid CloudTrail JSON: ``{"Records": [<one event>`` then a run of
blanks (JSON whitespace) then ``]}``. Blanks compress about 1000:1, so a 1 GiB bomb is a 1 MB
file. The blanks go through deflate once: after a full flush a deflate stream forgets its
history, so the same megabyte always compresses to the same block, and the block is written
over and over (RFC 1951); the trailer's CRC-32 and length are computed as usual (RFC 1952).
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


def write_gzip_bomb(path: Path, mebibytes: int) -> int:
    """Write a bomb of ``mebibytes`` MiB of content (plus the JSON around it); its content size."""
    prefix = b'{"Records": [' + json.dumps(EVENT).encode()
    suffix = b"]}"
    deflate = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)  # raw deflate: the gzip framing is ours
    crc = zlib.crc32(prefix)
    with open(path, "wb") as out:
        out.write(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff")  # magic, deflate, no flags, mtime 0, max compression
        out.write(deflate.compress(prefix) + deflate.flush(zlib.Z_FULL_FLUSH))
        block = deflate.compress(CHUNK) + deflate.flush(zlib.Z_FULL_FLUSH)
        for _ in range(mebibytes):
            out.write(block)
            crc = zlib.crc32(CHUNK, crc)
        out.write(deflate.compress(suffix) + deflate.flush(zlib.Z_FINISH))
        size = len(prefix) + mebibytes * len(CHUNK) + len(suffix)
        crc = zlib.crc32(suffix, crc)
        out.write(struct.pack("<II", crc & 0xFFFFFFFF, size & 0xFFFFFFFF))
    return size
