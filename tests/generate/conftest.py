"""Shared fixtures: the real CloudTrail samples the repository carries (``tests/data/corpus``)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from corpus import CLOUDTRAIL_SAMPLE

CORPUS = CLOUDTRAIL_SAMPLE
# The samples span July to November 2024; a window over all of them (wider than AWS's 90 days,
# which only the client enforces) lets every principal's activity count.
ALL_TIME = ("2024-01-01T00:00:00Z", "2025-12-31T00:00:00Z")


def corpus_events() -> list[dict]:
    events: list[dict] = []
    for path in sorted(CORPUS.glob("*.json.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            events.extend(json.load(f))
    return events


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return CORPUS
