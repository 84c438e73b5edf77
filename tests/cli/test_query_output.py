"""``--query`` and the AWS CLI's text format: the User Guide's examples, agreement with the AWS
CLI's own formatter (awscli) on generated data, and the commands that print JSON."""

from __future__ import annotations

import io
import json
import string

import pytest
from awscli.text import format_text
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from accessproof.cli.inputs import InputError
from accessproof.cli.output import aws_text, compile_query

POLICY = '{"Version": "2012-10-17", "Statement": [{"Sid": "", "Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]}'


def awscli_text(value) -> str:
    out = io.StringIO()
    format_text(value, out)
    return out.getvalue()


def test_the_user_guides_examples():
    # AWS CLI User Guide, "Text output format": list-users, and the --query forms of the tip.
    users = {"Users": [
        {"Path": "/", "UserName": "Admin", "Arn": "arn:aws:iam::123456789012:user/Admin",
         "CreateDate": "2014-10-16T16:03:09+00:00", "PasswordLastUsed": "2016-06-03T18:37:29+00:00"},
        {"Path": "/backup/", "UserName": "backup-user", "Arn": "arn:aws:iam::123456789012:user/backup/backup-user",
         "CreateDate": "2019-09-17T19:30:40+00:00"}]}
    assert aws_text(users).splitlines() == [
        "USERS\tarn:aws:iam::123456789012:user/Admin\t2014-10-16T16:03:09+00:00\t2016-06-03T18:37:29+00:00\t/\tAdmin",
        "USERS\tarn:aws:iam::123456789012:user/backup/backup-user\t2019-09-17T19:30:40+00:00\t\t/backup/\tbackup-user"]
    query = compile_query("Users[*].[UserName,PasswordLastUsed]")
    assert aws_text(query.search(users)) == "Admin\t2016-06-03T18:37:29+00:00\nbackup-user\tNone\n"
    assert aws_text(compile_query("Users[].UserName").search(users)) == "Admin\tbackup-user\n"
    assert aws_text(compile_query("Users[].[UserName]").search(users)) == "Admin\nbackup-user\n"


SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-5, 50), st.text(string.ascii_letters + " :/-", max_size=6))
KEYS = st.text(string.ascii_letters, min_size=1, max_size=3)


def _objects(children):
    # Objects whose keys each hold one kind of value in every object of a list (the AWS CLI prints
    # a Python repr for a key that is a scalar in one object and an object in another).
    return st.dictionaries(KEYS, st.one_of(SCALARS, children), max_size=4)


JSON = st.recursive(SCALARS, lambda children: st.one_of(st.lists(children, max_size=4), _objects(children)), max_leaves=20)


def _uniform(value) -> bool:
    """Data the AWS CLI's formatter prints without failing: no list mixing objects with scalars,
    and no key that is a scalar in one object of a list and not in another."""
    if isinstance(value, dict):
        return all(_uniform(v) for v in value.values())
    if isinstance(value, list):
        dicts = [v for v in value if isinstance(v, dict)]
        if dicts and len(dicts) != len(value):
            return False
        kinds: dict[str, set] = {}
        for d in dicts:
            for k, v in d.items():
                kinds.setdefault(k, set()).add(isinstance(v, (dict, list)))
        return all(len(k) == 1 for k in kinds.values()) and all(_uniform(v) for v in value)
    return True


@settings(max_examples=500, deadline=None)
@given(JSON)
def test_text_format_agrees_with_the_aws_cli(value):
    assume(_uniform(value))
    assert aws_text(value) == awscli_text(value)


def test_a_bad_query_is_refused_before_any_work():
    with pytest.raises(InputError, match="--query: not a JMESPath expression"):
        compile_query("findings[")


def test_query_json_and_text_on_validate_policy(cli):
    run = cli("validate-policy", "--policy-document", POLICY, "--query", "findings[].issueCode")
    assert run.code == 1 and json.loads(run.out) == ["EMPTY_SID_VALUE", "PASS_ROLE_WITH_STAR_IN_RESOURCE"]
    run = cli("validate-policy", "--policy-document", POLICY, "--output", "text",
              "--query", "findings[].[issueCode, findingType]")
    assert run.out == "EMPTY_SID_VALUE\tSUGGESTION\nPASS_ROLE_WITH_STAR_IN_RESOURCE\tSECURITY_WARNING\n"
    run = cli("validate-policy", "--policy-document", POLICY, "--query", "findings[")
    assert run.code == 2 and run.out == "" and run.err.count("\n") == 1 and "--query" in run.err


def test_query_on_a_directory_applies_to_each_files_line(cli, tmp_path):
    (tmp_path / "a.json").write_text(POLICY)
    (tmp_path / "b.json").write_text('{"Version": "2012-10-17", "Statement": []}')
    run = cli("validate-policy", str(tmp_path), "--fail-on", "NONE", "--query", "[file, length(findings)]")
    assert [json.loads(line) for line in run.out.splitlines()] == [[str(tmp_path / "a.json"), 2],
                                                                   [str(tmp_path / "b.json"), 0]]


def test_query_on_a_check_and_the_simulator(cli):
    run = cli("check-access-not-granted", "--policy-document", POLICY, "--policy-type", "IDENTITY_POLICY",
              "--action", "iam:PassRole", "--query", "result", "--output", "text")
    assert run.code == 1 and run.out == "FAIL\n"
    run = cli("simulate-custom-policy", "--policy-input-list", POLICY, "--action-names", "iam:PassRole",
              "s3:GetObject", "--query", "EvaluationResults[].[EvalActionName, EvalDecision]", "--output", "text")
    assert run.code == 0 and run.out == "iam:PassRole\tallowed\ns3:GetObject\timplicitDeny\n"
