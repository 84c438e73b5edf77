"""Activity data: the example snapshot, the credential report, last-accessed files, trails, organizations."""

from __future__ import annotations

import base64
import json
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest

from accessproof.inventory import SnapshotError
from accessproof.inventory.activity import (
    CredentialRow, KeyMetadata, load_account_activity, match_access_keys, parse_credential_report, parse_last_accessed,
)
from accessproof.inventory.organization import load_organization

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "account-unused"
ORGANIZATION = ROOT / "examples" / "organization"


def t(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def test_example_loads_identities_credentials_and_activity():
    account = load_account_activity(EXAMPLE)
    assert account.account.account_id == "444455556666"
    names = {i.name for i in account.identities}
    assert {"DataReaderRole", "NeverUsedRole", "alice", "bob", "carol", "ci-deployer"} <= names
    bob = account.identity("arn:aws:iam::444455556666:user/bob")
    assert bob.password_enabled and bob.password_last_used == t("2026-03-01T08:00:00")
    assert [(k.access_key_id, k.last_used) for k in bob.access_keys] == [
        ("AKIAEXAMPLEBOB000001", t("2026-08-01T12:00:00")), ("AKIAEXAMPLEBOB000002", None)]
    reader = account.activity_of("arn:aws:iam::444455556666:role/DataReaderRole")
    assert reader.service("s3").action_last_accessed("s3:GetObject") == t("2026-11-20T14:00:00")
    assert reader.service("dynamodb").last_accessed is None and not reader.service("dynamodb").is_tracked("dynamodb:GetItem")


def test_trail_gives_a_user_without_last_accessed_data_the_same_analysis():
    account = load_account_activity(EXAMPLE)
    carol = account.activity_of("arn:aws:iam::444455556666:user/carol")
    s3 = carol.service("s3")
    assert s3.every_action_tracked and s3.last_accessed == t("2026-11-21T10:00:00")
    assert s3.action_last_accessed("s3:GetObject") == t("2026-11-21T10:00:00")
    assert s3.action_last_accessed("s3:ListBucket") == t("2026-11-20T09:59:00")  # ListObjects → s3:ListBucket
    [key] = account.identity("arn:aws:iam::444455556666:user/carol").access_keys
    assert key.last_used == t("2026-11-21T10:00:00")  # from userIdentity.accessKeyId


def test_the_trail_is_read_in_one_scan_keys_included(monkeypatch):
    """One DuckDB query over the logs gives every principal's activity and every key's last use (the
    policy generator's reader, grouped by principal, as ``generate-policy`` for many principals)."""
    import duckdb

    queries: list[str] = []
    real = duckdb.connect

    class Counting:
        def __init__(self, connection):
            self._connection = connection

        def execute(self, sql, *args, **kwargs):
            if "read_json_objects" in sql:
                queries.append(sql)
            return self._connection.execute(sql, *args, **kwargs)

        def __getattr__(self, name):
            return getattr(self._connection, name)

    monkeypatch.setattr(duckdb, "connect", lambda *a, **k: Counting(real(*a, **k)))
    account = load_account_activity(EXAMPLE)
    assert len(queries) == 1
    [key] = account.identity("arn:aws:iam::444455556666:user/carol").access_keys
    assert key.last_used == t("2026-11-21T10:00:00")


REPORT = """user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated
<root_account>,arn:aws:iam::444455556666:root,2024-01-01T00:00:00+00:00,not_supported,2026-01-01T00:00:00+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A
dave,arn:aws:iam::444455556666:user/dave,2024-01-01T00:00:00+00:00,true,no_information,2024-01-02T00:00:00+00:00,N/A,false,true,2024-01-03T00:00:00+00:00,2026-11-01T00:00:00+00:00,us-east-1,s3,true,2024-02-03T00:00:00+00:00,N/A,N/A,N/A,false,N/A,false,N/A
"""


def test_credential_report_parsing():
    rows = parse_credential_report(REPORT, Path("r.csv"))
    assert list(rows) == ["arn:aws:iam::444455556666:user/dave"]  # no root
    dave = rows["arn:aws:iam::444455556666:user/dave"]
    assert dave.password_enabled and dave.password_last_used is None  # no_information
    assert dave.keys == ((True, t("2024-01-03T00:00:00"), t("2026-11-01T00:00:00")), (True, t("2024-02-03T00:00:00"), None))


def test_credential_report_must_have_its_columns():
    with pytest.raises(SnapshotError, match="missing column"):
        parse_credential_report("user,arn\nx,y\n", Path("r.csv"))


def test_keys_take_the_report_slot_created_at_the_same_time():
    row = CredentialRow("arn", None, False, None, None,
                        ((True, t("2024-02-03T00:00:00"), t("2026-01-01T00:00:00")), (True, t("2024-01-03T00:00:00"), None)))
    listed = [KeyMetadata("AKIAFIRST00000000001", True, t("2024-01-03T00:00:00")),
              KeyMetadata("AKIASECOND0000000001", True, t("2024-02-03T00:00:00"))]
    keys = match_access_keys(listed, row, {"AKIAFIRST00000000001": t("2026-05-05T00:00:00")})
    assert [(k.access_key_id, k.last_used) for k in keys] == [("AKIAFIRST00000000001", t("2026-05-05T00:00:00")),
                                                              ("AKIASECOND0000000001", t("2026-01-01T00:00:00"))]


def test_last_accessed_must_be_complete():
    with pytest.raises(SnapshotError, match="IN_PROGRESS"):
        parse_last_accessed({"JobStatus": "IN_PROGRESS", "ServicesLastAccessed": []}, Path("x.json"))
    with pytest.raises(SnapshotError, match="truncated"):
        parse_last_accessed({"JobStatus": "COMPLETED", "IsTruncated": True, "ServicesLastAccessed": []}, Path("x.json"))


def test_unknown_files_and_entities_are_errors(tmp_path):
    copy = tmp_path / "snap"
    shutil.copytree(EXAMPLE, copy)
    (copy / "iam" / "users" / "alice" / "notes.txt").write_text("x")
    with pytest.raises(SnapshotError, match="unknown file"):
        load_account_activity(copy)
    (copy / "iam" / "users" / "alice" / "notes.txt").unlink()
    shutil.copytree(copy / "iam" / "users" / "alice", copy / "iam" / "users" / "mallory")
    with pytest.raises(SnapshotError, match="no user 'mallory'"):
        load_account_activity(copy)


def test_credential_report_as_plain_csv(tmp_path):
    copy = tmp_path / "snap"
    shutil.copytree(EXAMPLE, copy)
    report = json.loads((copy / "iam" / "get-credential-report.json").read_text())
    (copy / "iam" / "credential-report.csv").write_bytes(base64.b64decode(report["Content"]))
    with pytest.raises(SnapshotError, match="give the credential report once"):
        load_account_activity(copy)
    (copy / "iam" / "get-credential-report.json").unlink()
    assert load_account_activity(copy).identity("arn:aws:iam::444455556666:user/bob").password_enabled


def test_organization_folder():
    organization = load_organization(ORGANIZATION)
    assert organization.organization_id == "o-a1b2c3d4e5" and organization.management_account_id == "111122223333"
    assert sorted(organization.snapshots) == ["111122223333", "444455556666"]
    assert organization.accounts_without_snapshot == ()
    assert organization.ou_path("444455556666") == ("r-a1b2", "ou-a1b2-workload1")


def test_organization_snapshot_of_a_stranger_is_an_error(tmp_path):
    folder = tmp_path / "org"
    shutil.copytree(ORGANIZATION, folder, ignore=shutil.ignore_patterns("accessproof-snapshots.json"))
    (folder / "accounts").mkdir()
    stranger = folder / "accounts" / "stranger"
    stranger.mkdir()
    (stranger / "account.json").write_text('{"accountId": "999999999999", "region": "us-east-1"}')
    with pytest.raises(SnapshotError, match="not a member"):
        load_organization(folder)
