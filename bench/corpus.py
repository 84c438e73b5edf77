"""The policy corpus: the shared one (``../shared/corpus/``) and the sample the repository carries.

``ACCESSPROOF_CORPUS`` points at another copy of the shared corpus. The sample
(``tests/data/corpus/``) holds every version of one policy in eight, so that tests run in a plain
``git clone``; benchmarks and the corpus-wide tests read the shared corpus.
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("ACCESSPROOF_CORPUS", ROOT.parent / "shared" / "corpus"))
MANAGED_POLICIES = CORPUS / "aws-managed-policies.jsonl.gz"
SAMPLE_CORPUS = ROOT / "tests" / "data" / "corpus"
MANAGED_POLICIES_SAMPLE = SAMPLE_CORPUS / "aws-managed-policies-sample.jsonl.gz"
CLOUDTRAIL_SAMPLE = SAMPLE_CORPUS / "cloudtrail" / "stratus-red-team"


def managed_policy_records(path: Path = MANAGED_POLICIES) -> Iterator[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            yield json.loads(line)


def current_policies(path: Path = MANAGED_POLICIES) -> list[tuple[str, str]]:
    """(name, policy text) of the newest version of every AWS managed policy, pretty-printed.

    A policy's versions are in ascending order in the file, so the last record of a name wins.
    """
    latest: dict[str, dict] = {}
    for r in managed_policy_records(path):
        latest[r["name"]] = r["document"]
    return [(name, json.dumps(doc, indent=4)) for name, doc in latest.items()]
