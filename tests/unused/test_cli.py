"""``accessproof analyze-unused`` and ``accessproof recommend``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "account-unused"
ORGANIZATION = ROOT / "examples" / "organization"
NOW = "2026-11-28T00:00:00Z"


def cli(*args):
    return subprocess.run([sys.executable, "-m", "accessproof.cli.main", *args], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, "COLUMNS": "200"})


def test_table_lists_entity_type_last_used_and_unused_actions(tmp_path):
    db = f"sqlite:///{tmp_path / 'f.db'}"
    r = cli("analyze-unused", str(EXAMPLE), "--now", NOW, "--database", db)
    assert r.returncode == 1, r.stderr  # active findings
    out = r.stdout
    for text in ("role/LegacyBatchRole", "UnusedIAMRole", "2026-06-01", "user/bob", "UnusedIAMUserPassword",
                 "key AKIAEXAMPLEBOB000001", "dynamodb (all)", "s3: CreateBucket", "10 new"):
        assert text in out, text
    assert "skipped arn:aws:iam::444455556666:role/NewProjectRole" in out


def test_json_output_and_age_option(tmp_path):
    db = f"sqlite:///{tmp_path / 'f.db'}"
    r = cli("analyze-unused", str(EXAMPLE), "--now", NOW, "--database", db, "--unused-access-age", "365", "--output", "json")
    data = json.loads(r.stdout)
    kinds = sorted(f["findingType"] for f in data["findings"])
    # with a year of tracking, LegacyBatchRole (used 180 days ago) and bob's password are used
    assert "UnusedIAMUserPassword" not in kinds
    assert not any(f["resource"].endswith("LegacyBatchRole") for f in data["findings"])


def test_organization_with_exclusions(tmp_path):
    db = f"sqlite:///{tmp_path / 'f.db'}"
    r = cli("analyze-unused", str(ORGANIZATION), "--type", "ORGANIZATION_UNUSED_ACCESS", "--now", NOW, "--database", db,
            "--exclude-account", "444455556666", "--output", "json")
    data = json.loads(r.stdout)
    assert {f["resourceOwnerAccount"] for f in data["findings"]} == {"111122223333"}


def test_bad_input_exits_2(tmp_path):
    db = f"sqlite:///{tmp_path / 'f.db'}"
    r = cli("analyze-unused", str(EXAMPLE), "--now", NOW, "--database", db, "--unused-access-age", "0")
    assert r.returncode == 2 and "unusedAccessAge" in r.stderr and "Traceback" not in r.stderr
    r = cli("analyze-unused", str(tmp_path / "missing"), "--database", db)
    assert r.returncode == 2


def test_recommend_prints_steps_and_diffs(tmp_path):
    db = f"sqlite:///{tmp_path / 'f.db'}"
    data = json.loads(cli("analyze-unused", str(EXAMPLE), "--now", NOW, "--database", db, "--output", "json").stdout)
    [carol] = [f for f in data["findings"] if f["resource"].endswith("user/carol")]
    r = cli("recommend", carol["id"][:8], "--database", db)
    assert r.returncode == 0, r.stderr
    assert "CREATE_POLICY Reports" in r.stdout and "check-no-new-access: PASS" in r.stdout
    assert '-                "s3:PutObject",' in r.stdout
    assert "2. DETACH_POLICY Reports" in r.stdout and "once the recommended policy above is attached" in r.stdout
    [role] = [f for f in data["findings"] if f["resource"].endswith("DataReaderRole")]
    r = cli("recommend", role["id"], "--database", db, "--output", "json")
    steps = json.loads(r.stdout)["recommendedSteps"]
    assert [s["unusedPermissionsRecommendedStep"]["recommendedAction"] for s in steps] == [
        "CREATE_POLICY", "DETACH_POLICY", "DETACH_POLICY"]
    assert cli("recommend", "nope", "--database", db).returncode == 2


def test_analyze_dispatches_unused_types(tmp_path):
    db = f"sqlite:///{tmp_path / 'f.db'}"
    r = cli("analyze", str(EXAMPLE), "--type", "ACCOUNT_UNUSED_ACCESS", "--now", NOW, "--database", db, "--output", "json")
    assert r.returncode == 1, r.stderr
    assert len(json.loads(r.stdout)["findings"]) == 10
    r = cli("analyze", str(ORGANIZATION), "--type", "ORGANIZATION_UNUSED_ACCESS", "--now", NOW, "--database", db,
            "--unused-access-age", "30")
    assert r.returncode == 1 and "2 account(s)" in r.stdout
