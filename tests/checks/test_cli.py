"""The check commands: AWS CLI JSON (plus witness), text, SARIF; exit 0 PASS, 1 FAIL, 2 bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OLD = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}]}'
NEW = '{"Version":"2012-10-17","Statement":[{"Sid":"All","Effect":"Allow","Action":"s3:*","Resource":"*"}]}'


def cli(*args):
    return subprocess.run([sys.executable, "-m", "accessproof.cli.main", *args], capture_output=True, cwd=ROOT,
                          env={**os.environ, "COLUMNS": "200"})


def test_no_new_access_fail_json_and_text(tmp_path):
    new = tmp_path / "new.json"
    new.write_text(NEW)
    r = cli("check-no-new-access", "--new-policy-document", f"file://{new}", "--existing-policy-document", OLD,
            "--policy-type", "IDENTITY_POLICY")
    assert r.returncode == 1, r.stderr
    out = json.loads(r.stdout)
    assert out["result"] == "FAIL" and out["reasons"][0]["statementId"] == "All" and out["witness"]["action"]
    r = cli("check-no-new-access", "--new-policy-document", OLD, "--existing-policy-document", NEW,
            "--policy-type", "IDENTITY_POLICY", "--output", "text")
    assert r.returncode == 0 and r.stdout.decode().startswith("PASS")


def test_access_not_granted_forms_and_sarif():
    r = cli("check-access-not-granted", "--policy-document", OLD, "--policy-type", "IDENTITY_POLICY",
            "--access", '[{"actions": ["s3:PutObject"]}]')
    assert r.returncode == 0 and json.loads(r.stdout)["result"] == "PASS"
    r = cli("check-access-not-granted", "--policy-document", OLD, "--policy-type", "IDENTITY_POLICY",
            "--action", "s3:GetObject", "--output", "sarif")
    assert r.returncode == 1
    assert json.loads(r.stdout)["runs"][0]["results"][0]["ruleId"] == "CheckAccessNotGranted"


def test_bad_input_exits_2_without_traceback():
    for args in (["check-access-not-granted", "--policy-document", "{", "--policy-type", "IDENTITY_POLICY", "--action", "s3:X"],
                 ["check-access-not-granted", "--policy-document", OLD, "--policy-type", "IDENTITY_POLICY",
                  "--resource", "arn:aws:s3:*::x"],
                 ["check-access-not-granted", "--policy-document", OLD, "--policy-type", "IDENTITY_POLICY"],
                 ["check-no-new-access", "--new-policy-document", "/nonexistent.json", "--existing-policy-document", OLD,
                  "--policy-type", "IDENTITY_POLICY"]):
        r = cli(*args)
        assert r.returncode == 2, (args, r.stdout)
        assert b"Traceback" not in r.stderr and r.stderr.startswith(b"accessproof: error:")


def test_no_public_access_exit_codes_and_text():
    public = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"sqs:SendMessage","Resource":"*"}]}'
    r = cli("check-no-public-access", "--policy-document", public, "--resource-type", "AWS::SQS::Queue")
    assert r.returncode == 1 and json.loads(r.stdout)["witness"]["action"].lower() == "sqs:sendmessage"
    r = cli("check-no-public-access", "--policy-document", public, "--resource-type", "AWS::SNS::Topic", "--output", "text")
    assert r.returncode == 0 and r.stdout.decode().startswith("PASS")
    r = cli("check-no-public-access", "--policy-document", public, "--resource-type", "AWS::SQS::Nope")
    assert r.returncode == 2 and b"Traceback" not in r.stderr


# Access that exists only on a request AWS never receives: SendMessage on a bucket's ARN.
UNREAL = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"arn:aws:s3:::b"}]}'


def test_string_semantics_switch_on_every_check():
    """By default a check answers about real requests (PASS here); --string-semantics about any
    action string with any resource string (FAIL, with the unreal pair as witness)."""
    public = UNREAL.replace('"Effect":"Allow"', '"Effect":"Allow","Principal":"*"')
    commands = [
        ["check-no-new-access", "--new-policy-document", UNREAL, "--existing-policy-document", OLD,
         "--policy-type", "IDENTITY_POLICY"],
        ["check-access-not-granted", "--policy-document", UNREAL, "--policy-type", "IDENTITY_POLICY",
         "--resource", "arn:aws:s3:::b"],
        ["check-no-public-access", "--policy-document", public, "--resource-type", "AWS::SQS::Queue"],
    ]
    for args in commands:
        assert cli(*args).returncode == 0, args
        r = cli(*args, "--string-semantics")
        assert r.returncode == 1, args
        witness = json.loads(r.stdout)["witness"]
        assert (witness["action"].lower(), witness["resource"]) == ("sqs:sendmessage", "arn:aws:s3:::b")


def test_string_semantics_must_be_a_boolean_in_the_client():
    import pytest
    from botocore.exceptions import ParamValidationError

    from accessproof import client

    aa = client("accessanalyzer")
    with pytest.raises(ParamValidationError):  # botocore validates the extension member's type
        aa.check_no_new_access(newPolicyDocument=UNREAL, existingPolicyDocument=OLD, policyType="IDENTITY_POLICY",
                               stringSemantics="yes")
    assert aa.check_no_new_access(newPolicyDocument=UNREAL, existingPolicyDocument=OLD, policyType="IDENTITY_POLICY",
                                  stringSemantics=True)["result"] == "FAIL"
