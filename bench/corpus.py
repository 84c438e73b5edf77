"""The shared policy corpus (``../shared/corpus/aws-managed-policies.jsonl.gz``)."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path
from typing import Iterator

CORPUS = Path(os.environ.get("ACCESSPROOF_CORPUS", Path(__file__).resolve().parents[1].parent / "shared" / "corpus"))
MANAGED_POLICIES = CORPUS / "aws-managed-policies.jsonl.gz"


def managed_policy_records() -> Iterator[dict]:
    with gzip.open(MANAGED_POLICIES, "rt", encoding="utf-8") as f:
        for line in f:
            yield json.loads(line)


def current_policies() -> list[tuple[str, str]]:
    """(name, policy text) of the newest version of every AWS managed policy, pretty-printed.

    A policy's versions are in ascending order in the file, so the last record of a name wins.
    """
    latest: dict[str, dict] = {}
    for r in managed_policy_records():
        latest[r["name"]] = r["document"]
    return [(name, json.dumps(doc, indent=4)) for name, doc in latest.items()]
