"""Validate every current AWS managed policy with accessproof and with parliament, in one process.

    .venv/bin/python bench/validate_corpus.py

Prints the wall time of each, the ratio, and the findings counted by type. parliament is the
best-known open-source IAM linter (installed from PyPI with the ``bench`` extra).
"""

from __future__ import annotations

import collections
import logging
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import current_policies  # noqa: E402

from accessproof.validate.engine import validate_policy  # noqa: E402


def run_accessproof(policies: list[tuple[str, str]]) -> tuple[float, collections.Counter]:
    counts: collections.Counter = collections.Counter()
    start = time.perf_counter()
    for _, text in policies:
        findings, _ = validate_policy(text, "IDENTITY_POLICY")
        counts.update(f.finding_type for f in findings)
    return time.perf_counter() - start, counts


def run_parliament(policies: list[tuple[str, str]]) -> tuple[float, int]:
    import parliament

    logging.disable(logging.CRITICAL)  # parliament logs every unknown action
    findings = 0
    start = time.perf_counter()
    for name, text in policies:
        result = parliament.analyze_policy_string(text, filepath=name, include_community_auditors=True)
        findings += len(result.findings)
    return time.perf_counter() - start, findings


def main() -> None:
    policies = current_policies()
    print(f"corpus: {len(policies)} current AWS managed policies")
    # Load each tool's data once before timing, as a long-running process would have it.
    validate_policy(policies[0][1], "IDENTITY_POLICY")
    ours, counts = run_accessproof(policies)
    print(f"accessproof: {ours:8.2f} s  ({len(policies) / ours:7.0f} policies/s)  findings: {dict(counts)}")
    try:
        import parliament  # noqa: F401
    except ImportError:
        print("parliament: not installed (pip install '.[bench]')")
        return
    run_parliament(policies[:1])
    theirs, n = run_parliament(policies)
    print(f"parliament:  {theirs:8.2f} s  ({len(policies) / theirs:7.0f} policies/s)  findings: {n}")
    print(f"accessproof is {theirs / ours:.1f}x faster than parliament")


if __name__ == "__main__":
    main()
