"""Logs read in shards of files (as Ray tasks read them) and merged give what one scan of all the
files gives: the same aggregates, totals, and generated policies."""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from accessproof.generate import generate_from_activity, parse_time
from accessproof.generate.collect import discover
from accessproof.generate.reader import read_activity
from accessproof.generate.shards import merge_activities, read_activity_in_shards, shards_by_size
from accessproof.parallel import LocalExecutor

from .conftest import ALL_TIME, CORPUS, corpus_events
from .test_many_principals import _principals


@dataclass
class InOrder:
    """An executor that pretends to have ``workers`` and maps in this process (shards, no processes)."""

    workers: int

    def map(self, function, payloads, describe=None):
        return [function(p) for p in payloads]


def _aggregates(activity) -> dict:
    return {(g.principal, g.event_source, g.event_name, g.region, g.account, g.error_code, g.request_parameters,
             g.resources, g.day, g.access_key): (g.count, g.first_seen, g.last_seen) for g in activity.groups}


def test_shards_split_files_evenly_and_keep_each_once():
    files = discover([str(CORPUS)]).files
    assert len(files) >= 4
    for parts in (1, 2, 3, len(files), len(files) + 5):
        shards = shards_by_size(files, parts)
        assert sorted(f.path for shard in shards for f in shard) == sorted(f.path for f in files)
        assert len(shards) == min(parts, len(files)) and all(shards)


@pytest.fixture(scope="module")
def dealt(tmp_path_factory) -> Path:
    """The corpus' events dealt round-robin into five files: the same calls of a day in several
    files, so that shards have groups to merge."""
    folder = tmp_path_factory.mktemp("dealt")
    events = corpus_events()
    for index in range(5):
        with gzip.open(folder / f"part-{index}.json.gz", "wt") as f:
            json.dump({"Records": events[index::5]}, f)
    return folder


def test_sharded_reads_merge_to_one_scan(dealt):
    files = discover([str(dealt)]).files
    whole = read_activity(files)
    shard_groups = sum(len(read_activity(shard).groups) for shard in shards_by_size(files, 3))
    assert shard_groups > len(whole.groups)  # groups span shards: the merge has work
    start, end = (parse_time(t) for t in ALL_TIME)
    for workers in (2, 3):
        merged = read_activity_in_shards(files, InOrder(workers))
        assert _aggregates(merged) == _aggregates(whole)
        assert len(merged.groups) == len(whole.groups)
        assert (merged.events_read, merged.files_read, merged.data_end) == (whole.events_read, whole.files_read,
                                                                            whole.data_end)
        for principal in _principals():
            assert generate_from_activity(principal, merged, start=start, end=end).generated_policy_result() == \
                generate_from_activity(principal, whole, start=start, end=end).generated_policy_result(), principal


def test_sharded_reads_on_worker_processes():
    files = discover([str(CORPUS)]).files
    workers = LocalExecutor(2)
    try:
        merged = read_activity_in_shards(files, workers)
    finally:
        workers.close()
    assert _aggregates(merged) == _aggregates(read_activity(files))


def test_merging_one_activity_changes_nothing():
    whole = read_activity(discover([str(CORPUS)]).files)
    assert _aggregates(merge_activities([whole])) == _aggregates(whole)
