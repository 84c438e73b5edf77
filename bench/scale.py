"""Organization scale, end to end as a user runs it: ``accessproof analyze`` as a process.

For each size and share of distinct configurations, a generated snapshot (``tests/parallel/
snapshots.py``: SQS queues whose policies repeat, ``distinct`` of them different) is analysed by
the command a user runs, ``accessproof analyze SNAPSHOT --output json`` into a fresh SQLite
database (findings stored, then listed and printed), with 1 worker and with 2. Printed per run:
wall seconds, CPU seconds (the command and every process it started, sampled from /proc), peak
RSS (summed over those processes), findings; then the log-log slope of wall and CPU time against size between
consecutive sizes (1.0 = linear).

``--unused``: the unused access analyzer on generated organizations (``write_organization``: 400
roles per account, so 20,000 roles are 50 accounts) by ``accessproof analyze-unused ORG --type
ORGANIZATION_UNUSED_ACCESS --output json``, findings stored and printed, the same figures.

    .venv/bin/python bench/scale.py [--sizes 1000 5000 10000] [--distinct 0.05 0.5] [--workers 1 2]
    .venv/bin/python bench/scale.py --generation [--principals 100] [--events 1000000]
    .venv/bin/python bench/scale.py --unused [--roles 20000 50000 200000] [--workers 1 2]
    .venv/bin/python bench/scale.py --ray local [--sizes 1000 5000]   (the Ray executor; needs accessproof[ray])
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.parallel.snapshots import NOW, write_organization, write_snapshot  # noqa: E402

ROLES_PER_ACCOUNT = 400


TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def _tree(root: int) -> dict[int, tuple[float, int]]:
    """CPU seconds used so far and RSS bytes of ``root`` and every live descendant (from /proc)."""
    stats: dict[int, tuple[int, list[str]]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            stats[int(entry)] = (int(fields[1]), fields)
    members, frontier = {root}, {root}
    while frontier:
        frontier = {pid for pid, (parent, _) in stats.items() if parent in frontier and pid not in members}
        members |= frontier
    out = {}
    for pid in members:
        if pid in stats:
            fields = stats[pid][1]
            out[pid] = ((int(fields[11]) + int(fields[12])) / TICKS, int(fields[21]) * PAGE)
    return out


def timed(command: list[str], **kwargs) -> dict:
    """Run ``command``: its wall time; CPU time of it and every process it starts (worker pools
    included: sampled from /proc every 50 ms, after 5 s every 250 ms, so a worker's last moments
    may be missed), and the
    peak of their summed RSS."""
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        # As an installed accessproof runs: modules compiled once (.pyc), not at every start.
        env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
        process = subprocess.Popen(command, stdout=out, stderr=err, text=True, env={**env, "PYTHONPATH": str(ROOT)},
                                   **kwargs)
        cpu_by_pid: dict[int, float] = {}
        peak = 0
        while process.poll() is None:
            sample = _tree(process.pid)
            for pid, (cpu, _) in sample.items():
                cpu_by_pid[pid] = max(cpu, cpu_by_pid.get(pid, 0.0))
            peak = max(peak, sum(rss for _, rss in sample.values()))
            # Every 50 ms at first (short runs, short-lived processes), then every 250 ms: reading
            # /proc costs this script a share of a core that the command would otherwise have.
            time.sleep(0.05 if time.perf_counter() - start < 5 else 0.25)
        wall = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    return {"wall": wall, "cpu": sum(cpu_by_pid.values()), "peak_mib": peak / 2**20, "code": process.returncode,
            "stdout": stdout, "stderr": stderr}


def run_command(arguments: list[str], workers: int, ray: str | None) -> dict:
    """``accessproof ARGUMENTS --output json`` into a fresh SQLite database, timed; its findings counted."""
    with tempfile.TemporaryDirectory() as scratch:
        command = [sys.executable, "-m", "accessproof.cli.main", *arguments, "--output", "json",
                   "--database", f"sqlite:///{scratch}/findings.db"]
        command += ["--ray", ray] if ray else ["--workers", str(workers)]
        run = timed(command)
    if run["code"] not in (0, 1):
        raise SystemExit(f"{arguments[0]} failed ({run['code']}): {run['stderr'][-2000:]}")
    run["findings"] = len(json.loads(run.pop("stdout"))["findings"])
    run.pop("stderr")
    return run


def analyze(snapshot: Path, workers: int, ray: str | None) -> dict:
    return run_command(["analyze", str(snapshot)], workers, ray)


def analyze_unused(organization: Path, workers: int, ray: str | None) -> dict:
    return run_command(["analyze-unused", str(organization), "--type", "ORGANIZATION_UNUSED_ACCESS", "--now",
                        NOW.isoformat()], workers, ray)


def unused_scale(role_counts: list[int], workers: list[int], ray: str | None) -> None:
    runs: dict[int, list[tuple[int, dict]]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for roles in role_counts:
            organization = Path(scratch) / f"org-{roles}"
            write_organization(organization, max(1, roles // ROLES_PER_ACCOUNT), min(roles, ROLES_PER_ACCOUNT))
            for count in ([0] if ray else workers):
                run = analyze_unused(organization, count, ray)
                runs.setdefault(count, []).append((roles, run))
                label = f"ray {ray}" if ray else f"{count} worker{'s' if count > 1 else ''}"
                print(f"{roles:>7} roles, {label}: wall {run['wall']:7.1f} s  cpu {run['cpu']:7.1f} s  "
                      f"peak {run['peak_mib']:6.0f} MiB  findings {run['findings']}", flush=True)
            shutil.rmtree(organization)
    for count, points in runs.items():
        label = f"ray {ray}" if ray else f"{count} worker(s)"
        print(f"  slope, unused access, {label}: wall {', '.join(slope([(n, r['wall']) for n, r in points]))}; "
              f"cpu {', '.join(slope([(n, r['cpu']) for n, r in points]))}", flush=True)


def slope(points: list[tuple[int, float]]) -> list[str]:
    out = []
    for (n1, t1), (n2, t2) in zip(points, points[1:]):
        out.append(f"{n1}->{n2}: {math.log(t2 / t1) / math.log(n2 / n1):.2f}")
    return out


def scale(sizes: list[int], distinct_shares: list[float], workers: list[int], ray: str | None) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        for share in distinct_shares:
            runs: dict[int, list[tuple[int, dict]]] = {}
            for size in sizes:
                snapshot = write_snapshot(Path(scratch) / f"s-{size}-{share}", size, share)
                for count in ([0] if ray else workers):
                    run = analyze(snapshot, count, ray)
                    runs.setdefault(count, []).append((size, run))
                    label = f"ray {ray}" if ray else f"{count} worker{'s' if count > 1 else ''}"
                    print(f"{size:>7} resources, {share:.0%} distinct, {label}: wall {run['wall']:7.1f} s  "
                          f"cpu {run['cpu']:7.1f} s  peak {run['peak_mib']:6.0f} MiB  findings {run['findings']}",
                          flush=True)
            for count, points in runs.items():
                label = f"ray {ray}" if ray else f"{count} worker(s)"
                print(f"  slope, {share:.0%} distinct, {label}: wall "
                      f"{', '.join(slope([(n, r['wall']) for n, r in points]))}; cpu "
                      f"{', '.join(slope([(n, r['cpu']) for n, r in points]))}", flush=True)


def write_trail(directory: Path, principals: list[str], events: int) -> None:
    """``events`` CloudTrail events over ``principals`` (role sessions), in files of 10,000."""
    directory.mkdir(parents=True)
    rng = random.Random(7)
    calls = [("s3.amazonaws.com", "GetObject"), ("s3.amazonaws.com", "PutObject"), ("sqs.amazonaws.com", "SendMessage"),
             ("dynamodb.amazonaws.com", "GetItem"), ("kms.amazonaws.com", "Decrypt"), ("sts.amazonaws.com", "GetCallerIdentity"),
             ("ec2.amazonaws.com", "DescribeInstances"), ("lambda.amazonaws.com", "Invoke")]
    per_file = 10_000
    for start in range(0, events, per_file):
        records = []
        for i in range(start, min(events, start + per_file)):
            role = principals[rng.randrange(len(principals))]
            account, name = role.split(":")[4], role.rsplit("/", 1)[1]
            source, name_of_call = calls[rng.randrange(len(calls))]
            records.append({
                "eventVersion": "1.08", "eventTime": f"2026-11-{1 + i % 28:02d}T{i % 24:02d}:00:00Z",
                "eventSource": source, "eventName": name_of_call, "awsRegion": "us-east-1",
                "recipientAccountId": account,
                "userIdentity": {"type": "AssumedRole", "arn": f"arn:aws:sts::{account}:assumed-role/{name}/s{i % 5}",
                                 "sessionContext": {"sessionIssuer": {"type": "Role", "arn": role}}},
                "requestParameters": None, "resources": None})
        with gzip.open(directory / f"{start // per_file:05d}.json.gz", "wt") as f:
            json.dump({"Records": records}, f)


def generation(principal_count: int, events: int) -> None:
    principals = [f"arn:aws:iam::111122223333:role/app-{i:04d}" for i in range(principal_count)]
    with tempfile.TemporaryDirectory() as scratch:
        trail = Path(scratch) / "trail"
        write_trail(trail, principals, events)
        base = [sys.executable, "-m", "accessproof.cli.main", "generate-policy", "--cloudtrail", str(trail),
                "--start-time", "2026-10-01T00:00:00Z", "--end-time", "2026-12-01T00:00:00Z"]
        many = timed(base + [a for p in principals for a in ("--principal-arn", p)] +
                     ["--output-dir", str(Path(scratch) / "out")])
        assert many["code"] == 0, many["stderr"][-2000:]
        summary = json.loads(many["stdout"])
        calls = sum(g["callsOfPrincipal"] for g in summary["generated"])
        assert summary["eventsRead"] == events and calls == events, (summary["eventsRead"], calls)
        print(f"{principal_count} principals, {events} events ({calls} calls attributed), one scan: wall {many['wall']:.1f} s  "
              f"cpu {many['cpu']:.1f} s  peak {many['peak_mib']:.0f} MiB", flush=True)
        sample = principals[:min(5, principal_count)]
        each = [timed(base + ["--principal-arn", p]) for p in sample]
        wall = sum(r["wall"] for r in each) / len(each)
        cpu = sum(r["cpu"] for r in each) / len(each)
        print(f"  one scan per principal: {wall:.1f} s wall, {cpu:.1f} s cpu each (mean of {len(each)}), so "
              f"{wall * principal_count:.0f} s wall for {principal_count}: "
              f"{wall * principal_count / many['wall']:.0f}x the one scan", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 10000])
    parser.add_argument("--distinct", type=float, nargs="+", default=[0.05, 0.5])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--ray", help="a Ray address (local: start one here)")
    parser.add_argument("--generation", action="store_true")
    parser.add_argument("--principals", type=int, default=100)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--unused", action="store_true", help="the unused access analyzer instead")
    parser.add_argument("--roles", type=int, nargs="+", default=[20_000, 50_000, 200_000])
    args = parser.parse_args()
    if args.generation:
        generation(args.principals, args.events)
    elif args.unused:
        unused_scale(args.roles, args.workers, args.ray)
    else:
        scale(args.sizes, args.distinct, args.workers, args.ray)
    return 0


if __name__ == "__main__":
    sys.exit(main())
