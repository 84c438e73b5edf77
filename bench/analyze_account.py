"""External access analysis of generated account snapshots of 1,000, 5,000 and 20,000 resources.

Each snapshot is made from the bundled example account (36 resources of all 16 types): resource
i is a copy of example resource i mod 36 under its own ARN, and one copy in ten grants access to
its own partner account, so the policies repeat as they do in real accounts while about a tenth
of the configurations are new. Each size runs in a fresh process; printed: analysis time (wall
and CPU), peak memory (max RSS of that process), resources per second, distinct configurations
analyzed.

    python bench/analyze_account.py [--sizes 1000 5000 20000]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import resource as rusage
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PARTNER = "999988887777"


def _rename(value, old: str, new: str, partner: str):
    if isinstance(value, str):
        return value.replace(old, new).replace(PARTNER, partner)
    if isinstance(value, tuple):
        return tuple(_rename(v, old, new, partner) for v in value)
    if dataclasses.is_dataclass(value):
        return dataclasses.replace(value, **{f.name: _rename(getattr(value, f.name), old, new, partner)
                                             for f in dataclasses.fields(value) if f.init})
    return value


def generated_snapshot(size: int):
    from accessproof.inventory.load import load_snapshot
    from accessproof.inventory.model import Snapshot

    example = load_snapshot(ROOT / "examples" / "account")
    resources = []
    for i in range(size):
        original = example.resources[i % len(example.resources)]
        partner = f"{100000000000 + i:012d}" if i % 10 == 0 else PARTNER
        copy = _rename(original, original.arn, f"{original.arn}-{i}", partner)
        resources.append(copy)
    return Snapshot(str(ROOT / "examples" / "account"), example.account, tuple(resources),
                    example.account_public_access_block)


def run_one(size: int) -> dict:
    from accessproof.analyzers.external import ACCOUNT, ExternalAccessAnalyzer, ZoneOfTrust

    snapshot = generated_snapshot(size)
    analyzer = ExternalAccessAnalyzer(ZoneOfTrust.of(snapshot.account, ACCOUNT))
    start, cpu_start = time.perf_counter(), time.process_time()
    analyses = analyzer.analyze_snapshot(snapshot)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    findings = sum(len(a.findings) for a in analyses)
    # The example has a key whose policy the snapshot could not read: its ACCESS_DENIED findings
    # are expected; any other error is an analysis that failed.
    unreadable = sum(1 for a in analyses for f in a.findings if f.error == "ACCESS_DENIED")
    errors = sum(1 for a in analyses for f in a.findings if f.error and f.error != "ACCESS_DENIED")
    return {"size": size, "seconds": elapsed, "cpu": cpu, "findings": findings, "errors": errors,
            "unreadable": unreadable, "distinct": size - analyzer.hits,
            "peak_mib": rusage.getrusage(rusage.RUSAGE_SELF).ru_maxrss / 1024}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 20000])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one)))
        return 0
    print(f"{'resources':>10} {'distinct':>9} {'findings':>9} {'seconds':>8} {'CPU s':>7} {'res/s':>8} {'peak MiB':>9}")
    status = 0
    for size in args.sizes:
        out = subprocess.run([sys.executable, __file__, "--one", str(size)], capture_output=True, text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{r['size']:>10,} {r['distinct']:>9,} {r['findings']:>9,} {r['seconds']:>8.1f} {r['cpu']:>7.1f} "
              f"{r['size'] / r['seconds']:>8,.0f} {r['peak_mib']:>9.0f}")
        if r["unreadable"]:
            print(f"  {r['unreadable']} ACCESS_DENIED findings (copies of the example's unreadable key)")
        if r["errors"]:
            print(f"  {r['errors']} resources could not be analyzed", file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
