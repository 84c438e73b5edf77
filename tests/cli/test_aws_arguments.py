"""The AWS CLI's argument conventions on the commands that mirror an operation: arguments typed
by botocore's service model, space-separated lists, ``--cli-input-json``, ``--generate-cli-skeleton``,
``--client-token``, ``file://~`` and ``fileb://``."""

from __future__ import annotations

import json

import pytest

from accessproof.cli.awscommand import AwsCommand
from accessproof.cli.awsmodel import Mirror, option_name
from accessproof.cli.inputs import InputError
from accessproof.cli.main import app, register

POLICY = '{"Version": "2012-10-17", "Statement": [{"Sid": "", "Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]}'
ANALYZER = "arn:aws:access-analyzer:us-east-1:111122223333:analyzer/accessproof-external-account"


def mirrored_commands() -> dict[str, AwsCommand]:
    import typer

    register()
    group = typer.main.get_command(app)
    return {name: command for name, command in group.commands.items() if isinstance(command, AwsCommand)}


def test_every_command_named_after_an_operation_mirrors_it():
    from botocore import xform_name

    commands = mirrored_commands()
    assert set(commands) == {"validate-policy", "check-no-new-access", "check-access-not-granted",
                             "check-no-public-access", "simulate-custom-policy", "list-findings", "update-findings",
                             "create-archive-rule", "apply-archive-rule"}
    for name, command in commands.items():
        assert xform_name(command.mirror.operation, "-") == name


def test_options_follow_the_model():
    """A list member takes several values (space-separated); every option named after a member
    exists in the model; required members are required options (or read from --cli-input-json)."""
    for name, command in mirrored_commands().items():
        shape = command.mirror.model.input_shape
        for member, param in command.members().items():
            assert param.multiple == (shape.members[member].type_name == "list"), (name, member)
        assert set(command.members()) >= {m for m in shape.required_members if m not in ("access",)}, name


@pytest.mark.parametrize("raw,expected", [
    ("status={eq=[ACTIVE]},isPublic={eq=[true]}", {"status": {"eq": ["ACTIVE"]}, "isPublic": {"eq": ["true"]}}),
    ("status={eq=ACTIVE}", {"status": {"eq": ["ACTIVE"]}}),  # one value where the model wants a list
    ("principal.AWS={exists=true}", {"principal.AWS": {"exists": True}}),  # a boolean by the model
    ('{"status": {"eq": ["ACTIVE"], "exists": false}}', {"status": {"eq": ["ACTIVE"], "exists": False}}),
])
def test_structures_are_typed_by_the_model(raw, expected):
    assert Mirror("accessanalyzer", "ListFindings").argument("filter", raw) == expected


@pytest.mark.parametrize("raw,message", [
    ("status={equals=[ACTIVE]}", "--filter.status: unknown key 'equals'; expected one of eq, neq, contains, exists"),
    ('{"status": {"eq": "ACTIVE"}}', "--filter.status.eq: expected a list"),  # JSON is taken as typed
    ("status={exists=maybe}", "--filter.status.exists: expected true or false"),
    ("status=[ACTIVE]", "--filter.status: expected a structure"),
    ("status={eq=[ACTIVE]", "--filter: neither JSON nor shorthand"),
    ('{"status": ', "--filter <argument>: not valid JSON"),
    ("status={eq=" + "[" * 5000, "--filter: neither JSON nor shorthand (Key=value,Key2=[a,b]): lists and structures "
                                  "nested deeper than 64 levels"),
    ('{"status": ' * 5000, "--filter <argument>: JSON nested deeper than 64 levels"),
])
def test_bad_structures_are_one_line_errors(raw, message):
    with pytest.raises(InputError) as e:
        Mirror("accessanalyzer", "ListFindings").argument("filter", raw)
    assert message in str(e.value) and "\n" not in str(e.value)


def test_a_documented_example_of_another_service():
    # AWS CLI User Guide, "Using shorthand syntax": numbers by the model, lists of structures.
    assert Mirror("dynamodb", "UpdateTable").argument(
        "ProvisionedThroughput", "ReadCapacityUnits=15,WriteCapacityUnits=10") == {
        "ReadCapacityUnits": 15, "WriteCapacityUnits": 10}
    assert Mirror("ec2", "CreateTags").argument("Tags", ["Key=My1stTag,Value=Value1", "Key=My2ndTag,Value=Value2"]) == [
        {"Key": "My1stTag", "Value": "Value1"}, {"Key": "My2ndTag", "Value": "Value2"}]
    assert Mirror("ec2", "StopInstances").argument("InstanceIds", ['["i-1486157a", "i-1286157c"]']) == [
        "i-1486157a", "i-1286157c"]


def test_access_in_shorthand_json_and_files(cli, tmp_path):
    for access in (["actions=iam:PassRole"], ['[{"actions": ["iam:PassRole"]}]'], ["actions=iam:PassRole,resources=arn:aws:iam::111122223333:role/app"],
                   ['{"actions": ["s3:GetObject", "iam:PassRole"]}']):
        run = cli("check-access-not-granted", "--policy-document", POLICY, "--policy-type", "IDENTITY_POLICY",
                  "--access", *access)
        assert run.code == 1 and json.loads(run.out)["result"] == "FAIL", (access, run.err)
    # Several values are several items; the operation takes one (botocore's model: max 1).
    run = cli("check-access-not-granted", "--policy-document", POLICY, "--policy-type", "IDENTITY_POLICY",
              "--access", "actions=s3:GetObject", "actions=iam:PassRole")
    assert run.code == 2 and "at most 1 item" in run.err
    path = tmp_path / "access.json"
    path.write_text('[{"actions": ["s3:GetObject"]}]')
    run = cli("check-access-not-granted", "--policy-document", POLICY, "--policy-type", "IDENTITY_POLICY",
              "--access", f"file://{path}")
    assert run.code == 0 and json.loads(run.out)["result"] == "PASS"
    run = cli("check-access-not-granted", "--policy-document", POLICY, "--policy-type", "IDENTITY_POLICY",
              "--access", "actoins=iam:PassRole")
    assert run.code == 2 and "unknown key 'actoins'" in run.err and run.err.count("\n") == 1


def test_file_urls_expand_home_and_fileb_reads_the_same_bytes(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "policy.json").write_text(POLICY)
    codes = set()
    for value in ("file://~/policy.json", "fileb://~/policy.json", f"fileb://{tmp_path}/policy.json"):
        run = cli("validate-policy", "--policy-document", value, "--query", "findings[].issueCode")
        assert json.loads(run.out) == ["EMPTY_SID_VALUE", "PASS_ROLE_WITH_STAR_IN_RESOURCE"], run.err
        codes.add(run.code)
    assert codes == {1}
    run = cli("validate-policy", "--cli-input-json", "file://~/input.json")
    assert run.code == 2 and f"{tmp_path}/input.json" in run.err


def test_cli_input_json_documents_are_literal_and_the_command_line_wins(cli, tmp_path):
    secret = tmp_path / "not-a-policy.txt"
    secret.write_text("this file must not be read")
    # "the string will be taken literally" (AWS CLI Command Reference, --cli-input-json)
    run = cli("validate-policy", "--cli-input-json", json.dumps({"policyDocument": str(secret)}),
              "--query", "findings[].issueCode")
    assert json.loads(run.out) == ["JSON_SYNTAX_ERROR"]
    trust = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]})
    data = {"policyDocument": trust, "policyType": "IDENTITY_POLICY"}
    identity = cli("validate-policy", "--cli-input-json", json.dumps(data), "--query", "findings[].issueCode")
    resource = cli("validate-policy", "--cli-input-json", json.dumps(data), "--policy-type", "RESOURCE_POLICY",
                   "--query", "findings[].issueCode")
    assert "UNSUPPORTED_PRINCIPAL" in json.loads(identity.out)  # Principal in an identity policy
    assert "UNSUPPORTED_PRINCIPAL" not in json.loads(resource.out)
    path = tmp_path / "input.json"
    path.write_text(json.dumps({"policyDocument": POLICY, "policyType": "IDENTITY_POLICY",
                                "access": [{"actions": ["iam:PassRole"]}]}))
    run = cli("check-access-not-granted", "--cli-input-json", f"file://{path}", "--query", "result")
    assert run.code == 1 and json.loads(run.out) == "FAIL"


@pytest.mark.parametrize("data,message", [
    ({"policyDocument": POLICY, "nextToken": "x"}, "nextToken is not supported by accessproof validate-policy"),
    ({"policyDocumnet": POLICY}, "unknown parameter 'policyDocumnet'"),
    ({"policyDocument": {"Version": "2012-10-17"}}, "policyDocument: expected the policy document as a JSON string"),
    ([POLICY], "expected a JSON object"),
])
def test_cli_input_json_errors(cli, data, message):
    run = cli("validate-policy", "--cli-input-json", json.dumps(data))
    assert run.code == 2 and message in run.err and run.err.count("\n") == 1 and run.out == ""


def test_skeletons_list_what_each_command_takes(cli):
    for name, command in mirrored_commands().items():
        run = cli(name, "--generate-cli-skeleton")  # no required option needed
        assert run.code == 0, (name, run.err)
        skeleton = json.loads(run.out)
        assert list(skeleton) == [m for m in command.mirror.model.input_shape.members if m in command.members()]
        assert all(option_name(m) in command.members()[m].opts for m in skeleton)
        output = json.loads(cli(name, "--generate-cli-skeleton", "output").out)
        shape = command.mirror.model.output_shape
        assert list(output) == (list(shape.members) if shape is not None else [])
    skeleton = json.loads(cli("list-findings", "--generate-cli-skeleton", "input").out)
    assert skeleton["filter"] == {"KeyName": {"eq": [""], "neq": [""], "contains": [""], "exists": True}}
    run = cli("list-findings", "--generate-cli-skeleton=yaml")
    assert run.code == 2 and "input or output" in run.err


def test_a_filled_skeleton_runs(cli, account, database):
    assert cli("analyze", str(account), "--database", database).code == 1
    skeleton = json.loads(cli("list-findings", "--generate-cli-skeleton").out)
    skeleton.update(analyzerArn=ANALYZER, filter={"isPublic": {"eq": ["true"]}},
                    sort={"attributeName": "resource", "orderBy": "ASC"})
    run = cli("list-findings", "--cli-input-json", json.dumps(skeleton), "--database", database,
              "--query", "findings[].resource")
    resources = json.loads(run.out)
    assert run.code == 0 and resources and resources == sorted(resources)
    assert "arn:aws:s3:::example-public-website" in resources


def test_ids_space_separated_and_client_tokens(cli, account, database):
    assert cli("analyze", str(account), "--database", database).code == 1
    ids = json.loads(cli("list-findings", "--analyzer-arn", ANALYZER, "--database", database,
                         "--filter", "isPublic={eq=[true]}", "--query", "findings[].id").out)
    assert len(ids) >= 2
    run = cli("update-findings", "--analyzer-arn", ANALYZER, "--status", "ARCHIVED", "--ids", *ids[:2],
              "--client-token", "token-1", "--database", database)
    assert run.code == 0, run.err
    archived = json.loads(cli("list-findings", "--analyzer-arn", ANALYZER, "--database", database,
                              "--filter", "status={eq=[ARCHIVED]}", "--query", "findings[].id").out)
    assert sorted(archived) == sorted(ids[:2])
    for stdin in ('{"status": {"eq": ["ARCHIVED"]}}', "status={eq=[ARCHIVED]}"):  # a structure from standard input
        run = cli("list-findings", "--analyzer-arn", ANALYZER, "--database", database, "--filter", "-",
                  "--query", "findings[].id", stdin=stdin)
        assert sorted(json.loads(run.out)) == sorted(ids[:2]), run.err
    run = cli("create-archive-rule", "--analyzer-name", "accessproof-external-account", "--rule-name", "partner",
              "--filter", "principal.AWS={contains=[999988887777]}", "--client-token", "token-2", "--database", database)
    assert run.code == 0, run.err
    run = cli("apply-archive-rule", "--analyzer-arn", ANALYZER, "--rule-name", "partner", "--client-token", "token-3",
              "--database", database)
    assert run.code == 0, run.err
    run = cli("list-findings", "--analyzer-arn", ANALYZER, "--database", database, "--filter",
              "principal.AWS={contains=[999988887777]},status={eq=[ACTIVE]}", "--query", "length(findings)")
    assert json.loads(run.out) == 0


def test_context_entries_and_organization_levels_by_the_model(cli):
    allow_s3 = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}'
    conditional = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                              "Resource": "*", "Condition": {"IpAddress": {"aws:SourceIp": ["10.0.0.0/8"]}}}]})
    run = cli("simulate-custom-policy", "--policy-input-list", conditional, "--action-names", "s3:GetObject",
              "--context-entries", "ContextKeyName=aws:SourceIp,ContextKeyValues=10.1.2.3,ContextKeyType=ip",
              "--query", "EvaluationResults[0].EvalDecision")
    assert json.loads(run.out) == "allowed", run.err
    level = json.dumps({"ServiceControlPolicyInputList": [allow_s3]})
    run = cli("simulate-custom-policy", "--policy-input-list", allow_s3, "--action-names", "s3:GetObject",
              "--ordered-organization-policy-input-list", level, "--query", "EvaluationResults[0].EvalDecision")
    assert json.loads(run.out) == "allowed", run.err
    run = cli("simulate-custom-policy", "--policy-input-list", allow_s3, "--action-names", "s3:GetObject",
              "--context-entries", "ContextKeyName=aws:SourceIp,Type=ip")
    assert run.code == 2 and "unknown key 'Type'" in run.err
