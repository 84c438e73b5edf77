"""Hostile JSON, from the attacker's side: a 5,000-digit number (past Python's int-string limit),
100,000-deep nesting (past Python's stack), repeated keys, lone surrogates — in a policy, in a
snapshot, in a filter, on the CLI and through the client.

Limits are accessproof's, not properties of the policy: past them the request is refused (CLI exit
2 with one line, ``ValidationException`` / ``MalformedPolicyDocument`` through the clients), never
a traceback. A repeated key is what IAM's grammar forbids: a JSON syntax error everywhere, so no
reader can pick a different value from another (the worst case: a check saying PASS for a policy
that AWS would read as granting access).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import accessproof
from accessproof.inventory import SnapshotError, load_snapshot
from accessproof.policy import parse_json
from accessproof.untrusted import (
    MAX_DEPTH, MAX_NUMBER_CHARS, JsonLimitError, JsonSyntaxError, check_structure, excerpt, loads, one_line,
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "account"
GUARD_SECONDS = 120  # a guard against hanging, not a timing assertion
BIG = "9" * 5000
DEEP = "[" * 100_000 + "]" * 100_000
ANALYZER = "arn:aws:access-analyzer:us-east-1:111122223333:analyzer/accessproof-external-account"


def policy(condition_value: str = '"10"', effect: str = '"Effect": "Allow"', sid: str = '"S"') -> str:
    return ('{"Version": "2012-10-17", "Statement": {"Sid": %s, %s, "Principal": "*", "Action": "s3:GetObject", '
            '"Resource": "arn:aws:s3:::b/*", "Condition": {"NumericLessThan": {"s3:max-keys": %s}}}}'
            % (sid, effect, condition_value))


BIG_NUMBER_POLICY = policy(BIG)
DEEP_POLICY = policy(sid=DEEP)
# Read first-wins this policy denies; read last-wins (as json.loads and JavaScript do) it is public.
DUPLICATE_EFFECT_POLICY = policy(effect='"Effect": "Deny", "Effect": "Allow"')


def cli(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "accessproof.cli.main", *args], input=stdin, capture_output=True,
                          cwd=ROOT, timeout=GUARD_SECONDS, env={**os.environ, "COLUMNS": "220"})


def assert_one_line_refusal(run: subprocess.CompletedProcess, *expected: str) -> str:
    stderr = run.stderr.decode()
    assert run.returncode == 2, (run.returncode, stderr)
    assert "Traceback" not in stderr and len(stderr.strip().splitlines()) == 1, stderr
    for text in expected:
        assert text in stderr, stderr
    return stderr


@pytest.fixture
def client():
    return accessproof.client("accessanalyzer")


@pytest.fixture
def snapshot(tmp_path) -> Path:
    copy = tmp_path / "snapshot"
    shutil.copytree(EXAMPLE, copy)
    return copy


@pytest.fixture
def db(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'findings.db'}"


def queue_policy_file(snapshot: Path, policy_text: str) -> Path:
    path = snapshot / "sqs" / "orders-queue" / "get-queue-attributes.json"
    data = json.loads(path.read_text())
    data["Attributes"]["Policy"] = policy_text
    path.write_text(json.dumps(data))
    return path


# --------------------------------------------------------------------------------- policies


@pytest.mark.parametrize("document,reason", [
    (BIG_NUMBER_POLICY, "a number of 5,000 characters; the maximum is 100"),
    (DEEP_POLICY, f"JSON nested deeper than {MAX_DEPTH} levels"),
])
def test_policy_past_the_limits_is_refused_by_every_operation(client, document, reason):
    # ValidatePolicy refuses documents over 32 KiB before reading them ("InvalidPolicy", as AWS):
    # 10,000 levels (20,000 characters, already far past Python's recursion limit) reach the reader.
    within_size = document.replace(DEEP, DEEP[:10_000] + DEEP[-10_000:])
    with pytest.raises(client.exceptions.ValidationException, match=reason):
        client.validate_policy(policyDocument=within_size, policyType="RESOURCE_POLICY")
    with pytest.raises(client.exceptions.ValidationException):
        client.validate_policy(policyDocument=document, policyType="RESOURCE_POLICY")
    with pytest.raises(client.exceptions.ValidationException, match=reason):
        client.check_no_public_access(policyDocument=document, resourceType="AWS::S3::Bucket")
    with pytest.raises(client.exceptions.ValidationException, match=reason):
        client.check_access_not_granted(policyDocument=document, access=[{"actions": ["s3:GetObject"]}],
                                        policyType="RESOURCE_POLICY")
    with pytest.raises(client.exceptions.ValidationException, match=reason):
        client.check_no_new_access(newPolicyDocument=document, existingPolicyDocument=policy(),
                                   policyType="RESOURCE_POLICY")
    iam = accessproof.client("iam")
    with pytest.raises(iam.exceptions.MalformedPolicyDocumentException, match=reason):
        iam.simulate_custom_policy(PolicyInputList=[document.replace('"Principal": "*", ', "")],
                                   ActionNames=["s3:GetObject"])


@pytest.mark.parametrize("document", [BIG_NUMBER_POLICY, DEEP_POLICY])
def test_policy_past_the_limits_on_the_cli_is_a_one_line_error(tmp_path, document):
    path = tmp_path / "policy.json"
    path.write_text(document)
    assert_one_line_refusal(cli("validate-policy", "--policy-document", f"file://{path}"), "policy.json")
    assert_one_line_refusal(cli("check-no-public-access", "--policy-document", "-", "--resource-type",
                                "AWS::S3::Bucket", stdin=document.encode()))


def test_the_limits_are_exact(client):
    at_limit = "[" * (MAX_DEPTH - 2) + "]" * (MAX_DEPTH - 2)  # the Sid sits in 2 objects: the policy, the statement
    findings = client.validate_policy(policyDocument=policy(sid=at_limit), policyType="RESOURCE_POLICY")["findings"]
    assert "DATA_TYPE_MISMATCH" in {f["issueCode"] for f in findings}  # judged, not refused
    with pytest.raises(client.exceptions.ValidationException):
        client.validate_policy(policyDocument=policy(sid="[" + at_limit + "]"), policyType="RESOURCE_POLICY")
    longest = "9" * MAX_NUMBER_CHARS
    client.validate_policy(policyDocument=policy(longest), policyType="RESOURCE_POLICY")
    with pytest.raises(client.exceptions.ValidationException):
        client.validate_policy(policyDocument=policy(longest + "9"), policyType="RESOURCE_POLICY")


def test_repeated_key_is_a_json_syntax_error_at_the_repeated_key(client):
    findings = client.validate_policy(policyDocument=DUPLICATE_EFFECT_POLICY, policyType="RESOURCE_POLICY")["findings"]
    assert [f["issueCode"] for f in findings] == ["JSON_SYNTAX_ERROR"]
    offset = DUPLICATE_EFFECT_POLICY.index('"Effect": "Allow"')
    assert findings[0]["locations"][0]["span"]["start"]["offset"] == offset
    assert findings[0]["findingDetails"] == f"Fix the JSON syntax error at index {offset} line 1 column {offset}."


def test_repeated_key_never_passes_a_check(client):
    # Read last-wins, the policy is public; a check must not answer PASS (nor FAIL on a guess).
    assert json.loads(DUPLICATE_EFFECT_POLICY)["Statement"]["Effect"] == "Allow"
    with pytest.raises(client.exceptions.ValidationException, match="duplicate key 'Effect'"):
        client.check_no_public_access(policyDocument=DUPLICATE_EFFECT_POLICY, resourceType="AWS::S3::Bucket")
    with pytest.raises(client.exceptions.ValidationException, match="duplicate key 'Effect'"):
        client.check_access_not_granted(policyDocument=DUPLICATE_EFFECT_POLICY, access=[{"actions": ["s3:GetObject"]}],
                                        policyType="RESOURCE_POLICY")
    iam = accessproof.client("iam")
    with pytest.raises(iam.exceptions.MalformedPolicyDocumentException, match="duplicate key 'Effect'"):
        iam.simulate_custom_policy(PolicyInputList=[DUPLICATE_EFFECT_POLICY.replace('"Principal": "*", ', "")],
                                   ActionNames=["s3:GetObject"])


def test_repeated_keys_in_condition_blocks_are_refused_too(client):
    text = ('{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*", '
            '"Condition": {"StringEquals": {"aws:PrincipalTag/team": "a"}, "StringEquals": {"aws:username": "b"}}}}')
    findings = client.validate_policy(policyDocument=text, policyType="IDENTITY_POLICY")["findings"]
    assert [f["issueCode"] for f in findings] == ["JSON_SYNTAX_ERROR"]
    differing_case = text.replace('"StringEquals": {"aws:username"', '"StringEquals ": {"aws:username"')
    assert "JSON_SYNTAX_ERROR" not in {f["issueCode"] for f in client.validate_policy(
        policyDocument=differing_case, policyType="IDENTITY_POLICY")["findings"]}


def test_lone_surrogate_in_a_policy_is_a_json_syntax_error(client):
    text = policy(sid='"\\ud800"')
    findings = client.validate_policy(policyDocument=text, policyType="RESOURCE_POLICY")["findings"]
    assert [f["issueCode"] for f in findings] == ["JSON_SYNTAX_ERROR"]
    assert findings[0]["locations"][0]["span"]["start"]["offset"] == text.index('"\\ud800"')
    paired = policy(sid='"\\ud83d\\ude00"')  # a surrogate pair is one character: fine
    assert "JSON_SYNTAX_ERROR" not in {f["issueCode"] for f in client.validate_policy(
        policyDocument=paired, policyType="RESOURCE_POLICY")["findings"]}


def test_lone_surrogate_policy_prints_as_text(tmp_path):
    path = tmp_path / "p.json"
    path.write_text('{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:Get\\ud800", '
                    '"Resource": "*"}}')
    run = cli("validate-policy", str(path), "--output", "text")
    assert run.returncode == 1 and b"JSON_SYNTAX_ERROR" in run.stdout and b"Traceback" not in run.stderr


# -------------------------------------------------------------------------------- snapshots


@pytest.mark.parametrize("value,reason", [
    (BIG, "a number of 5,000 characters"),
    (DEEP, f"JSON nested deeper than {MAX_DEPTH} levels"),
])
def test_snapshot_file_past_the_limits_is_a_one_line_error(snapshot, db, value, reason):
    path = snapshot / "sqs" / "orders-queue" / "get-queue-attributes.json"
    path.write_text('{"Attributes": {"QueueArn": "arn:aws:sqs:us-east-1:111122223333:orders-queue", "x": %s}}' % value)
    with pytest.raises(SnapshotError, match=reason):
        load_snapshot(snapshot)
    assert_one_line_refusal(cli("analyze", str(snapshot), "--database", db), "get-queue-attributes.json", reason)


@pytest.mark.parametrize("document,reason", [
    (BIG_NUMBER_POLICY, "a number of 5,000 characters"),
    (DEEP_POLICY, f"JSON nested deeper than {MAX_DEPTH} levels"),
    (DUPLICATE_EFFECT_POLICY, "duplicate key 'Effect'"),
])
def test_snapshot_policy_past_the_limits_or_with_repeated_keys_is_refused(snapshot, document, reason):
    path = queue_policy_file(snapshot, document)
    with pytest.raises(SnapshotError) as e:
        load_snapshot(snapshot)
    assert str(e.value).startswith(f"{path}: Attributes.Policy: ") and reason in str(e.value)


def test_snapshot_errors_are_one_line_with_short_excerpts(snapshot):
    path = snapshot / "sqs" / "orders-queue" / "get-queue-attributes.json"
    arn = "arn:aws:sqs:us-east-1:111122223333:\x1b[31mred\nsecond-line" + "x" * 10_000
    path.write_text(json.dumps({"Attributes": {"QueueArn": arn}}))
    with pytest.raises(SnapshotError) as e:
        load_snapshot(snapshot)
    message = str(e.value)
    assert "\n" not in message and "\x1b" not in message and "\\x1b" in message
    assert len(message) < 400 and "x" * 200 not in message


def test_repeated_keys_in_snapshot_files_are_refused(snapshot):
    (snapshot / "account.json").write_text('{"accountId": "111122223333", "accountId": "999988887777", '
                                           '"region": "us-east-1"}')
    with pytest.raises(SnapshotError, match="account.json: malformed JSON: duplicate key 'accountId'"):
        load_snapshot(snapshot)


# ---------------------------------------------------------------------------------- filters


@pytest.fixture
def analyzed(snapshot, db) -> str:
    run = cli("analyze", str(snapshot), "--database", db)
    assert run.returncode == 1, run.stderr
    return db


@pytest.mark.parametrize("value,reason", [
    (f'{{"resource": {{"eq": [{BIG}]}}}}', "a number of 5,000 characters"),
    (f'{{"resource": {DEEP}}}', f"JSON nested deeper than {MAX_DEPTH} levels"),
    ('{"resource": {"eq": ["a"]}, "resource": {"eq": ["b"]}}', "duplicate key 'resource'"),
    ('{"resource": {"eq": ["\\ud800"]}}', "not Unicode text"),
])
def test_filter_past_the_limits_is_a_one_line_error(analyzed, tmp_path, value, reason):
    path = tmp_path / "filter.json"
    path.write_text(value)
    assert_one_line_refusal(cli("list-findings", "--analyzer-arn", ANALYZER, "--filter", f"file://{path}",
                                "--database", analyzed), "--filter", reason)
    assert_one_line_refusal(cli("create-archive-rule", "--analyzer-name", "accessproof-external-account",
                                "--rule-name", "r", "--filter", "-", "--database", analyzed, stdin=value.encode()),
                            "--filter <stdin>", reason)


def deep_dict(levels: int) -> dict:
    root: dict = {}
    node = root
    for _ in range(levels - 1):
        node["a"] = {}
        node = node["a"]
    return root


@pytest.mark.parametrize("value,reason", [
    ({"resource": {"eq": [10 ** 5000]}}, "a number longer than 100 digits"),
    (deep_dict(100_000), f"JSON nested deeper than {MAX_DEPTH} levels"),
    ({"resource": {"eq": ["\ud800"]}}, "not Unicode text"),
])
def test_filter_past_the_limits_through_the_client_is_a_validation_exception(snapshot, db, value, reason):
    client = accessproof.client("accessanalyzer", snapshot=str(snapshot), database=db)
    arn = client.create_analyzer(analyzerName="external", type="ACCOUNT")["arn"]
    with pytest.raises(client.exceptions.ValidationException, match=reason):
        client.list_findings(analyzerArn=arn, filter=value)
    with pytest.raises(client.exceptions.ValidationException, match=reason):
        client.create_archive_rule(analyzerName="external", ruleName="r", filter=value)
    with pytest.raises(client.exceptions.ValidationException, match=reason):
        client.create_access_preview(analyzerArn=arn, configurations={"arn:aws:s3:::b": {"s3Bucket": value}})
    assert client.list_archive_rules(analyzerName="external")["archiveRules"] == []


def test_access_preview_policies_are_read_like_any_policy(snapshot, db):
    client = accessproof.client("accessanalyzer", snapshot=str(snapshot), database=db)
    arn = client.create_analyzer(analyzerName="external", type="ACCOUNT")["arn"]
    bucket = "arn:aws:s3:::example-public-website"
    with pytest.raises(client.exceptions.ValidationException, match="a number of 5,000 characters"):
        client.create_access_preview(analyzerArn=arn, configurations={bucket: {"s3Bucket": {"bucketPolicy": BIG_NUMBER_POLICY}}})
    with pytest.raises(client.exceptions.ValidationException, match="nested deeper"):
        client.create_access_preview(analyzerArn=arn, configurations={bucket: {"s3Bucket": {"bucketPolicy": DEEP_POLICY}}})
    preview = client.create_access_preview(analyzerArn=arn, configurations={
        bucket: {"s3Bucket": {"bucketPolicy": DUPLICATE_EFFECT_POLICY}}})["id"]
    status = client.get_access_preview(analyzerArn=arn, accessPreviewId=preview)["accessPreview"]
    assert (status["status"], status["statusReason"]["code"]) == ("FAILED", "INVALID_CONFIGURATION")


def test_forged_next_token_is_a_validation_exception(snapshot, db):
    import base64

    client = accessproof.client("accessanalyzer", snapshot=str(snapshot), database=db)
    arn = client.create_analyzer(analyzerName="external", type="ACCOUNT")["arn"]
    for forged in (DEEP, BIG, '{"q": 1, "q": 2, "after": []}'):
        token = base64.urlsafe_b64encode(forged.encode()).decode()
        with pytest.raises(client.exceptions.ValidationException, match="Invalid nextToken"):
            client.list_findings(analyzerArn=arn, nextToken=token)


def test_other_json_arguments_on_the_cli(tmp_path):
    policy_path = tmp_path / "p.json"
    policy_path.write_text(policy())
    (tmp_path / "access.json").write_text(DEEP)
    assert_one_line_refusal(cli("check-access-not-granted", "--policy-document", str(policy_path), "--policy-type",
                                "RESOURCE_POLICY", "--access", f"file://{tmp_path / 'access.json'}"),
                            "--access", "nested deeper")
    assert_one_line_refusal(cli("simulate-custom-policy", "--policy-input-list", f"file://{policy_path}",
                                "--action-names", "s3:GetObject", "--context-entries",
                                f'[{{"ContextKeyName": "a", "ContextKeyValues": [{BIG}]}}]'),
                            "--context-entries", "a number of 5,000 characters")


# ------------------------------------------------------------------------- the readers agree

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10 ** 30, 10 ** 30) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None)
@given(json_values, st.sampled_from([None, 2]))
def test_both_readers_agree_with_json_within_the_limits(value, indent):
    text = json.dumps(value, indent=indent)
    assert loads(text) == json.loads(text) == parse_json(text).to_python()


@settings(max_examples=100, deadline=None)
@given(st.integers(MAX_DEPTH + 1, 3 * MAX_DEPTH), st.sampled_from(["[", '{"k": ']))
def test_both_readers_refuse_the_same_depths(depth, opener):
    closer = "]" if opener == "[" else "}"
    text = opener * depth + ("1" if opener != "[" else "") + closer * depth
    with pytest.raises(JsonLimitError):
        loads(text)
    with pytest.raises(JsonLimitError):
        parse_json(text)
    within = opener * MAX_DEPTH + ("1" if opener != "[" else "") + closer * MAX_DEPTH
    assert loads(within) == parse_json(within).to_python()


def test_both_readers_refuse_repeated_keys_nan_and_lone_surrogates():
    for text in ('{"a": 1, "b": {"c": 1, "c": 1}}', '[NaN]', '["\\udc00"]', '{"\\ud800": 1}'):
        with pytest.raises(JsonSyntaxError):
            loads(text)
        if "NaN" not in text:  # NaN is not JSON to the policy reader's grammar either
            with pytest.raises(JsonSyntaxError):
                parse_json(text)


def test_both_readers_refuse_numbers_no_float_holds():
    for text in ("[1e400]", '{"a": -1E+309}'):
        with pytest.raises(JsonLimitError, match="out of range"):
            loads(text)
        with pytest.raises(JsonLimitError, match="out of range"):
            parse_json(text)
    assert loads("[1e308, 1e-400]") == parse_json("[1e308, 1e-400]").to_python() == [1e308, 0.0]


def test_structures_from_python_are_checked_without_recursion():
    check_structure({"a": [1, "x", None, True, 1.5, ("t",)]})
    with pytest.raises(JsonLimitError):
        check_structure(deep_dict(1_000_000))
    with pytest.raises(JsonLimitError):
        check_structure([10 ** 101])
    check_structure([10 ** 99])
    with pytest.raises(JsonSyntaxError):
        check_structure({"\udfff": 1})


def test_excerpts_and_lines_are_short_and_printable():
    assert excerpt("x" * 1000) == repr("x" * 1000)[:99] + "…"
    assert excerpt("a\nb") == "'a\\nb'"
    assert one_line("a\nb\x1b[0m\u2028c") == "a\\nb\\x1b[0m\\u2028c"
    assert len(one_line("y" * 5000)) == 1000
