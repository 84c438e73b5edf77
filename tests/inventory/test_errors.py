"""Every kind of bad snapshot input raises SnapshotError naming the exact file and the problem."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any, Callable

import pytest

from accessproof.inventory import SnapshotError, load_snapshot

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "account"


@pytest.fixture
def snap(tmp_path: Path) -> Path:
    root = tmp_path / "snap"
    shutil.copytree(EXAMPLE, root)
    return root


def edit_json(path: Path, change: Callable[[Any], Any]) -> None:
    """Apply ``change`` (which mutates the parsed JSON in place) and write the file back."""
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data, indent=2))


def load_error(root: Path) -> SnapshotError:
    with pytest.raises(SnapshotError) as info:
        load_snapshot(root)
    return info.value


def assert_names(error: SnapshotError, path: Path, *fragments: str) -> None:
    text = str(error)
    assert text.startswith(f"{path}: "), text
    assert error.file == str(path)
    for fragment in fragments:
        assert fragment in text, text
    assert "\n" not in text and "Traceback" not in text


# ------------------------------------------------------------------ missing things


def test_snapshot_directory_missing(tmp_path):
    assert_names(load_error(tmp_path / "nope"), tmp_path / "nope", "no such snapshot directory")


def test_snapshot_is_a_file(tmp_path):
    path = tmp_path / "file.json"
    path.write_text("{}")
    assert_names(load_error(path), path, "is a directory")


def test_missing_account_file(snap):
    (snap / "account.json").unlink()
    assert_names(load_error(snap), snap / "account.json", "missing required file")


def test_missing_field(snap):
    edit_json(snap / "account.json", lambda d: d.pop("region"))
    assert_names(load_error(snap), snap / "account.json", "region: missing required field")


def test_missing_nested_field(snap):
    path = snap / "s3" / "example-acl-public-logs" / "get-bucket-acl.json"
    edit_json(path, lambda d: d["Grants"][1].pop("Permission"))
    assert_names(load_error(snap), path, "Grants[1].Permission: missing required field")


def test_missing_required_file(snap):
    path = snap / "kms" / "1234abcd-12ab-34cd-56ef-1234567890ab" / "get-key-policy.json"
    path.unlink()
    assert_names(load_error(snap), path, "missing required file")


def test_missing_role_trust_policy(snap):
    path = snap / "iam" / "get-account-authorization-details.json"
    edit_json(path, lambda d: d["RoleDetailList"][2].pop("AssumeRolePolicyDocument"))
    assert_names(load_error(snap), path, "RoleDetailList[2].AssumeRolePolicyDocument: missing required field")


# ------------------------------------------------------------------ malformed JSON


def test_malformed_json_has_line_and_column(snap):
    path = snap / "sqs" / "partner-inbox" / "get-queue-attributes.json"
    path.write_text('{\n  "Attributes": {\n    "Policy": "x",\n  }\n}\n')
    assert_names(load_error(snap), path, "malformed JSON at line 4, column 3")


def test_malformed_policy_string_has_line_and_column(snap):
    path = snap / "s3" / "example-public-website" / "get-bucket-policy.json"
    path.write_text(json.dumps({"Policy": '{"Version": "2012-10-17",\n "Statement": [}'}))
    assert_names(load_error(snap), path, "Policy: the policy is not valid JSON (line 2, column 16")


def test_policy_that_is_not_an_object(snap):
    path = snap / "lambda" / "functions" / "public-webhook" / "get-policy.json"
    path.write_text(json.dumps({"Policy": "[1, 2]"}))
    assert_names(load_error(snap), path, "Policy: the policy must be a JSON object, found an array")


def test_not_utf8(snap):
    path = snap / "efs" / "fs-0123456789abcdef0" / "describe-file-system-policy.json"
    path.write_bytes(b'{"FileSystemId": "\xff"}')
    assert_names(load_error(snap), path, "not valid UTF-8")


# ------------------------------------------------------------------ wrong types and values


def test_wrong_type_top_level(snap):
    path = snap / "dynamodb" / "tables" / "Customers" / "get-resource-policy.json"
    path.write_text("[]")
    assert_names(load_error(snap), path, "expected a JSON object at the top level, found an array")


def test_wrong_type_field(snap):
    path = snap / "kms" / "1234abcd-12ab-34cd-56ef-1234567890ab" / "list-grants.json"
    edit_json(path, lambda d: d.__setitem__("Grants", {"not": "a list"}))
    assert_names(load_error(snap), path, "Grants: expected an array, found an object")


def test_wrong_type_boolean(snap):
    path = snap / "s3" / "example-bpa-blocked" / "get-public-access-block.json"
    edit_json(path, lambda d: d["PublicAccessBlockConfiguration"].__setitem__("IgnorePublicAcls", "true"))
    assert_names(load_error(snap), path, "PublicAccessBlockConfiguration.IgnorePublicAcls: expected a boolean, "
                                         "found a string")


def test_bad_account_id(snap):
    edit_json(snap / "account.json", lambda d: d.__setitem__("accountId", "1111-2222-3333"))
    assert_names(load_error(snap), snap / "account.json", "accountId: expected a 12-digit AWS account id")


def test_bad_acl_permission(snap):
    path = snap / "s3" / "example-acl-public-logs" / "get-bucket-acl.json"
    edit_json(path, lambda d: d["Grants"][1].__setitem__("Permission", "READ_WRITE"))
    assert_names(load_error(snap), path, "Grants[1].Permission: unknown permission 'READ_WRITE'")


def test_unknown_acl_group(snap):
    path = snap / "s3" / "example-acl-public-logs" / "get-bucket-acl.json"
    edit_json(path, lambda d: d["Grants"][1]["Grantee"].__setitem__("URI", "http://acs.amazonaws.com/groups/x"))
    assert_names(load_error(snap), path, "Grants[1].Grantee.URI: unknown S3 group")


def test_bad_share_value(snap):
    path = snap / "rds" / "db-snapshots" / "orders-db-final" / "describe-db-snapshot-attributes.json"
    edit_json(path, lambda d: d["DBSnapshotAttributesResult"]["DBSnapshotAttributes"][0]
              .__setitem__("AttributeValues", ["everyone"]))
    assert_names(load_error(snap), path,
                 "DBSnapshotAttributesResult.DBSnapshotAttributes[0].AttributeValues[0]: expected a 12-digit")


def test_bad_snapshot_permission(snap):
    path = snap / "ec2" / "snapshots" / "snap-0123456789abcdef0" / "describe-snapshot-attribute.json"
    edit_json(path, lambda d: d.__setitem__("CreateVolumePermissions", [{"Group": "all", "UserId": "123456789012"}]))
    assert_names(load_error(snap), path, "CreateVolumePermissions[0]: expected exactly one of Group and UserId")


def test_identifier_disagrees_with_directory(snap):
    path = snap / "ec2" / "snapshots" / "snap-0fedcba9876543210" / "describe-snapshot-attribute.json"
    edit_json(path, lambda d: d.__setitem__("SnapshotId", "snap-0123456789abcdef0"))
    assert_names(load_error(snap), path, "SnapshotId: describes snapshot 'snap-0123456789abcdef0'")


def test_queue_arn_disagrees_with_directory(snap):
    path = snap / "sqs" / "orders-queue" / "get-queue-attributes.json"
    edit_json(path, lambda d: d["Attributes"].__setitem__("QueueArn", "arn:aws:sqs:us-east-1:111122223333:other"))
    assert_names(load_error(snap), path, "Attributes.QueueArn: expected arn:aws:sqs:us-east-1:111122223333:orders-queue")


def test_role_of_another_account(snap):
    path = snap / "iam" / "get-account-authorization-details.json"
    edit_json(path, lambda d: d["RoleDetailList"][0].__setitem__("Arn", "arn:aws:iam::999988887777:role/X"))
    assert_names(load_error(snap), path, "RoleDetailList[0].Arn: role of account 999988887777")


def test_truncated_output(snap):
    path = snap / "iam" / "get-account-authorization-details.json"
    edit_json(path, lambda d: d.update(IsTruncated=True, Marker="abc"))
    assert_names(load_error(snap), path, "IsTruncated: the output is truncated")


def test_access_point_of_another_bucket(snap):
    path = snap / "s3" / "example-data-lake" / "list-access-points.json"
    edit_json(path, lambda d: d["AccessPointList"][0].__setitem__("Bucket", "other-bucket"))
    assert_names(load_error(snap), path, "AccessPointList[0].Bucket: access point 'partner-ap' belongs to bucket")


# ------------------------------------------------------------------ unknown entries


def test_unknown_top_level_directory(snap):
    (snap / "cloudfront").mkdir()
    assert_names(load_error(snap), snap / "cloudfront", "unknown directory")


def test_unknown_top_level_file(snap):
    (snap / "notes.txt").write_text("hi")
    assert_names(load_error(snap), snap / "notes.txt", "unknown file")


def test_unknown_file_in_resource_directory(snap):
    path = snap / "s3" / "example-public-website" / "get-bucket-policy-status.json"
    path.write_text("{}")
    assert_names(load_error(snap), path, "unknown file; expected", "get-bucket-acl.json")


def test_unknown_nested_directory(snap):
    path = snap / "lambda" / "aliases"
    path.mkdir()
    assert_names(load_error(snap), path, "unknown directory; expected functions/, layers/")


def test_file_where_a_resource_directory_is_expected(snap):
    path = snap / "sns" / "stray.json"
    path.write_text("{}")
    assert_names(load_error(snap), path, "unexpected file")


def test_access_point_directory_not_listed(snap):
    path = snap / "s3" / "example-data-lake" / "access-points" / "ghost-ap"
    path.mkdir()
    (path / "get-access-point-policy.json").write_text('{"Policy": "{}"}')
    assert_names(load_error(snap), path, "access point 'ghost-ap' is not in list-access-points.json")


def test_layer_version_must_be_a_number(snap):
    src = snap / "lambda" / "layers" / "partner-sdk" / "1"
    dst = snap / "lambda" / "layers" / "partner-sdk" / "latest"
    src.rename(dst)
    assert_names(load_error(snap), dst, "expected a layer version number")


def test_directory_bucket_name(snap):
    src = snap / "s3express" / "example-fast-cache--use1-az4--x-s3"
    dst = snap / "s3express" / "example-fast-cache"
    src.rename(dst)
    assert_names(load_error(snap), dst, "ends with --x-s3")


def test_unknown_account_field(snap):
    edit_json(snap / "account.json", lambda d: d.__setitem__("orgId", "o-a1b2c3d4e5"))
    assert_names(load_error(snap), snap / "account.json", "orgId: unknown field")


def test_policy_without_statement(snap):
    path = snap / "sqs" / "partner-inbox" / "get-queue-attributes.json"
    edit_json(path, lambda d: d["Attributes"].__setitem__("Policy", '{"Version": "2012-10-17"}'))
    assert_names(load_error(snap), path, "Attributes.Policy: the policy has no Statement element")


def test_role_trust_policy_of_the_wrong_type(snap):
    path = snap / "iam" / "get-account-authorization-details.json"
    edit_json(path, lambda d: d["RoleDetailList"][0].__setitem__("AssumeRolePolicyDocument", 42))
    assert_names(load_error(snap), path, "RoleDetailList[0].AssumeRolePolicyDocument: expected a policy document")
