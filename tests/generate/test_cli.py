"""``accessproof generate-policy``: JSON shaped like generatedPolicyResult; exit statuses."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from accessproof.cli.main import app, register

from .conftest import CORPUS

register()
runner = CliRunner()
USER = "arn:aws:iam::056392974792:user/christophe"


def invoke(*args: str):
    return runner.invoke(app, ["generate-policy", *args])


def test_prints_generated_policy_result() -> None:
    result = invoke("--principal-arn", USER, "--cloudtrail", str(CORPUS), "--start-time", "2024-07-01")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert set(out) == {"generatedPolicies", "properties", "accessproof"}
    assert isinstance(out["generatedPolicies"][0]["policy"], str)
    assert out["properties"]["principalArn"] == USER and out["properties"]["isComplete"] is True
    assert out["properties"]["cloudTrailProperties"]["startTime"] == "2024-07-01T00:00:00Z"


def test_several_paths_and_placeholders(tmp_path: Path) -> None:
    one = str(CORPUS / "aws.execution.ssm-send-command.json.gz")
    two = str(CORPUS / "aws.credential-access.ec2-get-password-data.json.gz")
    result = invoke("--principal-arn", "arn:aws:iam::457448411975:user/christophe", "--cloudtrail", one, two,
                    "--start-time", "2024-07-01", "--include-resource-placeholders")
    assert result.exit_code == 0, result.output
    assert "${RoleNameWithPath}" in json.loads(result.stdout)["generatedPolicies"][0]["policy"]


def test_existing_policy_refinement(tmp_path: Path) -> None:
    existing = tmp_path / "existing.json"
    existing.write_text(json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "ssm:*", "Resource": "*"}]}))
    result = invoke("--principal-arn", USER, "--cloudtrail", str(CORPUS), "--start-time", "2024-07-01",
                    "--existing-policy", f"file://{existing}")
    assert result.exit_code == 0, result.output
    refinement = json.loads(result.stdout)["accessproof"]["refinement"]
    assert refinement["checkNoNewAccess"]["result"] == "PASS"


def test_bad_input_exits_2(tmp_path: Path) -> None:
    import subprocess
    import sys

    bad = subprocess.run([sys.executable, "-m", "accessproof.cli.main", "generate-policy", "--principal-arn",
                          "arn:aws:s3:::bucket", "--cloudtrail", str(CORPUS)], capture_output=True, text=True)
    assert bad.returncode == 2 and "IAM user or role" in bad.stderr
    missing = subprocess.run([sys.executable, "-m", "accessproof.cli.main", "generate-policy", "--principal-arn",
                              USER, "--cloudtrail", str(tmp_path / "nope")], capture_output=True, text=True)
    assert missing.returncode == 2 and "no such file" in missing.stderr
