"""``accessproof analyze`` and the AWS CLI verbs over its findings, as a user runs them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "account"
WEBSITE = "arn:aws:s3:::example-public-website"


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "accessproof.cli.main", *args], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, "COLUMNS": "220"})


@pytest.fixture
def snapshot(tmp_path) -> Path:
    copy = tmp_path / "account"
    shutil.copytree(EXAMPLE, copy)
    return copy


@pytest.fixture
def db(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'findings.db'}"


def analyze_json(snapshot: Path, db: str, *extra: str) -> tuple[int, list[dict]]:
    run = cli("analyze", str(snapshot), "--database", db, "--output", "json", *extra)
    assert run.returncode in (0, 1), run.stderr
    return run.returncode, json.loads(run.stdout)["findings"]


def test_analyze_prints_the_findings_table(snapshot, db):
    run = cli("analyze", str(snapshot), "--db", db)
    assert run.returncode == 1, run.stderr
    for text in ("example-public-website", "S3::Bucket", "AWS: *", "s3:GetObject", "BUCKET_ACL", "S3_ACCESS_POINT",
                 "aws:PrincipalOrgID = o-a1b2c3d4e5", "ACTIVE", "0 archived, 0 resolved"):
        assert text in run.stdout, text
    assert "example-private-config" not in run.stdout


def test_json_output_has_the_list_findings_shape_and_reanalysis_resolves(snapshot, db):
    status, first = analyze_json(snapshot, db)
    assert status == 1 and first and {f["status"] for f in first} == {"ACTIVE"}
    assert {"id", "principal", "action", "resource", "isPublic", "resourceType", "condition", "createdAt", "analyzedAt",
            "updatedAt", "status", "resourceOwnerAccount"} <= set(next(f for f in first if not f.get("error")))
    (snapshot / "s3" / "example-public-website" / "get-bucket-policy.json").unlink()
    _, second = analyze_json(snapshot, db)
    [resolved] = [f for f in second if f["status"] == "RESOLVED"]
    assert resolved["resource"] == WEBSITE
    assert {f["id"] for f in second if f["status"] == "ACTIVE"} == {f["id"] for f in first} - {resolved["id"]}
    text = cli("analyze", str(snapshot), "--database", db)
    assert "1 resolved — this run: " in text.stdout and "0 new" in text.stdout


def test_no_external_access_exits_0(tmp_path, db):
    quiet = tmp_path / "quiet"
    quiet.mkdir()
    shutil.copy(EXAMPLE / "account.json", quiet / "account.json")
    run = cli("analyze", str(quiet), "--database", db)
    assert run.returncode == 0, run.stderr
    assert "No external access found." in run.stdout


def test_organization_zone(snapshot, db):
    _, account = analyze_json(snapshot, db)
    _, organization = analyze_json(snapshot, db, "--zone-of-trust", "ORGANIZATION")
    assert len(organization) < len(account)
    assert not any(f.get("condition", {}).get("aws:PrincipalOrgID") for f in organization)


@pytest.mark.parametrize("setup, message", [
    (lambda s: (s / "sqs" / "partner-inbox" / "get-queue-attributes.json").write_text("{ nope"),
     "get-queue-attributes.json: malformed JSON"),
    (lambda s: (s / "unknown-service").mkdir(), "unknown-service: unknown directory"),
    (lambda s: shutil.rmtree(s), "no such snapshot directory"),
])
def test_bad_snapshot_is_one_line_naming_the_file(snapshot, db, setup, message):
    setup(snapshot)
    run = cli("analyze", str(snapshot), "--database", db)
    assert run.returncode == 2
    assert message in run.stderr and len(run.stderr.strip().splitlines()) == 1 and "Traceback" not in run.stderr


def test_bad_zone_and_database_are_exit_2(snapshot, db, tmp_path):
    (snapshot / "account.json").write_text(json.dumps({"accountId": "111122223333", "region": "us-east-1"}))
    run = cli("analyze", str(snapshot), "--database", db, "--zone-of-trust", "ORGANIZATION")
    assert run.returncode == 2 and "organization id" in run.stderr
    run = cli("analyze", str(snapshot), "--database", "nope://x")
    assert run.returncode == 2 and "unsupported database URL" in run.stderr and "Traceback" not in run.stderr
    run = cli("analyze", str(snapshot), "--database", db, "--zone-of-trust", "EVERYWHERE")
    assert run.returncode == 2


def test_archive_rules_and_update_findings_from_the_cli(snapshot, db, tmp_path):
    _, found = analyze_json(snapshot, db)
    arn = "arn:aws:access-analyzer:us-east-1:111122223333:analyzer/accessproof-external-account"
    rule = tmp_path / "rule.json"
    rule.write_text(json.dumps({"isPublic": {"eq": ["false"]}}))
    assert cli("create-archive-rule", "--analyzer-name", "accessproof-external-account", "--rule-name", "cross",
               "--filter", f"file://{rule}", "--database", db).returncode == 0
    assert cli("apply-archive-rule", "--analyzer-arn", arn, "--rule-name", "cross", "--database", db).returncode == 0
    listed = json.loads(cli("list-findings", "--analyzer-arn", arn, "--database", db,
                            "--filter", '{"status": {"eq": ["ACTIVE"]}}').stdout)["findings"]
    assert listed and all(f.get("isPublic") or f.get("error") == "ACCESS_DENIED" for f in listed)
    for finding in listed:
        run = cli("update-findings", "--analyzer-arn", arn, "--status", "ARCHIVED", "--ids", finding["id"], "--database", db)
        assert run.returncode == 0, run.stderr
    status, after = analyze_json(snapshot, db)
    assert status == 0 and {f["status"] for f in after} == {"ARCHIVED"} and len(after) == len(found)
    run = cli("list-findings", "--analyzer-arn", arn, "--database", db, "--filter", "{nope")
    assert run.returncode == 2 and "--filter" in run.stderr
    run = cli("update-findings", "--analyzer-arn", arn, "--status", "ARCHIVED", "--ids", "missing", "--database", db)
    assert run.returncode == 2 and "missing" in run.stderr


def test_sarif_lists_each_active_finding_with_its_witness(snapshot, db):
    run = cli("analyze", str(snapshot), "--db", db, "--output", "sarif")
    assert run.returncode == 1, run.stderr
    log = json.loads(run.stdout)
    results = log["runs"][0]["results"]
    _, findings = analyze_json(snapshot, db)
    assert len(results) == sum(f["status"] == "ACTIVE" for f in findings) > 0
    public = [r for r in results if r["ruleId"] == "PublicAccess"]
    assert any(r["properties"]["resource"] == WEBSITE for r in public)
    errors = [r for r in results if r["ruleId"] == "AnalysisError"]
    assert [r["properties"]["error"] for r in errors] == ["ACCESS_DENIED"]  # the key the snapshot could not read
    assert all(r["properties"]["witness"]["principal"] for r in results if r not in errors)
