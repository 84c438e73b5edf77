"""``validate-policy DIR`` reports every file: a file ValidatePolicy refuses (over 32,768
characters, past accessproof's JSON limits) or that cannot be read as text is reported in its
place, named on standard error, and the run goes on; exit 2 when any file was not validated."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from accessproof.validate.rules.size import MAX_POLICY_DOCUMENT_CHARS

from .conftest import EXAMPLES
from .test_sarif import results, valid_log

STATEMENT = '{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}'
LARGE = '{"Version": "2012-10-17", "Statement": [' + ", ".join([STATEMENT] * 400) + "]}"
MALFORMED = '{"Version": "2012-10-17", "Statement": ['
DEEP = '{"Version": "2012-10-17", "Statement": ' + "[" * 200 + "]" * 200 + "}"
NOT_UTF8 = b'{"Version": "2012-10-17", "Sid": "caf\xe9"}'
REFUSED = f"InvalidPolicy (ValidatePolicy refuses documents longer than {MAX_POLICY_DOCUMENT_CHARS} characters)"


def write_folder(folder: Path, broken: bool = True) -> Path:
    """a: no findings; b: a SECURITY_WARNING; c: too large; d: not JSON; e: not UTF-8; f: too deep."""
    folder.mkdir()
    (folder / "a-good.json").write_text((EXAMPLES / "policies" / "read-reports-bucket.json").read_text())
    (folder / "b-failing.json").write_text((EXAMPLES / "policies" / "overly-broad-passrole.json").read_text())
    if broken:
        assert len(LARGE) > MAX_POLICY_DOCUMENT_CHARS
        (folder / "c-large.json").write_text(LARGE)
        (folder / "d-malformed.json").write_text(MALFORMED)
        (folder / "e-latin1.json").write_bytes(NOT_UTF8)
        (folder / "f-deep.json").write_text(DEEP)
    return folder


@pytest.fixture
def folder(tmp_path) -> Path:
    return write_folder(tmp_path / "policies")


def assert_refused_on_stderr(err: str, folder: Path) -> None:
    lines = err.splitlines()
    assert len(lines) == 3, err
    assert lines[0] == f"accessproof: error: {folder / 'c-large.json'}: {REFUSED}"
    assert lines[1].startswith(f"accessproof: error: {folder / 'e-latin1.json'}: not valid UTF-8")
    assert lines[2].startswith(f"accessproof: error: {folder / 'f-deep.json'}: policyDocument: ")


@pytest.mark.parametrize("fail_on", ["SECURITY_WARNING", "NONE"])
def test_json_lines_report_every_file_in_order_and_exit_2(cli, folder, fail_on):
    run = cli("validate-policy", str(folder), "--fail-on", fail_on)
    assert run.code == 2  # whatever --fail-on: the run cannot say the refused files pass
    lines = [json.loads(line) for line in run.out.splitlines()]
    assert [Path(line["file"]).name for line in lines] == [
        "a-good.json", "b-failing.json", "c-large.json", "d-malformed.json", "e-latin1.json", "f-deep.json"]
    good, failing, large, malformed, latin1, deep = lines
    assert good == {"file": str(folder / "a-good.json"), "findings": []}
    assert [f["issueCode"] for f in failing["findings"]] == ["PASS_ROLE_WITH_STAR_IN_RESOURCE"]
    assert large == {"file": str(folder / "c-large.json"), "error": {"code": "ValidationException", "message": REFUSED}}
    assert [f["issueCode"] for f in malformed["findings"]] == ["JSON_SYNTAX_ERROR"]  # a finding, as AWS reports it
    assert latin1["error"]["code"] == "UnreadableFile" and "findings" not in latin1
    assert latin1["error"]["message"].startswith("not valid UTF-8")
    assert deep["error"]["code"] == "ValidationException" and "nested deeper than" in deep["error"]["message"]
    assert_refused_on_stderr(run.err, folder)


def test_exit_status_without_refused_files(cli, tmp_path):
    folder = write_folder(tmp_path / "policies", broken=False)
    assert cli("validate-policy", str(folder)).code == 1  # b's SECURITY_WARNING
    assert cli("validate-policy", str(folder), "--fail-on", "NONE").code == 0
    (folder / "c-large.json").write_text(LARGE)
    run = cli("validate-policy", str(folder), "--fail-on", "NONE")
    assert run.code == 2 and run.err == f"accessproof: error: {folder / 'c-large.json'}: {REFUSED}\n"


def test_text_output_names_each_refused_file_with_its_error(cli, folder):
    run = cli("validate-policy", str(folder), "--output", "text")
    assert run.code == 2
    out = run.out
    names = ["a-good.json", "b-failing.json", "c-large.json", "d-malformed.json", "e-latin1.json", "f-deep.json"]
    positions = [out.index(str(folder / name)) for name in names]
    assert positions == sorted(positions)  # in file order
    assert f"{folder / 'a-good.json'}: no findings" in out
    assert "PASS_ROLE_WITH_STAR_IN_RESOURCE" in out and "JSON_SYNTAX_ERROR" in out
    assert f"{folder / 'c-large.json'}: not validated: ValidationException: {REFUSED}" in out
    assert f"{folder / 'e-latin1.json'}: not validated: UnreadableFile: not valid UTF-8" in out
    assert f"{folder / 'f-deep.json'}: not validated: ValidationException: policyDocument: " in out
    assert_refused_on_stderr(run.err, folder)


def test_query_applies_to_the_error_lines_too(cli, folder):
    run = cli("validate-policy", str(folder), "--query", "error.code")
    assert run.code == 2
    assert run.out.splitlines() == ["null", "null", '"ValidationException"', "null", '"UnreadableFile"',
                                    '"ValidationException"']


def test_sarif_has_a_result_at_each_refused_file(cli, tmp_path):
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    folder = write_folder(repo / "policies")
    run = cli("validate-policy", "policies", "--output", "sarif", cwd=repo)
    assert run.code == 2
    assert_refused_on_stderr(run.err, Path("policies"))
    log = valid_log(run.out)
    not_validated = [r for r in results(log) if r["ruleId"] == "POLICY_NOT_VALIDATED"]
    where = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in not_validated]
    assert where == ["policies/c-large.json", "policies/e-latin1.json", "policies/f-deep.json"]
    assert not_validated[0]["message"]["text"] == f"ValidationException: {REFUSED}"
    assert not_validated[0]["level"] == "error"
    assert not_validated[1]["message"]["text"].startswith("UnreadableFile: not valid UTF-8")
    others = {r["ruleId"] for r in results(log)} - {"POLICY_NOT_VALIDATED"}
    assert others == {"PASS_ROLE_WITH_STAR_IN_RESOURCE", "JSON_SYNTAX_ERROR"}
    invocation, = log["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    notes = invocation["toolExecutionNotifications"]
    assert [n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for n in notes] == where
    assert folder.is_dir()


def test_sarif_without_refused_files_has_no_invocation(cli, tmp_path):
    folder = write_folder(tmp_path / "policies", broken=False)
    log = valid_log(cli("validate-policy", str(folder), "--output", "sarif").out)
    assert "invocations" not in log["runs"][0]
    assert "POLICY_NOT_VALIDATED" not in {r["ruleId"] for r in results(log)}


def test_one_policy_document_refused_is_still_one_line_and_exit_2(cli, folder):
    run = cli("validate-policy", "--policy-document", f"file://{folder / 'c-large.json'}")
    assert run.code == 2 and run.out == ""
    assert run.err == f"accessproof: error: {folder / 'c-large.json'}: {REFUSED}\n"
