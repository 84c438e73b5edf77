"""``validate-policy DIR`` over several processes prints what one process prints, file for file."""

from __future__ import annotations

import gzip
import itertools
import json
from pathlib import Path

from accessproof.cli import validate
from corpus import MANAGED_POLICIES_SAMPLE

from ..cli.conftest import cli  # noqa: F401  (the fixture)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "policies"


def _policies(directory: Path, count: int) -> Path:
    """``count`` policy files: the example policies (findings of every kind) and managed policies."""
    directory.mkdir()
    examples = sorted(EXAMPLES.glob("*.json"))
    for index, example in enumerate(examples):
        (directory / f"{index:03d}-{example.name}").write_text(example.read_text())
    with gzip.open(MANAGED_POLICIES_SAMPLE, "rt") as lines:  # carried by the repository
        current = (json.loads(line) for line in lines)
        chosen = itertools.islice((r for r in current if r.get("current")), count - len(examples))
        for index, record in enumerate(chosen, start=len(examples)):
            document = record["document"]
            text = document if isinstance(document, str) else json.dumps(document, indent=2)
            (directory / f"{index:03d}-{record['name']}.json").write_text(text)
    return directory


def test_many_files_on_two_workers_print_what_one_prints(cli, tmp_path):  # noqa: F811
    directory = _policies(tmp_path / "policies", validate.PARALLEL_MIN_FILES + 16)
    for output in ("json", "sarif"):
        alone = cli("validate-policy", str(directory), "--output", output, "--workers", "1")
        spread = cli("validate-policy", str(directory), "--output", output, "--workers", "2")
        assert alone.code == spread.code == 1, alone.err
        assert spread.out == alone.out and spread.err == alone.err == ""
    lines = alone.out  # json: one line per file, in file order
    assert cli("validate-policy", str(directory), "--workers", "2").out.count("\n") == validate.PARALLEL_MIN_FILES + 16
    assert "overly-broad-passrole" in lines


def test_a_bad_file_among_many_is_reported_as_in_one_process(cli, tmp_path):  # noqa: F811
    directory = _policies(tmp_path / "policies", validate.PARALLEL_MIN_FILES + 4)
    (directory / "050-broken.json").write_text('{"Version": "2012-10-17", "Statement": [')
    (directory / "070-broken.json").write_text("[]")
    alone = cli("validate-policy", str(directory), "--workers", "1")
    spread = cli("validate-policy", str(directory), "--workers", "2")
    assert spread.code == alone.code
    assert spread.err == alone.err
    assert spread.out == alone.out


def test_refused_and_unreadable_files_among_many_are_reported_as_in_one_process(cli, tmp_path):  # noqa: F811
    from ..cli.test_validate_many import LARGE, MALFORMED, NOT_UTF8

    directory = _policies(tmp_path / "policies", validate.PARALLEL_MIN_FILES + 4)
    (directory / "010-large.json").write_text(LARGE)  # over 32,768 characters: ValidatePolicy refuses it
    (directory / "040-malformed.json").write_text(MALFORMED)
    (directory / "060-latin1.json").write_bytes(NOT_UTF8)
    (directory / "999-large.json").write_text(LARGE)  # in the last shard
    for output in ("json", "text", "sarif"):
        alone = cli("validate-policy", str(directory), "--output", output, "--workers", "1")
        spread = cli("validate-policy", str(directory), "--output", output, "--workers", "2")
        assert alone.code == spread.code == 2
        assert spread.out == alone.out and spread.err == alone.err
        assert [line.split(": ")[0] for line in spread.err.splitlines()] == ["accessproof"] * 3
        assert all(name in spread.err for name in ("010-large.json", "060-latin1.json", "999-large.json"))
        assert spread.out.count("010-large.json") >= 1 and spread.out.count("999-large.json") >= 1
    lines = [json.loads(line) for line in cli("validate-policy", str(directory), "--workers", "2").out.splitlines()]
    assert len(lines) == validate.PARALLEL_MIN_FILES + 4 + 4
    errors = {Path(line["file"]).name: line["error"]["code"] for line in lines if "error" in line}
    assert errors == {"010-large.json": "ValidationException", "060-latin1.json": "UnreadableFile",
                      "999-large.json": "ValidationException"}
