"""The snapshot inputs that decide access beyond the policies (docs/snapshot.md): AWS CLI error
responses, S3 Object Ownership, a secret's key, Lambda aliases and function URLs, snapshot
encryption and EBS block public access — read into the resources, and refused with a one-line
``SnapshotError`` when malformed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from accessproof.inventory import SnapshotError, load_snapshot
from accessproof.inventory.model import SECRETS_MANAGER_MANAGED_KEY, FunctionUrl

from .test_errors import assert_names, edit_json, load_error

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "account"
OWNER = "111122223333"
R = f"us-east-1:{OWNER}"
DENIED = "\nAn error occurred (AccessDeniedException) when calling the {op} operation: User: x is not authorized\n"
NOT_FOUND = "\nAn error occurred ({code}) when calling the {op} operation: The resource you requested does not exist.\n"


@pytest.fixture
def snap(tmp_path: Path) -> Path:
    root = tmp_path / "snap"
    shutil.copytree(EXAMPLE, root)
    return root


def resource(snapshot, arn: str):
    found = snapshot.get(arn)
    assert found is not None, arn
    return found


# ----------------------------------------------------------------------- error responses


def test_the_example_records_a_key_it_could_not_read():
    snapshot = load_snapshot(EXAMPLE)
    key = resource(snapshot, f"arn:aws:kms:{R}:key/2468ace0-2468-ace0-2468-ace02468ace0")
    assert key.policy is None and key.grants == ()
    assert key.unreadable == ("kms/2468ace0-2468-ace0-2468-ace02468ace0/get-key-policy.json: AccessDeniedException",
                              "kms/2468ace0-2468-ace0-2468-ace02468ace0/list-grants.json: AccessDeniedException")
    assert all(not r.unreadable for r in snapshot if r is not key)


def test_a_refused_response_is_unreadable_and_a_not_found_one_is_absent(snap):
    queue = snap / "sqs" / "partner-inbox"
    (queue / "get-queue-attributes.json").unlink()
    (queue / "get-queue-attributes.error").write_text(DENIED.format(op="GetQueueAttributes"))
    bucket = snap / "s3" / "example-public-website"
    (bucket / "get-bucket-policy.json").unlink()
    (bucket / "get-bucket-policy.error").write_text(NOT_FOUND.format(code="NoSuchBucketPolicy", op="GetBucketPolicy"))
    snapshot = load_snapshot(snap)
    inbox = resource(snapshot, f"arn:aws:sqs:{R}:partner-inbox")
    assert inbox.policy is None and inbox.unreadable == ("sqs/partner-inbox/get-queue-attributes.json: AccessDeniedException",)
    website = resource(snapshot, "arn:aws:s3:::example-public-website")
    assert website.policy is None and website.unreadable == ()


def test_a_refusal_satisfies_a_required_response(snap):
    snapshot_dir = snap / "ec2" / "snapshots" / "snap-0123456789abcdef0"
    (snapshot_dir / "describe-snapshot-attribute.json").unlink()
    (snapshot_dir / "describe-snapshot-attribute.error").write_text(
        "An error occurred (UnauthorizedOperation) when calling the DescribeSnapshotAttribute operation: denied")
    found = resource(load_snapshot(snap), "arn:aws:ec2:us-east-1::snapshot/snap-0123456789abcdef0")
    assert found.groups == () and found.user_ids == ()
    assert found.unreadable == ("ec2/snapshots/snap-0123456789abcdef0/describe-snapshot-attribute.json: UnauthorizedOperation",)


def test_a_not_found_error_does_not_satisfy_a_required_response(snap):
    key = snap / "kms" / "1234abcd-12ab-34cd-56ef-1234567890ab"
    (key / "get-key-policy.json").unlink()
    (key / "get-key-policy.error").write_text(NOT_FOUND.format(code="NotFoundException", op="GetKeyPolicy"))
    assert_names(load_error(snap), key / "get-key-policy.json", "missing required file")


@pytest.mark.parametrize("text, fragment", [
    ("Could not connect to the endpoint URL", "expected the AWS CLI's error message"),
    ("An error occurred (ThrottlingException) when calling the GetKeyPolicy operation: Rate exceeded",
     "'ThrottlingException' says neither"),
])
def test_an_error_response_that_says_nothing_usable_is_refused(snap, text, fragment):
    path = snap / "kms" / "2468ace0-2468-ace0-2468-ace02468ace0" / "get-key-policy.error"
    path.write_text(text)
    assert_names(load_error(snap), path, fragment)


def test_a_response_and_its_error_together_are_refused(snap):
    queue = snap / "sqs" / "partner-inbox"
    (queue / "get-queue-attributes.error").write_text(DENIED.format(op="GetQueueAttributes"))
    assert_names(load_error(snap), queue / "get-queue-attributes.error", "both get-queue-attributes.json and its error")


def test_an_error_file_for_no_known_command_is_an_unknown_file(snap):
    path = snap / "sqs" / "partner-inbox" / "get-queue-url.error"
    path.write_text(DENIED.format(op="GetQueueUrl"))
    assert_names(load_error(snap), path, "unknown file")


# ---------------------------------------------------------------------------- S3, secrets


def test_object_ownership(snap):
    snapshot = load_snapshot(EXAMPLE)
    assert resource(snapshot, "arn:aws:s3:::example-data-lake").object_ownership == "BucketOwnerEnforced"
    assert resource(snapshot, "arn:aws:s3:::example-acl-public-logs").object_ownership == "ObjectWriter"
    assert resource(snapshot, "arn:aws:s3:::example-public-website").object_ownership is None
    path = snap / "s3" / "example-data-lake" / "get-bucket-ownership-controls.json"
    edit_json(path, lambda d: d["OwnershipControls"]["Rules"][0].update(ObjectOwnership="BucketOwnerOnly"))
    assert_names(load_error(snap), path, "OwnershipControls.Rules[0].ObjectOwnership", "unknown setting 'BucketOwnerOnly'")


def test_secret_keys_from_describe_secret():
    snapshot = load_snapshot(EXAMPLE)
    assert resource(snapshot, f"arn:aws:secretsmanager:{R}:secret:api-key-Gh1jK2").kms_key_id == SECRETS_MANAGER_MANAGED_KEY
    shared = resource(snapshot, f"arn:aws:secretsmanager:{R}:secret:prod/db-password-AbCdEf")
    assert shared.kms_key_id == f"arn:aws:kms:{R}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    token = resource(snapshot, f"arn:aws:secretsmanager:{R}:secret:partner-feed-token-Qw3eR4")
    assert token.uses_aws_managed_key and token.policy is not None


def test_a_secret_described_only_by_describe_secret(snap):
    secret = snap / "secretsmanager" / "api-key"
    (secret / "get-resource-policy.json").unlink()
    found = resource(load_snapshot(snap), f"arn:aws:secretsmanager:{R}:secret:api-key-Gh1jK2")
    assert found.policy is None and found.kms_key_id == SECRETS_MANAGER_MANAGED_KEY
    (secret / "describe-secret.json").unlink()
    (secret / "describe-secret.error").write_text(DENIED.format(op="DescribeSecret"))
    assert_names(load_error(snap), secret / "get-resource-policy.json", "missing required file", "ARN")


def test_secret_files_must_describe_the_same_secret(snap):
    secret = snap / "secretsmanager" / "api-key"
    edit_json(secret / "describe-secret.json", lambda d: d.update(ARN=f"arn:aws:secretsmanager:{R}:secret:api-key-Zz9yX8"))
    assert_names(load_error(snap), secret / "get-resource-policy.json", "ARN", "api-key-Gh1jK2", "describe-secret.json",
                 "api-key-Zz9yX8")


# --------------------------------------------------------------------------------- Lambda


def test_function_urls_and_alias_policies():
    snapshot = load_snapshot(EXAMPLE)
    webhook = resource(snapshot, f"arn:aws:lambda:{R}:function:public-webhook")
    assert webhook.function_urls == (FunctionUrl(None, "NONE"),)
    orders = resource(snapshot, f"arn:aws:lambda:{R}:function:orders-processor")
    assert orders.function_urls == (FunctionUrl(None, None),)  # its .error says ResourceNotFoundException
    (live,) = orders.qualifier_policies
    assert live.qualifier == "live" and f"function:orders-processor:live" in live.policy


def test_function_url_config_is_checked(snap):
    path = snap / "lambda" / "functions" / "public-webhook" / "get-function-url-config.json"
    edit_json(path, lambda d: d.update(AuthType="OPEN"))
    assert_names(load_error(snap), path, "AuthType", "unknown auth type 'OPEN'")
    edit_json(path, lambda d: d.update(AuthType="NONE", FunctionArn=f"arn:aws:lambda:{R}:function:other"))
    assert_names(load_error(snap), path, "FunctionArn", "function:other")


def test_alias_url_config(snap):
    alias = snap / "lambda" / "functions" / "orders-processor" / "qualifiers" / "live"
    (alias / "get-function-url-config.json").write_text(json.dumps({
        "FunctionArn": f"arn:aws:lambda:{R}:function:orders-processor:live", "AuthType": "AWS_IAM"}))
    orders = resource(load_snapshot(snap), f"arn:aws:lambda:{R}:function:orders-processor")
    assert orders.function_urls == (FunctionUrl(None, None), FunctionUrl("live", "AWS_IAM"))


# ------------------------------------------------------------------------------ snapshots


def test_snapshot_encryption_and_block_public_access():
    snapshot = load_snapshot(EXAMPLE)
    public = resource(snapshot, "arn:aws:ec2:us-east-1::snapshot/snap-0123456789abcdef0")
    assert public.encrypted is False and public.block_public_access == "unblocked"
    shared = resource(snapshot, "arn:aws:ec2:us-east-1::snapshot/snap-0fedcba9876543210")
    assert shared.encrypted is True and shared.kms_key_id.endswith("key/1234abcd-12ab-34cd-56ef-1234567890ab")
    db = resource(snapshot, f"arn:aws:rds:{R}:snapshot:orders-db-final")
    cluster = resource(snapshot, f"arn:aws:rds:{R}:cluster-snapshot:analytics-cluster-2026-11-01")
    assert db.encrypted is True and cluster.encrypted is True


def test_snapshot_descriptions_are_checked(snap):
    state = snap / "ec2" / "get-snapshot-block-public-access-state.json"
    state.write_text(json.dumps({"State": "block-everything"}))
    assert_names(load_error(snap), state, "State", "unknown state 'block-everything'")
    state.write_text(json.dumps({"State": "block-all-sharing"}))
    ebs = snap / "ec2" / "snapshots" / "snap-0123456789abcdef0" / "describe-snapshots.json"
    edit_json(ebs, lambda d: d["Snapshots"][0].update(SnapshotId="snap-0aaaabbbbccccdddd"))
    assert_names(load_error(snap), ebs, "Snapshots[0].SnapshotId", "snap-0aaaabbbbccccdddd")
    edit_json(ebs, lambda d: d["Snapshots"][0].update(SnapshotId="snap-0123456789abcdef0", Encrypted="yes"))
    assert_names(load_error(snap), ebs, "Snapshots[0].Encrypted", "expected a boolean")
    edit_json(ebs, lambda d: d["Snapshots"].append(dict(d["Snapshots"][0])))
    assert_names(load_error(snap), ebs, "expected exactly one snapshot")
    cluster = snap / "rds" / "db-cluster-snapshots" / "analytics-cluster-2026-11-01" / "describe-db-cluster-snapshots.json"
    edit_json(cluster, lambda d: d["DBClusterSnapshots"][0].pop("StorageEncrypted"))
    ebs.unlink()
    assert_names(load_error(snap), cluster, "DBClusterSnapshots[0].StorageEncrypted", "missing required field")


def test_snapshots_carry_the_regions_block_public_access_state(snap):
    (snap / "ec2" / "get-snapshot-block-public-access-state.json").write_text(json.dumps({"State": "block-all-sharing"}))
    snapshot = load_snapshot(snap)
    assert {r.block_public_access for r in snapshot.of_type("AWS::EC2::Snapshot")} == {"block-all-sharing"}
