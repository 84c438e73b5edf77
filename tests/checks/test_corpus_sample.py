"""A sample of the managed-policy corpus bench (bench/checks_corpus.py): no exception, no
unknown, every FAIL witnessed (each witness is replayed inside the checks)."""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "corpus" / "aws-managed-policies.jsonl.gz"
sys.path.insert(0, str(ROOT / "bench"))


@pytest.mark.skipif(not CORPUS.exists(), reason="corpus not available")
def test_corpus_sample():
    import checks_corpus

    with gzip.open(CORPUS, "rt") as f:
        records = [json.loads(line) for i, line in enumerate(f) if i % 60 == 0]  # spread over the corpus
    report = checks_corpus.run(records)
    for check, r in report.items():
        assert r["runs"] > 0
        assert r["errors"] == [], (check, r["errors"])
