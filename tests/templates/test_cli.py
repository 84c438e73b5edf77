"""``accessproof template ...``: cfn-policy-validator's report and exit codes, SARIF at the file
and line, Markdown; the checks and the access preview on a template."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_sarif import VALIDATOR

from .conftest import cli  # noqa: F401

DATA = Path(__file__).parent / "data"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SAMPLE = ["--template-path", str(DATA / "sample.yaml"), "--parameters", "TrustedAccount=111122223333"]


def _report(run) -> dict:
    body = json.loads(run.out)
    assert set(body) == {"BlockingFindings", "NonBlockingFindings"}
    for finding in body["BlockingFindings"] + body["NonBlockingFindings"]:
        assert set(finding) == {"findingType", "code", "message", "resourceName", "policyName", "details"}
    return body


def test_validate_report_and_exit_codes(cli) -> None:
    run = cli("template", "validate", *SAMPLE)
    assert run.code == 2, run.err
    body = _report(run)
    codes = {(f["code"], f["policyName"]) for f in body["BlockingFindings"]}
    assert ("RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL", "QueuePolicy") in codes
    assert ("EXTERNAL_PRINCIPAL", "BucketPolicy") in codes  # the cross-account bucket policy
    external = next(f for f in body["BlockingFindings"] if f["code"] == "EXTERNAL_PRINCIPAL")
    assert external["details"]["principal"] == {"AWS": "111122223333"}
    assert external["details"]["witness"]["principal"] == "arn:aws:iam::111122223333:root"
    # --ignore-finding: a code, a resource, Resource.CODE; --allow-external-principals: the account.
    run = cli("template", "validate", *SAMPLE, "--ignore-finding", "QueuePolicy.RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL",
              "--allow-external-principals", "111122223333")
    assert run.code == 0 and _report(run) == {"BlockingFindings": [], "NonBlockingFindings": []}
    run = cli("template", "validate", *SAMPLE, "--ignore-finding", "EXTERNAL_PRINCIPAL,QueuePolicy")
    assert run.code == 0
    # --treat-as-blocking: NONE makes every finding non-blocking; exit 0.
    run = cli("template", "validate", *SAMPLE, "--treat-as-blocking", "NONE")
    body = _report(run)
    assert run.code == 0 and body["BlockingFindings"] == [] and len(body["NonBlockingFindings"]) == 2
    run = cli("template", "validate", *SAMPLE, "--treat-as-blocking", "BOGUS")
    assert run.code == 1 and "--treat-as-blocking" in run.err


def test_unresolved_policy_is_a_blocking_error(cli) -> None:
    run = cli("template", "validate", "--template-path", str(DATA / "sample.yaml"), "--treat-as-blocking", "ERROR")
    body = _report(run)
    assert run.code == 2
    [finding] = [f for f in body["BlockingFindings"] if f["code"] == "UNRESOLVED_REFERENCE"]
    assert finding["policyName"] == "BucketPolicy" and "TrustedAccount" in finding["message"]


def test_check_no_new_access_against_base_template(cli, tmp_path: Path) -> None:
    run = cli("template", "check-no-new-access", *SAMPLE, "--base-template", str(DATA / "sample.yaml"))
    assert run.code == 0 and _report(run)["BlockingFindings"] == []
    head = tmp_path / "head.yaml"
    head.write_text((DATA / "sample.yaml").read_text().replace("Action: [s3:GetObject, s3:ListBucket]", "Action: [s3:GetObject, s3:ListBucket, s3:PutObject]"))
    run = cli("template", "check-no-new-access", "--template-path", str(head), "--parameters", "TrustedAccount=111122223333",
              "--base-template", str(DATA / "sample.yaml"))
    body = _report(run)
    assert run.code == 2
    [finding] = body["BlockingFindings"]
    assert finding["code"] == "policy-analysis-CheckNoNewAccess" and finding["policyName"] == "ReadData"
    assert finding["resourceName"] == "app-dev"
    assert finding["details"]["result"] == "FAIL" and finding["details"]["witness"]["action"] == "s3:PutObject"


def test_check_no_new_access_against_reference_policy(cli, tmp_path: Path) -> None:
    reference = tmp_path / "reference.json"
    reference.write_text(json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:*", "sqs:*"], "Resource": "*"}]}))
    run = cli("template", "check-no-new-access", *SAMPLE, "--reference-policy", str(reference),
              "--reference-policy-type", "IDENTITY")
    assert run.code == 0, run.out
    run = cli("template", "check-no-new-access", *SAMPLE, "--reference-policy", str(reference))
    assert run.code == 1 and "--reference-policy-type" in run.err


def test_check_access_not_granted_and_no_public_access(cli, tmp_path: Path) -> None:
    run = cli("template", "check-access-not-granted", *SAMPLE, "--actions", "sqs:DeleteQueue,iam:PassRole")
    body = _report(run)
    assert run.code == 2 and [f["policyName"] for f in body["BlockingFindings"]] == ["ReadData"]
    run = cli("template", "check-access-not-granted", *SAMPLE, "--actions", "iam:PassRole")
    assert run.code == 0
    run = cli("template", "check-no-public-access", *SAMPLE)
    assert run.code == 0 and _report(run)["BlockingFindings"] == []
    public = tmp_path / "public.yaml"
    public.write_text((DATA / "sample.yaml").read_text().replace(
        'AWS: !Sub "arn:${AWS::Partition}:iam::${TrustedAccount}:root"', 'AWS: "*"'))
    run = cli("template", "check-no-public-access", "--template-path", str(public), "--parameters", "TrustedAccount=1")
    body = _report(run)
    assert run.code == 2 and body["BlockingFindings"][0]["code"] == "policy-analysis-CheckNoPublicAccess"
    assert body["BlockingFindings"][0]["policyName"] == "BucketPolicy"


def test_sarif_points_at_file_and_line(cli) -> None:
    run = cli("template", "validate", *SAMPLE, "--output", "sarif")
    assert run.code == 2
    log = json.loads(run.out)
    VALIDATOR.validate(log)
    results = log["runs"][0]["results"]
    lines = {r["ruleId"]: r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in results}
    assert lines["template/RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL"] == 38  # the queue's PolicyDocument
    assert lines["template/EXTERNAL_PRINCIPAL"] == 24  # the bucket's PolicyDocument
    assert all(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("sample.yaml") for r in results)


def test_markdown_and_text(cli) -> None:
    run = cli("template", "validate", *SAMPLE, "--output", "markdown")
    assert run.code == 2
    assert "**2 blocking**" in run.out and "| ❌ | SECURITY_WARNING | `EXTERNAL_PRINCIPAL` |" in run.out
    assert "sample.yaml:24`" in run.out
    run = cli("template", "validate", *SAMPLE, "--output", "text", "--treat-as-blocking", "NONE")
    assert run.code == 0 and "sample.yaml:38: non-blocking SECURITY_WARNING RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL" in run.out


def test_preview_merged_with_snapshot(cli, tmp_path: Path) -> None:
    template = tmp_path / "queue.yaml"

    def write(account: str) -> None:
        template.write_text(f"""Resources:
  InboxPolicy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [https://sqs.us-east-1.amazonaws.com/111122223333/partner-inbox]
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {{AWS: "arn:aws:iam::{account}:root"}}
            Action: sqs:SendMessage
            Resource: arn:aws:sqs:us-east-1:111122223333:partner-inbox
""")

    write("999988887777")  # the access the snapshot's queue already grants
    args = ["template", "preview", "--template-path", str(template), "--account-id", "111122223333",
            "--snapshot", str(EXAMPLES / "account")]
    run = cli(*args)
    body = _report(run)
    assert run.code == 2
    assert [f["code"] for f in body["BlockingFindings"]] == ["UNCHANGED_EXTERNAL_ACCESS"]
    write("777766665555")  # another partner: new access, and the old one resolved
    run = cli(*args)
    body = _report(run)
    assert sorted(f["code"] for f in body["BlockingFindings"]) == ["NEW_EXTERNAL_ACCESS"]
    assert [f["code"] for f in body["NonBlockingFindings"]] == ["RESOLVED_EXTERNAL_ACCESS"]
    assert body["BlockingFindings"][0]["details"]["principal"] == {"AWS": "777766665555"}
    assert body["NonBlockingFindings"][0]["details"]["principal"] == {"AWS": "999988887777"}
    # Without a snapshot every finding is new; an organization zone needs the snapshot's organization.
    run = cli("template", "preview", "--template-path", str(template), "--account-id", "111122223333")
    assert [f["code"] for f in _report(run)["BlockingFindings"]] == ["NEW_EXTERNAL_ACCESS"]
    run = cli(*args, "--zone-of-trust", "ORGANIZATION")
    assert run.code == 2


def test_parse_lists_policies_with_lines(cli) -> None:
    run = cli("template", "parse", *SAMPLE)
    assert run.code == 0
    body = json.loads(run.out)
    assert [(p["policyName"], p["line"]) for p in body["Policies"]] == [
        ("BucketPolicy", 24), ("QueuePolicy", 38), ("TrustPolicy", 49), ("ReadData", 57)]
    assert body["Unresolved"] == []
