"""Unused access analysis on several processes: the same analysis, in the same order, as in one
(organizations one account per task, a large account in parts that share one read of its trail);
a worker killed during ``accessproof analyze-unused`` records nothing, and a rerun converges."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from accessproof.analyzers import unused_service
from accessproof.analyzers.unused import ACCOUNT_UNUSED_ACCESS, ORGANIZATION_UNUSED_ACCESS, settings_from_configuration
from accessproof.analyzers.unused_service import analyze_layout, load_snapshot
from accessproof.findings import FindingsStore
from accessproof.inventory import SnapshotError
from accessproof.inventory.activity import load_account_activity, part_bounds
from accessproof.parallel import LocalExecutor, SerialExecutor

from .snapshots import MANAGEMENT, NOW, write_organization
from .test_external import _cli, _comparable, kill_a_worker

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "account-unused"
EXAMPLE_NOW = "2026-11-28T00:00:00+00:00"


@pytest.fixture
def spread_everything(monkeypatch):
    """Every snapshot counts as large: each account is split over the workers."""
    monkeypatch.setattr(unused_service, "SPLIT_ACCOUNT_BYTES", 0)
    monkeypatch.setattr(unused_service, "PARALLEL_MIN_BYTES", 0)


@pytest.fixture
def two_workers():
    executor = LocalExecutor(2)
    try:
        yield executor
    finally:
        executor.close()


def _same(a, b) -> None:
    assert a.results == b.results
    assert a.skipped == b.skipped
    assert a.problems == b.problems
    assert a.accounts == b.accounts and a.excluded_accounts == b.excluded_accounts


@pytest.mark.parametrize("count", [0, 1, 5, 7])
def test_parts_cover_every_identity_once_in_order(count):
    for parts in (1, 2, 3, 8):
        runs = [part_bounds(count, p, parts) for p in range(parts)]
        assert [i for start, end in runs for i in range(start, end)] == list(range(count))
        assert max(e - s for s, e in runs) - min(e - s for s, e in runs) <= 1


def test_an_organization_on_two_workers_equals_one_process(tmp_path, two_workers):
    write_organization(tmp_path / "org", 6, 40)
    layout = load_snapshot(tmp_path / "org")
    rule = {"unusedAccess": {"unusedAccessAge": 90, "analysisRule": {"exclusions": [
        {"accountIds": [layout.account_dirs[2][0]]}]}}}
    settings = settings_from_configuration(rule, ORGANIZATION_UNUSED_ACCESS, MANAGEMENT)
    alone = analyze_layout(layout, settings, NOW, SerialExecutor())
    _same(analyze_layout(layout, settings, NOW, two_workers), alone)
    assert alone.excluded_accounts == [layout.account_dirs[2][0]]
    assert len(alone.accounts) == 5 and len(alone.results) == 5 * 40
    assert sum(len(r.findings) for r in alone.results) >= 5 * 40 * 2 // 3


def test_a_large_account_in_parts_equals_one_process(tmp_path, spread_everything, two_workers):
    """The example account (roles, users with keys and passwords, a CloudTrail folder) in two parts:
    the same results, skipped entities and trail problems, once each, as one process reads it."""
    layout = load_snapshot(EXAMPLE)
    settings = settings_from_configuration(None, ACCOUNT_UNUSED_ACCESS, layout.owner_account)
    now = datetime.fromisoformat(EXAMPLE_NOW)
    whole = load_account_activity(EXAMPLE)
    alone = analyze_layout(layout, settings, now, SerialExecutor())
    assert len(alone.results) + len(alone.skipped) == len(whole.identities) >= 4
    assert any(f.finding_type == "UnusedIAMUserAccessKey" for r in alone.results for f in r.findings)
    assert sum(1 for p in unused_service._parts_of(str(EXAMPLE), 2)) == 2
    _same(analyze_layout(layout, settings, now, two_workers), alone)


def test_a_broken_member_snapshot_is_reported_from_a_worker(tmp_path, spread_everything, two_workers):
    write_organization(tmp_path / "org", 4, 10)
    layout = load_snapshot(tmp_path / "org")
    broken = Path(layout.account_dirs[1][1]) / "iam" / "get-account-authorization-details.json"
    broken.write_text('{"RoleDetailList": [')
    settings = settings_from_configuration(None, ORGANIZATION_UNUSED_ACCESS, MANAGEMENT)
    with pytest.raises(SnapshotError) as raised:
        analyze_layout(layout, settings, NOW, two_workers)
    assert str(broken) in str(raised.value)


def test_cli_workers_print_the_same_findings(tmp_path):
    org = tmp_path / "org"
    write_organization(org, 8, 250)  # over PARALLEL_MIN_BYTES: the workers are used
    runs = {}
    for workers in ("1", "2"):
        run = _cli("analyze-unused", str(org), "--type", ORGANIZATION_UNUSED_ACCESS, "--now", NOW.isoformat(),
                   "--database", f"sqlite:///{tmp_path / f'w{workers}.db'}", "--output", "json", "--workers", workers)
        out, err = run.communicate(timeout=300)
        assert run.returncode == 1, err
        runs[workers] = json.loads(out)
    assert runs["1"]["analyzerArn"] == runs["2"]["analyzerArn"]
    assert _comparable(runs["1"]["findings"]) == _comparable(runs["2"]["findings"])
    assert len(runs["1"]["findings"]) >= 8 * 250 * 2 // 3


def test_a_killed_worker_records_nothing_and_a_rerun_converges(tmp_path):
    org = tmp_path / "org"
    write_organization(org, 24, 300)
    db = f"sqlite:///{tmp_path / 'f.db'}"
    args = ("analyze-unused", str(org), "--type", ORGANIZATION_UNUSED_ACCESS, "--now", NOW.isoformat(),
            "--database", db, "--output", "json")
    run = _cli(*args, "--workers", "2")
    killed = kill_a_worker(run)
    out, err = run.communicate(timeout=120)
    assert killed is not None, "no worker process was seen"
    assert run.returncode == 2, (out, err)
    assert "a worker died (" in err and "nothing was recorded" in err and "Traceback" not in err
    store = FindingsStore.open(db, create=False)
    analyzers = store.list_analyzers()
    assert [a.type for a in analyzers] == [ORGANIZATION_UNUSED_ACCESS]  # created before the analysis ...
    assert store.list_findings(analyzers[0].arn).items == []  # ... and no finding half-written

    again = _cli(*args, "--workers", "2")
    out, err = again.communicate(timeout=300)
    assert again.returncode == 1, err
    reference = _cli(*args[:-4], "--database", f"sqlite:///{tmp_path / 'ref.db'}", "--output", "json", "--workers", "1")
    ref_out, ref_err = reference.communicate(timeout=300)
    assert reference.returncode == 1, ref_err
    assert _comparable(json.loads(out)["findings"]) == _comparable(json.loads(ref_out)["findings"])
