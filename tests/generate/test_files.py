"""Log files as delivered (S3 folder layout, gzip, {"Records": [...]}, arrays, one event per
line), and bad files: corrupt, truncated and foreign files are reported by name and skipped,
and the result says it is incomplete."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from accessproof.generate import generate_policy, parse_time
from accessproof.generate.collect import discover
from accessproof.generate.sources import ARRAY, LINES, RECORDS

from .conftest import CORPUS

USER = "arn:aws:iam::457448411975:user/christophe"
ROLE = "arn:aws:iam::457448411975:role/stratus-red-team-ec2-get-password-data-role"
SAMPLE = "aws.credential-access.ec2-get-password-data.json.gz"
START = parse_time("2024-07-01")


def sample_events() -> list[dict]:
    return json.loads(gzip.decompress((CORPUS / SAMPLE).read_bytes()))


def write_trail(root: Path, events: list[dict]) -> Path:
    """The events as CloudTrail delivers them: gzip {"Records": [...]} in the S3 folder layout."""
    folder = root / "AWSLogs" / "457448411975" / "CloudTrail" / "us-east-1" / "2024" / "07" / "30"
    folder.mkdir(parents=True)
    half = len(events) // 2
    for i, chunk in enumerate((events[:half], events[half:])):
        with gzip.open(folder / f"457448411975_CloudTrail_us-east-1_20240730T2130Z_{i}.json.gz", "wt") as f:
            json.dump({"Records": chunk}, f)
    digest = root / "AWSLogs" / "457448411975" / "CloudTrail-Digest" / "us-east-1" / "2024" / "07" / "30"
    digest.mkdir(parents=True)
    with gzip.open(digest / "digest.json.gz", "wt") as f:
        json.dump({"awsAccountId": "457448411975", "logFiles": []}, f)
    return root


def test_layouts_are_recognised(tmp_path: Path) -> None:
    events = sample_events()
    write_trail(tmp_path / "trail", events)
    (tmp_path / "array.json").write_text(json.dumps(events))
    (tmp_path / "lines.jsonl").write_text("\n".join(json.dumps(e) for e in events))
    found = discover([str(tmp_path)])
    assert not found.problems  # the digest folder is not read at all
    assert sorted(f.layout for f in found.files) == sorted([RECORDS, RECORDS, ARRAY, LINES])


def test_same_policy_from_every_layout(tmp_path: Path) -> None:
    events = sample_events()
    write_trail(tmp_path / "trail", events)
    (tmp_path / "array.json").write_text(json.dumps(events))
    (tmp_path / "lines.jsonl").write_text("\n".join(json.dumps(e) for e in events))
    reference = generate_policy(ROLE, [str(CORPUS / SAMPLE)], start=START)
    for source in ("trail", "array.json", "lines.jsonl"):
        result = generate_policy(ROLE, [str(tmp_path / source)], start=START)
        assert result.documents == reference.documents and result.is_complete
        assert result.calls_selected == 30


def test_bad_files_are_reported_by_name_and_skipped(tmp_path: Path) -> None:
    events = sample_events()
    write_trail(tmp_path / "trail", events)
    bad = tmp_path / "bad"
    bad.mkdir()
    raw = gzip.compress(json.dumps({"Records": events}).encode())
    (bad / "truncated.json.gz").write_bytes(raw[: len(raw) // 2])
    (bad / "truncated.json").write_text(json.dumps(events)[:3000])
    (bad / "corrupt.json.gz").write_bytes(b"\x1f\x8b" + b"\x00garbage" * 20)
    (bad / "notgzip.json.gz").write_bytes(b"plain text")
    (bad / "foreign.json").write_text(json.dumps({"Version": "2012-10-17", "Statement": []}))
    (bad / "foreign-array.json").write_text(json.dumps([{"Version": "2012-10-17"}]))
    result = generate_policy(ROLE, [str(tmp_path)], start=START)
    skipped = {Path(p.name).name: p.reason for p in result.problems}
    assert set(skipped) == {"truncated.json.gz", "truncated.json", "corrupt.json.gz", "notgzip.json.gz",
                            "foreign.json", "foreign-array.json"}
    # A truncated gzip file's last bytes are no size trailer: the reason is about the file, not a buffer.
    assert "maximum_object_size" not in skipped["truncated.json.gz"] and "4294967296" not in skipped["truncated.json.gz"]
    assert not result.is_complete
    out = result.generated_policy_result()
    assert out["properties"]["isComplete"] is False
    assert {Path(s["file"]).name for s in out["accessproof"]["skippedFiles"]} == set(skipped)
    # The good files are still read.
    reference = generate_policy(ROLE, [str(CORPUS / SAMPLE)], start=START)
    assert result.documents == reference.documents


def test_region_and_date_folders_prune_files(tmp_path: Path) -> None:
    write_trail(tmp_path, sample_events())
    assert discover([str(tmp_path)], regions=frozenset({"eu-west-1"})).files == ()
    assert discover([str(tmp_path)], start=parse_time("2024-09-01")).files == ()
    assert len(discover([str(tmp_path)], start=parse_time("2024-07-30")).files) == 2


def test_user_selection_excludes_other_principals(tmp_path: Path) -> None:
    result = generate_policy(USER, [str(CORPUS / SAMPLE)], start=START)
    assert result.calls_selected == 4  # the user's AssumeRole calls, not the role's


def test_unmappable_events_are_reported_not_dropped(tmp_path: Path) -> None:
    events = sample_events()
    odd = dict(events[0], eventSource="madeup.amazonaws.com", eventName="DoSomethingNew", errorCode=None)
    ok = dict(events[0], eventSource="sts.amazonaws.com", eventName="GetCallerIdentity", errorCode=None)
    (tmp_path / "events.json").write_text(json.dumps(events + [odd, odd, ok]))
    result = generate_policy(ROLE, [str(tmp_path)], start=START)
    report = result.generated_policy_result()
    assert report["accessproof"]["unmappedEvents"] == [
        {"eventSource": "madeup.amazonaws.com", "eventName": "DoSomethingNew", "count": 2}]
    assert report["accessproof"]["noPermissionEvents"] == [
        {"eventSource": "sts.amazonaws.com", "eventName": "GetCallerIdentity", "count": 1}]
    assert report["properties"]["isComplete"] is False
