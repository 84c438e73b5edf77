"""Every ``--output sarif`` is valid SARIF 2.1.0 (the OASIS schema, formats checked) and meets
GitHub code scanning's requirements ("SARIF support for code scanning", GitHub Docs): repository-
relative percent-encoded URIs under ``%SRCROOT%``, 1-based regions, rules with descriptions, help,
``helpUri`` and ``security-severity``, and ``partialFingerprints``; check results at the statement,
analyzer results at the snapshot file that grants the access."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from urllib.parse import unquote

import pytest
from jsonschema import Draft4Validator, FormatChecker

from accessproof.cli.main import app, register

from .conftest import EXAMPLES

SCHEMA = json.loads((Path(__file__).resolve().parents[1] / "data" / "sarif" / "sarif-schema-2.1.0.json").read_text())
VALIDATOR = Draft4Validator(SCHEMA, format_checker=FormatChecker())
ANALYZER = "arn:aws:access-analyzer:us-east-1:111122223333:analyzer/accessproof-external-account"

NEW = """{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
    {
      "Sid": "Pass",
      "Effect": "Allow",
      "Action": "iam:PassRole",
      "Resource": "*"
    }
  ]
}
"""
OLD = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}'
PUBLIC = '{"Version": "2012-10-17", "Statement": [{"Sid": "", "Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": "*"}]}'


def valid_log(text: str) -> dict:
    log = json.loads(text)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in VALIDATOR.iter_errors(log)]
    assert errors == [], errors[:5]
    run = log["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    for rule in rules.values():  # what GitHub shows for a rule
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["text"] and rule["help"]["markdown"] and rule["helpUri"].startswith("https://docs.aws.amazon.com/")
        severity = rule["properties"]["security-severity"]
        assert isinstance(severity, str) and 0.0 < float(severity) <= 10.0
        assert "security" in rule["properties"]["tags"]
    for result in run["results"]:
        assert result["ruleId"] in rules and result["message"]["text"]
        assert result["partialFingerprints"]["accessproof/v1"]
        assert "primaryLocationLineHash" not in result["partialFingerprints"]  # GitHub computes that one
        for location in result["locations"] + result.get("relatedLocations", []):
            physical = location["physicalLocation"]
            artifact = physical["artifactLocation"]
            if "uri" in artifact and "uriBaseId" in artifact:
                assert artifact["uriBaseId"] == "%SRCROOT%" and not artifact["uri"].startswith("/")
            region = physical.get("region")
            if region:
                assert region["startLine"] >= 1 and region["startColumn"] >= 1
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"].endswith("/")
    return log


def results(log: dict) -> list[dict]:
    return log["runs"][0]["results"]


def file_of(result: dict, root: Path, which: int = 0) -> Path:
    artifact = result["locations"][which]["physicalLocation"]["artifactLocation"]
    assert artifact["uriBaseId"] == "%SRCROOT%"
    return root / unquote(artifact["uri"])


def region_text(path: Path, region: dict) -> str:
    lines = path.read_text().splitlines(keepends=True)
    if region["startLine"] == region["endLine"]:
        return lines[region["startLine"] - 1][region["startColumn"] - 1:region["endColumn"] - 1]
    first = lines[region["startLine"] - 1][region["startColumn"] - 1:]
    middle = lines[region["startLine"]:region["endLine"] - 1]
    last = lines[region["endLine"] - 1][:region["endColumn"] - 1]
    return first + "".join(middle) + last


@pytest.fixture
def repo(tmp_path) -> Path:
    """A repository checkout (a ``.git`` folder) with policies in a folder whose name needs encoding."""
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    folder = root / "policies 100%"
    folder.mkdir()
    (folder / "new.json").write_text(NEW)
    (folder / "old.json").write_text(OLD)
    (folder / "queue:policy.json").write_text(PUBLIC)
    return root


# ------------------------------------------------------------------------------ every command


COVERED = {"validate-policy", "check-no-new-access", "check-access-not-granted", "check-no-public-access", "analyze",
           "list-findings", "analyze-unused"}


def test_every_command_with_sarif_output_is_tested_here(cli):
    register()
    offering = set()
    for command in app.registered_commands:
        help_text = cli(command.name, "--help").out
        lines = [line for line in help_text.splitlines() if "--output" in line]
        if any("sarif" in line for line in lines):
            offering.add(command.name)
    assert offering == COVERED


def test_validate_policy(cli, repo):
    run = cli("validate-policy", "policies 100%", "--output", "sarif", "--fail-on", "NONE", cwd=repo)
    log = valid_log(run.out)
    found = results(log)
    assert {r["ruleId"] for r in found} >= {"PASS_ROLE_WITH_STAR_IN_RESOURCE"}
    passrole = next(r for r in found if r["ruleId"] == "PASS_ROLE_WITH_STAR_IN_RESOURCE")
    uri = passrole["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "policies%20100%25/new.json"  # repository-relative, percent-encoded
    assert region_text(file_of(passrole, repo), passrole["locations"][0]["physicalLocation"]["region"]) == '"iam:PassRole"'
    rule = next(r for r in log["runs"][0]["tool"]["driver"]["rules"] if r["id"] == "PASS_ROLE_WITH_STAR_IN_RESOURCE")
    assert rule["properties"]["security-severity"] == "7.5" and rule["defaultConfiguration"]["level"] == "error"
    assert rule["helpUri"].endswith("#access-analyzer-reference-policy-checks-security-warning-pass-role-with-star-in-resource")
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in found}
    assert "policies%20100%25/queue:policy.json" in uris
    (repo / "a:new.json").write_text(NEW)  # a ":" in the first segment would read as a scheme: encoded
    run = cli("validate-policy", "a:new.json", "--output", "sarif", "--fail-on", "NONE", cwd=repo)
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results(valid_log(run.out))} == {
        "a%3Anew.json"}


def test_validate_policy_from_a_subfolder_stdin_and_outside_the_repository(cli, repo, tmp_path):
    run = cli("validate-policy", "new.json", "--output", "sarif", "--fail-on", "NONE", cwd=repo / "policies 100%")
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results(valid_log(run.out))}
    assert uris == {"policies%20100%25/new.json"}  # relative to the repository root, not the working folder
    run = cli("validate-policy", "--policy-document", "-", "--output", "sarif", "--fail-on", "NONE", stdin=NEW, cwd=repo)
    artifact = results(valid_log(run.out))[0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert artifact == {"description": {"text": "standard input"}}
    outside = tmp_path / "elsewhere.json"
    outside.write_text(NEW)
    run = cli("validate-policy", str(outside), "--output", "sarif", "--fail-on", "NONE", cwd=repo)
    artifact = results(valid_log(run.out))[0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert artifact == {"uri": outside.as_uri()}


def test_fingerprints_survive_moved_lines_and_change_with_the_policy(cli, repo):
    def fingerprints() -> dict[str, tuple[str, int]]:
        run = cli("validate-policy", "policies 100%/new.json", "--output", "sarif", "--fail-on", "NONE", cwd=repo)
        return {r["ruleId"]: (r["partialFingerprints"]["accessproof/v1"], r["locations"][0]["physicalLocation"]["region"]["startLine"])
                for r in results(valid_log(run.out))}

    before = fingerprints()
    path = repo / "policies 100%" / "new.json"
    path.write_text("\n\n\n" + NEW)
    after = fingerprints()
    assert {k: v[0] for k, v in after.items()} == {k: v[0] for k, v in before.items()}
    assert all(after[k][1] == before[k][1] + 3 for k in before)
    path.write_text(NEW.replace('"iam:PassRole"', '"iam:passrole"'))
    changed = fingerprints()
    assert changed["PASS_ROLE_WITH_STAR_IN_RESOURCE"][0] != before["PASS_ROLE_WITH_STAR_IN_RESOURCE"][0]


@pytest.mark.parametrize("command,args,rule,statement", [
    ("check-no-new-access", ["--new-policy-document", "file://policies 100%/new.json",
                             "--existing-policy-document", "policies 100%/old.json", "--policy-type", "IDENTITY_POLICY"],
     "CheckNoNewAccess", 1),
    ("check-access-not-granted", ["--policy-document", "policies 100%/new.json", "--policy-type", "IDENTITY_POLICY",
                                  "--access", "actions=iam:PassRole"], "CheckAccessNotGranted", 1),
    ("check-no-public-access", ["--policy-document", "policies 100%/queue:policy.json",
                                "--resource-type", "AWS::SQS::Queue"], "CheckNoPublicAccess", 0),
])
def test_check_results_point_at_the_statement(cli, repo, command, args, rule, statement):
    run = cli(command, *args, "--output", "sarif", cwd=repo)
    assert run.code == 1, run.err
    [result] = results(valid_log(run.out))
    assert result["ruleId"] == rule and result["properties"]["statementIndex"] == statement
    assert result["properties"]["witness"]["action"]
    path = file_of(result, repo)
    text = region_text(path, result["locations"][0]["physicalLocation"]["region"])
    assert json.loads(text) == json.loads(path.read_text())["Statement"][statement]


@pytest.mark.parametrize("command,args", [
    ("check-no-new-access", ["--new-policy-document", OLD, "--existing-policy-document", NEW,
                             "--policy-type", "IDENTITY_POLICY"]),
    ("check-access-not-granted", ["--policy-document", OLD, "--policy-type", "IDENTITY_POLICY",
                                  "--access", "actions=iam:PassRole"]),
    ("check-no-public-access", ["--policy-document", PUBLIC.replace('"*"', '{"AWS": "111122223333"}', 1),
                                "--resource-type", "AWS::SQS::Queue"]),
])
def test_a_pass_is_a_log_without_results(cli, command, args):
    run = cli(command, *args, "--output", "sarif")
    assert run.code == 0
    log = valid_log(run.out)
    assert results(log) == [] and len(log["runs"][0]["tool"]["driver"]["rules"]) == 1


@pytest.fixture
def checkout(tmp_path) -> Path:
    """A repository with the example snapshots in it (one with a name that needs encoding)."""
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    shutil.copytree(EXAMPLES / "account", root / "snapshots" / "prod account")
    shutil.copytree(EXAMPLES / "account-unused", root / "snapshots" / "account-unused")
    return root


def test_analyze_points_at_the_file_that_grants_the_access(cli, checkout, database):
    run = cli("analyze", "snapshots/prod account", "--database", database, "--output", "sarif", cwd=checkout)
    assert run.code == 1, run.err
    found = results(valid_log(run.out))
    findings = json.loads(cli("list-findings", "--analyzer-arn", ANALYZER, "--database", database, cwd=checkout).out)
    assert len(found) == sum(f["status"] == "ACTIVE" for f in findings["findings"]) > 0
    by_resource: dict[str, list[dict]] = {}
    for result in found:
        by_resource.setdefault(result["properties"]["resource"], []).append(result)
        path = file_of(result, checkout)
        assert path.is_file() and path.is_relative_to(checkout / "snapshots" / "prod account")
        assert result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == result["properties"]["resource"]
    website = by_resource["arn:aws:s3:::example-public-website"]
    files = {file_of(r, checkout).name for r in website}
    assert "get-bucket-policy.json" in files
    acl = [r for r in by_resource["arn:aws:s3:::example-acl-public-logs"] if r["properties"]["sources"][0]["type"] == "BUCKET_ACL"]
    assert acl and all(file_of(r, checkout).name == "get-bucket-acl.json" for r in acl)
    region = acl[0]["locations"][0]["physicalLocation"]["region"]
    assert json.loads(region_text(file_of(acl[0], checkout), region)) == json.loads(
        file_of(acl[0], checkout).read_text())["Grants"]
    queue = by_resource["arn:aws:sqs:us-east-1:111122223333:partner-inbox"][0]
    region = queue["locations"][0]["physicalLocation"]["region"]
    policy = json.loads(json.loads(region_text(file_of(queue, checkout), region)))  # the Attributes.Policy string
    assert policy["Statement"]
    [error] = [r for r in found if r["ruleId"] == "AnalysisError"]
    assert file_of(error, checkout).suffix == ".error"
    roles = [r for r in found if r["properties"]["resourceType"] == "AWS::IAM::Role"]
    assert roles and all(file_of(r, checkout).name == "get-account-authorization-details.json" for r in roles)
    for role in roles:
        region = role["locations"][0]["physicalLocation"]["region"]
        assert "Statement" in json.loads(region_text(file_of(role, checkout), region))  # its trust policy
    assert any("prod%20account" in r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in found)


def test_list_findings_emits_sarif_with_and_without_the_snapshot(cli, checkout, database):
    assert cli("analyze", "snapshots/prod account", "--database", database, cwd=checkout).code == 1
    run = cli("list-findings", "--analyzer-arn", ANALYZER, "--database", database, "--output", "sarif",
              "--filter", "isPublic={eq=[true]}", "--snapshot", "snapshots/prod account", cwd=checkout)
    located = results(valid_log(run.out))
    assert located and {r["ruleId"] for r in located} == {"PublicAccess"}
    assert all(file_of(r, checkout).is_file() for r in located)
    run = cli("list-findings", "--analyzer-arn", ANALYZER, "--database", database, "--output", "sarif",
              "--filter", "isPublic={eq=[true]}", cwd=checkout)
    unlocated = results(valid_log(run.out))
    assert len(unlocated) == len(located) and "--snapshot" in run.err
    assert all("uri" not in r["locations"][0]["physicalLocation"]["artifactLocation"] for r in unlocated)


@pytest.mark.parametrize("command", [["analyze", "--type", "ACCOUNT_UNUSED_ACCESS"], ["analyze-unused"]])
def test_unused_access_points_at_the_user_or_role(cli, checkout, database, command):
    run = cli(command[0], "snapshots/account-unused", *command[1:], "--database", database, "--output", "sarif",
              "--now", "2026-11-30T00:00:00Z", cwd=checkout)
    assert run.code == 1, run.err
    found = results(valid_log(run.out))
    assert {r["ruleId"] for r in found} >= {"UnusedPermission", "UnusedIAMRole"}
    for result in found:
        path = file_of(result, checkout)
        assert path.name == "get-account-authorization-details.json"
        entry = json.loads(region_text(path, result["locations"][0]["physicalLocation"]["region"]))
        assert entry["Arn"] == result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]


def test_organization_unused_access_points_into_each_member_snapshot(cli, tmp_path, database):
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    for name in ("organization", "account", "account-unused"):
        shutil.copytree(EXAMPLES / name, root / name)
    run = cli("analyze", "organization", "--type", "ORGANIZATION_UNUSED_ACCESS", "--database", database,
              "--output", "sarif", "--now", "2026-11-30T00:00:00Z", cwd=root)
    assert run.code == 1, run.err
    found = results(valid_log(run.out))
    folders = {file_of(r, root).parts[len(root.parts)] for r in found}
    assert folders <= {"account", "account-unused"} and "account-unused" in folders
