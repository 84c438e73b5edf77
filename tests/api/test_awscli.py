"""The AWS CLI (the ``awscli`` package) against ``accessproof serve``, run as a user runs it:
``aws accessanalyzer ... --endpoint-url``, dummy credentials in the environment, no config file."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import ACCESS_KEY, SECRET_KEY

INBOX = "arn:aws:sqs:us-east-1:111122223333:partner-inbox"
WEBSITE = "arn:aws:s3:::example-public-website"
POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Sid": "", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]})


def _aws_executable() -> str:
    found = shutil.which("aws", path=str(Path(sys.executable).parent)) or shutil.which("aws")
    if found is None:
        pytest.skip("the AWS CLI (awscli, in the test extra) is not installed")
    return found


@pytest.fixture(scope="module")
def aws(served, tmp_path_factory):
    executable = _aws_executable()
    home = tmp_path_factory.mktemp("aws-home")
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env.update({"AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
                "AWS_DEFAULT_REGION": "us-east-1", "AWS_CONFIG_FILE": "/dev/null",
                "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "AWS_MAX_ATTEMPTS": "1", "HOME": str(home)})

    def run(*arguments: str, expect: int = 0) -> dict:  # AWS CLI v1 exits 255 on a service error
        done = subprocess.run([executable, "accessanalyzer", *arguments, "--endpoint-url", served.endpoint,
                               "--output", "json"], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == expect, (arguments, done.returncode, done.stdout, done.stderr)
        if expect:
            return {"stderr": done.stderr}
        return json.loads(done.stdout) if done.stdout.strip() else {}
    return run


def test_validate_policy(aws):
    findings = aws("validate-policy", "--policy-document", POLICY, "--policy-type", "IDENTITY_POLICY")["findings"]
    assert [f["issueCode"] for f in findings] == ["EMPTY_SID_VALUE"]
    assert findings[0]["locations"][0]["span"]["start"]["line"] == 1


def test_the_three_checks(aws):
    wider = POLICY.replace("s3:GetObject", "s3:*")
    new_access = aws("check-no-new-access", "--new-policy-document", wider, "--existing-policy-document", POLICY,
                     "--policy-type", "IDENTITY_POLICY")
    assert new_access["result"] == "FAIL" and new_access["reasons"]
    not_granted = aws("check-access-not-granted", "--policy-document", POLICY, "--policy-type", "IDENTITY_POLICY",
                      "--access", json.dumps([{"actions": ["s3:PutObject"]}]))
    assert not_granted["result"] == "PASS"
    public = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]})
    assert aws("check-no-public-access", "--policy-document", public,
               "--resource-type", "AWS::S3::Bucket")["result"] == "FAIL"


def test_errors_carry_the_model_code(aws):
    failed = aws("validate-policy", "--policy-document", POLICY, "--policy-type", "NOT_A_TYPE", expect=255)
    assert "(ValidationException)" in failed["stderr"] and "enum value set" in failed["stderr"]
    missing = aws("get-analyzer", "--analyzer-name", "missing", expect=255)
    assert "(ResourceNotFoundException)" in missing["stderr"]


def test_analyzers_findings_archive_rules_and_previews(aws):
    arn = aws("create-analyzer", "--analyzer-name", "cli-external", "--type", "ACCOUNT",
              "--tags", "team=security")["arn"]
    analyzer = aws("get-analyzer", "--analyzer-name", "cli-external")["analyzer"]
    assert analyzer["tags"] == {"team": "security"} and analyzer["status"] in ("CREATING", "ACTIVE")
    deadline = time.monotonic() + 120
    while analyzer["status"] == "CREATING" and time.monotonic() < deadline:  # the first analysis, in the background
        time.sleep(0.2)
        analyzer = aws("get-analyzer", "--analyzer-name", "cli-external")["analyzer"]
    assert analyzer["status"] == "ACTIVE"
    assert "cli-external" in [a["name"] for a in aws("list-analyzers", "--type", "ACCOUNT")["analyzers"]]

    findings = aws("list-findings", "--analyzer-arn", arn, "--filter",
                   json.dumps({"resource": {"eq": [INBOX]}}))["findings"]
    assert findings and {f["resource"] for f in findings} == {INBOX}
    finding = aws("get-finding", "--analyzer-arn", arn, "--id", findings[0]["id"])["finding"]
    assert finding["status"] == "ACTIVE" and finding["createdAt"]
    aws("update-findings", "--analyzer-arn", arn, "--status", "ARCHIVED", "--ids", findings[0]["id"])
    assert aws("get-finding", "--analyzer-arn", arn, "--id", findings[0]["id"])["finding"]["status"] == "ARCHIVED"

    aws("create-archive-rule", "--analyzer-name", "cli-external", "--rule-name", "public",
        "--filter", json.dumps({"isPublic": {"eq": ["true"]}}))
    assert [r["ruleName"] for r in aws("list-archive-rules", "--analyzer-name", "cli-external")["archiveRules"]] == \
        ["public"]
    aws("apply-archive-rule", "--analyzer-arn", arn, "--rule-name", "public")
    public = aws("list-findings", "--analyzer-arn", arn, "--filter", json.dumps({"isPublic": {"eq": ["true"]}}))
    assert public["findings"] and {f["status"] for f in public["findings"]} == {"ARCHIVED"}

    policy = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "s3:GetObject",
         "Resource": f"{WEBSITE}/*"}]})
    preview = aws("create-access-preview", "--analyzer-arn", arn, "--configurations",
                  json.dumps({WEBSITE: {"s3Bucket": {"bucketPolicy": policy}}}))["id"]
    assert aws("get-access-preview", "--access-preview-id", preview, "--analyzer-arn", arn)[
        "accessPreview"]["status"] == "COMPLETED"
    changes = aws("list-access-preview-findings", "--access-preview-id", preview, "--analyzer-arn", arn)["findings"]
    assert any(f["resource"] == WEBSITE for f in changes)

    aws("delete-analyzer", "--analyzer-name", "cli-external")
    assert "cli-external" not in [a["name"] for a in aws("list-analyzers")["analyzers"]]
