"""The reader's fast path for CloudTrail's own files ({"Records": [...]} on one line, read as a
line) gives exactly what the general path (the whole file as one JSON value) gives, including
for files that break a line further on, records of unexpected types and damaged files."""

from __future__ import annotations

import dataclasses
import gzip
import json
from pathlib import Path

from accessproof.generate.reader import read_activity
from accessproof.generate.collect import discover
from accessproof.generate.sources import RECORDS

from .test_files import sample_events


def _general(files):
    return [dataclasses.replace(f, single_line=False) for f in files]


def _summary(activity) -> tuple:
    groups = sorted((tuple(g) for g in activity.groups), key=repr)
    return groups, sorted((p.name, p.reason) for p in activity.problems), activity.events_read, activity.data_end


def _write_cases(root: Path) -> None:
    events = sample_events()
    text = json.dumps({"Records": events})
    with gzip.open(root / "one-line.json.gz", "wt") as f:
        f.write(text)
    (root / "pretty.json").write_text(json.dumps({"Records": events}, indent=2))
    cut = text.index("},", len(text) // 2) + 2  # a line break well past the probed first bytes
    (root / "late-break.json").write_text(text[:cut] + "\n" + text[cut:])
    odd = [dict(events[0], userIdentity="not an object"), dict(events[1], requestParameters="text"), "junk", 5,
           dict(events[2], eventTime=12345), {"foo": 1}]
    (root / "odd.json").write_text(json.dumps({"Records": events[3:8] + odd}))
    (root / "two-lines.json").write_text(json.dumps({"Records": events[:5]}) + "\n" + json.dumps({"Records": events[5:9]}))
    (root / "empty.json").write_text(json.dumps({"Records": []}))
    raw = gzip.compress(text.encode())
    (root / "truncated.json.gz").write_bytes(raw[: len(raw) // 2])
    (root / "truncated.json").write_text(text[:3000])
    (root / "corrupt.json.gz").write_bytes(b"\x1f\x8b" + b"\x00garbage" * 20)


def test_one_line_files_are_told_apart(tmp_path: Path) -> None:
    _write_cases(tmp_path)
    found = {Path(f.name).name: f for f in discover([str(tmp_path)]).files}
    assert all(f.layout == RECORDS for f in found.values())
    assert found["one-line.json.gz"].single_line and found["late-break.json"].single_line
    assert not found["pretty.json"].single_line


def test_fast_path_reads_what_the_general_path_reads(tmp_path: Path) -> None:
    _write_cases(tmp_path)
    found = discover([str(tmp_path)])
    files = found.files
    fast, general = read_activity(files), read_activity(_general(files))
    assert _summary(fast) == _summary(general)
    assert {Path(p.name).name for p in fast.problems} >= {"truncated.json"}
    # Damaged gzip streams are found while measuring, before DuckDB reads anything.
    assert {Path(p.name).name for p in found.problems} == {"truncated.json.gz", "corrupt.json.gz"}
    assert fast.events_read > 0


def test_fast_path_alone_matches_per_file(tmp_path: Path) -> None:
    _write_cases(tmp_path)
    for f in discover([str(tmp_path)]).files:
        assert _summary(read_activity([f])) == _summary(read_activity(_general([f]))), f.name
