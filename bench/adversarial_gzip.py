"""Gzip bombs against policy generation: peak memory and time as the bomb grows.

For each size, a bomb is written (``tests/security/gzip_bombs.py``: valid gzip of valid CloudTrail
JSON, built as a stream) and ``generate_policy`` reads it in a fresh process, which prints its
own peak RSS. Two shapes: ``blanks`` (one ``{"Records": [...]}`` value padded with whitespace,
about 1000:1: the shape that costs DuckDB the most memory per byte) and ``lines`` (the same
event on every line, about 200:1). Sizes at and past the limit (default 128 MiB) are skipped
before DuckDB sees them, so their peak stays flat; sizes below it are read.

``--limit`` raises the per-file limit (``--max-file-size``) to show what it holds off; keep
``--largest`` small with it, the reads below the limit grow with the content (a 1 GiB blanks bomb
took 5.2 GB before the limit existed).

    .venv/bin/python bench/adversarial_gzip.py [--largest 4096] [--limit BYTES] [--shapes blanks lines]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SIZES_MIB = (16, 64, 127, 128, 256, 1024, 4096, 16384)


def measure(path: str, limit: int) -> dict:
    from accessproof.generate import generate_policy
    from tests.security.gzip_bombs import PRINCIPAL

    began = time.perf_counter()
    result = generate_policy(PRINCIPAL, [path], max_file_bytes=limit)
    return {"seconds": time.perf_counter() - began, "events": result.events_read,
            "skipped": [p.reason for p in result.problems],
            "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def in_process(path: Path, limit: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--measure", str(path), "--limit", str(limit)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def baseline(folder: Path, limit: int) -> dict:
    """The same run on a small genuine file: the interpreter, DuckDB and the catalog."""
    from tests.security.gzip_bombs import EVENT

    path = folder / "baseline.json"
    path.write_text(json.dumps({"Records": [EVENT]}))
    return in_process(path, limit)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--largest", type=int, default=16384, help="largest bomb, MiB of content")
    parser.add_argument("--limit", type=int, default=None, help="per-file limit in bytes (default: the product's)")
    parser.add_argument("--shapes", nargs="+", default=["blanks", "lines"], choices=["blanks", "lines"])
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    from accessproof.generate.sources import DEFAULT_MAX_FILE_BYTES, format_bytes

    limit = args.limit or DEFAULT_MAX_FILE_BYTES
    if args.measure:
        print(json.dumps(measure(args.measure, limit)))
        return
    from tests.security.gzip_bombs import write_gzip_bomb

    print(f"per-file limit {format_bytes(limit)}; {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="accessproof-bombs-") as scratch:
        folder = Path(scratch)
        base = baseline(folder, limit)
        print(f"baseline (one genuine event): peak {base['peak_mib']:.0f} MiB, {base['seconds']:.1f} s")
        for shape in args.shapes:
            print(f"{shape}:")
            print(f"  {'content':>9} {'file':>9} {'outcome':<8} {'peak RSS':>9} {'time':>7}")
            for mib in (s for s in SIZES_MIB if s <= args.largest):
                path = folder / f"bomb-{shape}-{mib}.json.gz"
                write_gzip_bomb(path, mib, shape)
                m = in_process(path, limit)
                outcome = "skipped" if m["skipped"] else "read"
                print(f"  {mib:>5} MiB {path.stat().st_size / 2**20:>5.1f} MiB {outcome:<8} {m['peak_mib']:>5.0f} MiB "
                      f"{m['seconds']:>6.1f}s")
                path.unlink()


if __name__ == "__main__":
    main()
