"""External access analysis on several processes: the same analyses, in the same order, as in one;
a worker killed during ``accessproof analyze`` records nothing, and a rerun converges."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Optional

import pytest

from accessproof.analyzers.external import ACCOUNT, PARALLEL_MIN_RESOURCES, ExternalAccessAnalyzer, ZoneOfTrust
from accessproof.inventory import load_snapshot
from accessproof.parallel import LocalExecutor, SerialExecutor

from .snapshots import write_snapshot

ROOT = Path(__file__).resolve().parents[2]


def _cli(*args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "accessproof.cli.main", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, **kwargs)


def _comparable(findings: list[dict]) -> list[str]:
    """Findings without what differs between two databases (ids, timestamps), in a fixed order."""
    drop = {"id", "createdAt", "updatedAt", "analyzedAt"}
    return sorted(json.dumps({k: v for k, v in f.items() if k not in drop}, sort_keys=True) for f in findings)


def test_parallel_analysis_equals_one_process(tmp_path):
    snapshot = load_snapshot(write_snapshot(tmp_path / "snap", 120, 0.25))
    zone = ZoneOfTrust.of(snapshot.account, ACCOUNT)
    alone, spread = ExternalAccessAnalyzer(zone), ExternalAccessAnalyzer(zone)
    expected = alone.analyze_snapshot(snapshot, executor=SerialExecutor())
    seen: list[str] = []
    got = spread.analyze_snapshot(snapshot, lambda r: seen.append(r.arn), executor=LocalExecutor(2), min_parallel=1)
    assert got == expected
    assert seen == [r.arn for r in snapshot.resources]
    assert spread.hits == alone.hits == 120 - 30
    assert sum(len(a.findings) for a in got) >= 120
    # The cache serves the next analysis: nothing left to send to the workers.
    assert spread.analyze_snapshot(snapshot, executor=LocalExecutor(2), min_parallel=1) == expected
    assert spread.hits == 90 + 120


def _descendants(pid: int) -> list[tuple[int, int]]:
    """(pid, depth) of every live descendant of ``pid``."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    out, frontier, depth = [], [pid], 0
    while frontier:
        depth += 1
        frontier = [child for child, parent in parents.items() if parent in frontier]
        out += [(child, depth) for child in frontier]
    return out


def kill_a_worker(run: subprocess.Popen) -> Optional[int]:
    """SIGKILL one worker of the running command, once one has started a shard; its pid, or None
    if the command ended before a worker was seen."""
    deadline = time.monotonic() + 60
    while run.poll() is None and time.monotonic() < deadline:
        # The workers are the forkserver's children: the command's grandchildren.
        workers = [pid for pid, depth in _descendants(run.pid) if depth == 2]
        if workers:
            time.sleep(0.2)  # let it start a shard
            try:
                os.kill(workers[-1], signal.SIGKILL)
                return workers[-1]
            except ProcessLookupError:  # gone meanwhile: look again
                pass
        time.sleep(0.02)
    return None


def test_a_killed_worker_records_nothing_and_a_rerun_converges(tmp_path):
    snapshot = write_snapshot(tmp_path / "snap", PARALLEL_MIN_RESOURCES, 0.3)  # spread over the workers
    db, reference_db = f"sqlite:///{tmp_path / 'f.db'}", f"sqlite:///{tmp_path / 'ref.db'}"
    run = _cli("analyze", str(snapshot), "--db", db, "--output", "json", "--workers", "2")
    killed = kill_a_worker(run)
    out, err = run.communicate(timeout=120)
    assert killed is not None, "no worker process was seen"
    assert run.returncode == 2, (out, err)
    assert "a worker died (" in err and "nothing was recorded" in err and "Traceback" not in err
    arn = "arn:aws:access-analyzer:us-east-1:111122223333:analyzer/accessproof-external-account"
    listed = _cli("list-findings", "--analyzer-arn", arn, "--db", db)
    out, err = listed.communicate(timeout=120)
    assert listed.returncode == 0, err
    assert json.loads(out)["findings"] == []  # nothing half-written

    again = _cli("analyze", str(snapshot), "--db", db, "--output", "json", "--workers", "2")
    out, err = again.communicate(timeout=300)
    assert again.returncode == 1, err
    reference = _cli("analyze", str(snapshot), "--db", reference_db, "--output", "json", "--workers", "1")
    ref_out, ref_err = reference.communicate(timeout=300)
    assert reference.returncode == 1, ref_err
    assert _comparable(json.loads(out)["findings"]) == _comparable(json.loads(ref_out)["findings"])
    assert len(json.loads(out)["findings"]) >= PARALLEL_MIN_RESOURCES
