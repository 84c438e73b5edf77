"""Shared fixtures: the real CloudTrail samples, read in place from the shared corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "corpus" / "cloudtrail" / "stratus-red-team"
# The samples span July to November 2024; a window over all of them (wider than AWS's 90 days,
# which only the client enforces) lets every principal's activity count.
ALL_TIME = ("2024-01-01T00:00:00Z", "2025-12-31T00:00:00Z")


def corpus_events() -> list[dict]:
    events: list[dict] = []
    for path in sorted(CORPUS.glob("*.json")):
        events.extend(json.loads(path.read_text()))
    return events


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"CloudTrail corpus not found at {CORPUS}")
    return CORPUS
