"""Reading CloudTrail logs in shards of files, in tasks (a Ray cluster), merged into one scan's activity.

On one machine DuckDB already reads the logs on every core (``read_activity``). Past one machine,
``read_activity_in_shards`` splits the files into shards of about equal size, reads each shard
with ``read_activity`` in a task of an ``accessproof.parallel`` executor, and merges the shards'
aggregates: groups with the same key (principal, call, Region, account, error, parameters,
resources, day, access key) add their counts and keep the earliest first and latest last time.
The result is the activity one scan of all the files gives (the caller that names a group, one
of its callers in DuckDB's own aggregation, is the first shard's). The tasks read the files at the
paths given: on a cluster, the logs must be at the same path on every node (a shared volume).
"""

from __future__ import annotations

from datetime import datetime
from typing import Optional, Sequence

from ..parallel import Executor
from .reader import Activity, CallGroup, PrincipalSelector, read_activity
from .sources import LogFile

SHARDS_PER_WORKER = 2


def shards_by_size(files: Sequence[LogFile], parts: int) -> list[list[LogFile]]:
    """``files`` in at most ``parts`` non-empty shards of about equal uncompressed size (largest
    file first into the lightest shard), each in the files' order."""
    parts = max(1, min(parts, len(files)))
    loads = [0] * parts
    chosen: list[list[int]] = [[] for _ in range(parts)]
    for index in sorted(range(len(files)), key=lambda i: -files[i].content_size):
        lightest = loads.index(min(loads))
        chosen[lightest].append(index)
        loads[lightest] += files[index].content_size
    return [[files[i] for i in sorted(shard)] for shard in chosen if shard]


def read_shard(payload: tuple[list[LogFile], Optional[PrincipalSelector], Optional[datetime], Optional[datetime]]
               ) -> Activity:
    """One shard's activity (a task; module level, to be pickled)."""
    files, selector, start, end = payload
    return read_activity(files, selector, start, end)


def _key(group: CallGroup) -> tuple:
    return (group.principal, group.event_source, group.event_name, group.region, group.account, group.error_code,
            group.request_parameters, group.resources, group.day, group.access_key)


def merge_activities(parts: Sequence[Activity]) -> Activity:
    """The activity of all the shards' files, as one scan of them gives it."""
    merged: dict[tuple, CallGroup] = {}
    out = Activity()
    for part in parts:
        out.problems.extend(part.problems)
        out.events_read += part.events_read
        out.files_read += part.files_read
        if part.data_end is not None and (out.data_end is None or part.data_end > out.data_end):
            out.data_end = part.data_end
        for group in part.groups:
            key = _key(group)
            seen = merged.get(key)
            merged[key] = group if seen is None else seen._replace(
                count=seen.count + group.count, first_seen=min(seen.first_seen, group.first_seen),
                last_seen=max(seen.last_seen, group.last_seen))
    out.groups = list(merged.values())
    return out


def read_activity_in_shards(files: Sequence[LogFile], executor: Executor, selector: Optional[PrincipalSelector] = None,
                            start: Optional[datetime] = None, end: Optional[datetime] = None) -> Activity:
    """``read_activity`` of ``files``, the files read in shards on the executor's workers."""
    shards = shards_by_size(files, executor.workers * SHARDS_PER_WORKER)
    if len(shards) <= 1:
        return read_activity(files, selector, start, end)
    parts = executor.map(read_shard, [(shard, selector, start, end) for shard in shards],
                         lambda i: f"{len(shards[i])} log files from {shards[i][0].name}")
    return merge_activities(parts)
