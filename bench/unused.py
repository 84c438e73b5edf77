"""Unused access analysis of a generated organization: 50 accounts × 400 roles, with last-accessed data.

Each account snapshot is written to a temporary folder: 400 roles, each with two of twelve
managed policies (the same twelve in every account, as landing zones do) and its own
``get-service-last-accessed-details.json``; a third of the roles were last used long ago, and most
used roles have some service or action unused. The organization folder lists the 50 snapshots.
Printed: load time, analysis time, findings, peak memory (max RSS), roles per second.

    python bench/unused.py [--accounts 50] [--roles 400] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import resource as rusage
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.parallel.snapshots import MANAGEMENT, NOW, write_organization  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=50)
    parser.add_argument("--roles", type=int, default=400)
    parser.add_argument("--keep", type=Path, help="write the organization here and keep it")
    args = parser.parse_args()
    from accessproof.analyzers.unused import ORGANIZATION_UNUSED_ACCESS, analyze_accounts, settings_from_configuration
    from accessproof.analyzers.unused_service import load_accounts

    root = args.keep or Path(tempfile.mkdtemp(prefix="accessproof-unused-bench-"))
    try:
        started = time.perf_counter()
        write_organization(root, args.accounts, args.roles)
        written = time.perf_counter()
        accounts, organization = load_accounts(root)
        loaded = time.perf_counter()
        settings = settings_from_configuration(None, ORGANIZATION_UNUSED_ACCESS, MANAGEMENT)
        analysis = analyze_accounts(accounts, settings, NOW)
        analysed = time.perf_counter()
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    roles = args.accounts * args.roles
    kinds: dict[str, int] = {}
    for finding in analysis.findings:
        kinds[finding.finding_type] = kinds.get(finding.finding_type, 0) + 1
    peak_mib = rusage.getrusage(rusage.RUSAGE_SELF).ru_maxrss / 1024
    print(f"organization: {args.accounts} accounts x {args.roles} roles = {roles} roles "
          f"(written in {written - started:.1f} s)")
    print(f"load:     {loaded - written:.2f} s")
    print(f"analysis: {analysed - loaded:.2f} s ({roles / max(analysed - loaded, 1e-9):,.0f} roles/s)")
    print(f"findings: {len(analysis.findings)} {json.dumps(kinds, sort_keys=True)}")
    print(f"peak memory (max RSS): {peak_mib:,.0f} MiB")


if __name__ == "__main__":
    main()
