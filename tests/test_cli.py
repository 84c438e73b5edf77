import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "policies"


def cli(*args, stdin=None):
    return subprocess.run(
        [sys.executable, "-m", "accessproof.cli.main", *args], input=stdin, capture_output=True, cwd=ROOT,
        env={**os.environ, "COLUMNS": "200"},
    )


def test_single_document_prints_the_aws_cli_json():
    r = cli("validate-policy", "--policy-document", f"file://{EXAMPLES / 'typos.json'}", "--policy-type", "IDENTITY_POLICY")
    out = json.loads(r.stdout)
    codes = {f["issueCode"] for f in out["findings"]}
    assert "EMPTY_SID_VALUE" in codes
    assert r.returncode == (1 if any(f["findingType"] in ("ERROR", "SECURITY_WARNING") for f in out["findings"]) else 0)


def test_fail_on_levels():
    doc = '{"Version": "2012-10-17", "Statement": [{"Sid": "", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}'
    assert cli("validate-policy", "--policy-document", doc).returncode == 0
    assert cli("validate-policy", "--policy-document", doc, "--fail-on", "SUGGESTION").returncode == 1
    assert cli("validate-policy", "--policy-document", "-", "--fail-on", "SUGGESTION", stdin=doc.encode()).returncode == 1


def test_directory_gives_one_json_line_per_file():
    r = cli("validate-policy", str(EXAMPLES), "--fail-on", "NONE")
    assert r.returncode == 0, r.stderr
    lines = [json.loads(line) for line in r.stdout.decode().splitlines()]
    assert {Path(x["file"]).name for x in lines} == {p.name for p in EXAMPLES.glob("*.json")}


def test_text_output_shows_the_policy_line():
    r = cli("validate-policy", str(EXAMPLES / "typos.json"), "--output", "text", "--fail-on", "NONE")
    text = r.stdout.decode()
    assert "EMPTY_SID_VALUE" in text and '"Sid": ""' in text and "^^" in text


def test_sarif_output():
    r = cli("validate-policy", str(EXAMPLES), "--output", "sarif", "--fail-on", "NONE")
    log = json.loads(r.stdout)
    assert log["version"] == "2.1.0"
    results = log["runs"][0]["results"]
    assert any(x["ruleId"] == "EMPTY_SID_VALUE" for x in results)
    ids = {rule["id"] for rule in log["runs"][0]["tool"]["driver"]["rules"]}
    assert {x["ruleId"] for x in results} <= ids
    region = results[0]["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] >= 1 and region["startColumn"] >= 1


@pytest.mark.parametrize("content,expect", [
    (b"", "JSON_SYNTAX_ERROR"),
    (b"not json", "JSON_SYNTAX_ERROR"),
    (b'{"Version": "2012-10-17", "Statement": [}', "JSON_SYNTAX_ERROR"),
    (b"[1, 2]", "JSON_SYNTAX_ERROR"),
    (b'"a string"', "JSON_SYNTAX_ERROR"),
    (b'{"Version": 2012, "Statement": {"Effect": ["Allow"], "Action": 3, "Resource": {}}}', "DATA_TYPE_MISMATCH"),
])
def test_bad_documents_give_findings_not_tracebacks(tmp_path, content, expect):
    path = tmp_path / "p.json"
    path.write_bytes(content)
    r = cli("validate-policy", "--policy-document", f"file://{path}")
    assert b"Traceback" not in r.stderr
    assert r.returncode == 1
    assert expect in {f["issueCode"] for f in json.loads(r.stdout)["findings"]}


@pytest.mark.parametrize("content,message", [
    (b"\xff\xfe{}", b"not valid UTF-8"),
])
def test_undecodable_input_is_a_one_line_error(tmp_path, content, message):
    path = tmp_path / "p.json"
    path.write_bytes(content)
    r = cli("validate-policy", str(path))
    assert r.returncode == 2
    assert message in r.stderr and b"Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_usage_errors_exit_2():
    assert cli("validate-policy").returncode == 2
    assert cli("validate-policy", "/no/such/file.json").returncode == 2
    r = cli("validate-policy", "--policy-document", "{}", "--policy-type", "NOPE")
    assert r.returncode == 2 and b"Traceback" not in r.stderr


def test_too_large_document_is_a_one_line_error(tmp_path):
    path = tmp_path / "big.json"
    # 126 KB: read (the CLI refuses files over 1 MiB while reading them), then refused as AWS does.
    path.write_text('{"Statement": [' + ",".join(['{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}'] * 2000) + "]}")
    r = cli("validate-policy", str(path))
    assert r.returncode == 2 and b"Traceback" not in r.stderr
    assert r.stderr.decode().strip() == (
        f"accessproof: error: {path}: InvalidPolicy (ValidatePolicy refuses documents longer than 32768 characters)")


def test_input_files_are_never_modified(tmp_path):
    path = tmp_path / "p.json"
    original = b'{"Statement": [{"Sid": "", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}'
    path.write_bytes(original)
    cli("validate-policy", str(path), "--output", "text")
    assert path.read_bytes() == original
