"""Custom policy checks over the AWS managed-policy corpus.

check_no_new_access(new=version i+1, existing=version i) for every consecutive pair of versions
of one policy, and check_access_not_granted for a fixed list of sensitive actions on every
current version. Prints median, p90, p99 and max time per check, FAIL counts, and every error
(an exception, an unknown, an unconfirmed FAIL). Exit status 1 when there is any error.

    python bench/checks_corpus.py [--limit N] [--corpus PATH]
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from corpus import MANAGED_POLICIES as CORPUS  # noqa: E402

from accessproof.checks import check_access_not_granted, check_no_new_access  # noqa: E402
SENSITIVE_ACTIONS = [
    "iam:PassRole", "iam:CreateAccessKey", "iam:AttachRolePolicy", "iam:PutRolePolicy", "iam:CreateUser",
    "sts:AssumeRole", "s3:DeleteBucket", "s3:PutBucketPolicy", "kms:Decrypt", "kms:ScheduleKeyDeletion",
    "ec2:TerminateInstances", "organizations:LeaveOrganization", "cloudtrail:StopLogging",
    "lambda:UpdateFunctionCode", "secretsmanager:GetSecretValue",
]


def load(path: Path) -> list[dict]:
    with gzip.open(path, "rt") as f:
        return [json.loads(line) for line in f]


def pairs(records: list[dict]):
    for old, new in zip(records, records[1:]):
        if old["name"] == new["name"]:
            yield old, new


def current(records: list[dict]):
    for i, r in enumerate(records):
        if i + 1 == len(records) or records[i + 1]["name"] != r["name"]:
            yield r


def percentile(times: list[float], q: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run(records: list[dict], limit: int | None = None) -> dict:
    report: dict = {}
    jobs = {
        "check_no_new_access": [
            (f"{old['name']} {old['versionId']}->{new['versionId']}",
             lambda o=old, n=new: check_no_new_access(json.dumps(n["document"]), json.dumps(o["document"]), "IDENTITY_POLICY"))
            for old, new in pairs(records)],
        "check_access_not_granted": [
            (r["name"], lambda r=r: check_access_not_granted(json.dumps(r["document"]), [{"actions": SENSITIVE_ACTIONS}],
                                                              "IDENTITY_POLICY"))
            for r in current(records)],
    }
    for check, items in jobs.items():
        items = items[:limit] if limit else items
        times, fails, errors = [], 0, []
        for name, job in items:
            start = time.perf_counter()
            try:
                result = job().as_dict()
            except Exception as e:  # noqa: BLE001 - reported, the bench fails
                errors.append(f"{name}: {type(e).__name__}: {e}")
                continue
            finally:
                elapsed = time.perf_counter() - start
                times.append(elapsed)
                if elapsed > 1.0:
                    print(f"  slow: {check} {name}: {elapsed:.1f} s", file=sys.stderr, flush=True)
            if result["result"] == "FAIL":
                fails += 1
                if "witness" not in result:
                    errors.append(f"{name}: FAIL without a confirmed witness: {result['message']}")
        report[check] = {
            "runs": len(items), "fail": fails, "errors": errors,
            "median_ms": 1000 * statistics.median(times) if times else 0,
            "p90_ms": 1000 * percentile(times, 0.90) if times else 0,
            "p99_ms": 1000 * percentile(times, 0.99) if times else 0,
            "max_ms": 1000 * max(times) if times else 0,
        }
    return report


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args()
    report = run(load(args.corpus), args.limit)
    status = 0
    for check, r in report.items():
        print(f"{check}: {r['runs']} runs, {r['fail']} FAIL, {len(r['errors'])} errors; "
              f"median {r['median_ms']:.1f} ms, p90 {r['p90_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, max {r['max_ms']:.1f} ms")
        for e in r["errors"][:50]:
            print("  error:", e)
        status |= bool(r["errors"])
    return status


if __name__ == "__main__":
    sys.exit(main())
