"""``accessproof diff``: two policies, two templates, two git revisions; text, JSON, Markdown;
exit status 0 (no new access) / 1 (new access) / 2 (bad input)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import cli  # noqa: F401

DATA = Path(__file__).resolve().parents[1] / "templates" / "data"
OLD = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}]}
NEW = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["sqs:SendMessage", "sqs:Delete*"],
                                                "Resource": "arn:aws:sqs:us-east-1:123456789012:q"}]}


def _write(tmp_path: Path, name: str, doc: dict) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(doc, indent=2))
    return str(path)


def test_two_policies(cli, tmp_path: Path) -> None:
    old, new = _write(tmp_path, "old.json", OLD), _write(tmp_path, "new.json", NEW)
    run = cli("diff", old, new, "--output", "json")
    assert run.code == 1, run.err
    body = json.loads(run.out)
    assert body["grantsNewAccess"] is True
    [policy] = body["policies"]
    added = policy["added"]["services"]["sqs"]["queue"]
    assert [a["action"] for a in added] == ["sqs:DeleteMessage", "sqs:DeleteMessageBatch", "sqs:DeleteQueue"] or \
        {a["action"] for a in added} >= {"sqs:DeleteMessage", "sqs:DeleteQueue"}
    assert all(a["witness"]["resource"] == "arn:aws:sqs:us-east-1:123456789012:q" for a in added)
    removed = policy["removed"]["services"]["sqs"]["queue"]
    assert [a["action"] for a in removed] == ["sqs:SendMessage"]  # no longer on other queues
    assert removed[0]["witness"]["resource"] != "arn:aws:sqs:us-east-1:123456789012:q"
    run = cli("diff", new, old)
    assert run.code == 1 and "newly allowed: 1 action(s)" in run.out
    run = cli("diff", old, old)
    assert run.code == 0 and run.out.strip() == "No access change."
    run = cli("diff", old, new, "--output", "markdown")
    assert "| ➕ allowed | sqs | queue |" in run.out and "`DeleteQueue`" in run.out


def test_resource_policies_new_principals(cli, tmp_path: Path) -> None:
    old = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                                                   "Action": "sqs:SendMessage", "Resource": "*"}]}
    new = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::111122223333:root",
                                                                                              "arn:aws:iam::444455556666:root"]},
                                                   "Action": "sqs:SendMessage", "Resource": "*"}]}
    run = cli("diff", _write(tmp_path, "o.json", old), _write(tmp_path, "n.json", new), "--output", "json")
    body = json.loads(run.out)
    [policy] = body["policies"]
    assert policy["policyType"] == "RESOURCE_POLICY"
    assert policy["newPrincipals"] == ["AWS:arn:aws:iam::444455556666:root"]
    [access] = policy["added"]["services"]["sqs"]["queue"]
    assert access["witness"]["principal"].startswith("arn:aws:iam::444455556666:")


def test_two_templates(cli, tmp_path: Path) -> None:
    head = tmp_path / "head.yaml"
    head.write_text((DATA / "sample.yaml").read_text()
                    .replace("Action: s3:GetObject\n", "Action: [s3:GetObject, s3:PutObject]\n")
                    .replace("Action: [s3:GetObject, s3:ListBucket]", "Action: [s3:GetObject]"))
    run = cli("diff", str(DATA / "sample.yaml"), str(head), "--parameters", "TrustedAccount=111122223333", "--output", "json")
    assert run.code == 1, run.err
    body = json.loads(run.out)
    names = {p["name"]: p for p in body["policies"]}
    bucket = names["DataBucketPolicy/BucketPolicy on arn:aws:s3:::accessproof-stack-data-dev"]
    assert [a["action"] for a in bucket["added"]["services"]["s3"]["object"]] == ["s3:PutObject"]
    role = names["AppRole/ReadData"]
    assert role["added"]["count"] == 0 and [a["action"] for a in role["removed"]["services"]["s3"]["bucket"]] == ["s3:ListBucket"]
    [new_access] = body["externalAccess"]["new"]
    assert "s3:PutObject" in new_access["action"] and new_access["principal"] == {"AWS": "111122223333"}
    assert len(body["externalAccess"]["resolved"]) == 1


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_two_git_revisions(cli, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "policies").mkdir(parents=True)

    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@e", *args], check=True,
                       capture_output=True)

    git("init", "-q")
    (repo / "policies" / "app.json").write_text(json.dumps(OLD))
    (repo / "policies" / "stack.yaml").write_text((DATA / "sample.yaml").read_text())
    git("add", "-A")
    git("commit", "-qm", "one")
    (repo / "policies" / "app.json").write_text(json.dumps(NEW))
    (repo / "policies" / "extra.json").write_text(json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}]}))
    git("add", "-A")
    git("commit", "-qm", "two")
    run = cli("diff", "HEAD~1", "HEAD", "--git-path", "policies", "--repo", str(repo), "--output", "json",
              "--parameters", "TrustedAccount=111122223333")
    assert run.code == 1, run.err
    body = json.loads(run.out)
    names = [p["name"] for p in body["policies"]]
    assert names == ["HEAD:policies/app.json", "HEAD:policies/extra.json"]
    assert body["policies"][1]["added"]["services"]["kms"]["key"][0]["action"] == "kms:Decrypt"
    run = cli("diff", "HEAD~1", "nope", "--git-path", "policies", "--repo", str(repo))
    assert run.code == 2 and "git" in run.err and "Traceback" not in run.err
