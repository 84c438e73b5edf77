"""Policy generation speed: DuckDB over CloudTrail files, against a plain-Python ``json`` loop.

1. The real corpus (``../shared/corpus/cloudtrail``): events/second of one scan, and the time to
   generate each principal's policy (from the shared scan, and end to end with its own scan).
2. A generated log set (default 1,000,000 events of 20 principals in 200 gzip files, in
   CloudTrail's S3 folder layout, one line per file as CloudTrail writes them): events/second,
   CPU time and peak memory of DuckDB's aggregation and, side by side, of a plain ``json`` loop
   computing the same aggregation over the same files (``--runs`` times, with the load average
   around each measurement: the machine may be shared).
3. DuckDB's peak memory on a quarter, a half and all of the files (the distinct groups, i.e. the
   result, grow with the input here), then with the groups held constant: the first quarter of
   the files read 1, 2 and 4 times over (hard-linked copies), 250,000 to 1,000,000 events.
   Each measurement runs in its own process, so peak RSS is its own.

    .venv/bin/python bench/generate.py [--events 1000000] [--files 200] [--principals 20] [--runs 2] [--keep DIR]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from multiprocessing import Pool
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from corpus import CORPUS as SHARED_CORPUS  # noqa: E402

CORPUS = SHARED_CORPUS / "cloudtrail"

ACCOUNT = "123456789012"
REGIONS = ("us-east-1", "eu-west-1")


# ------------------------------------------------------------------ the generated log set

def _principals(count: int) -> list[dict]:
    out = []
    for i in range(count):
        if i % 2 == 0:
            arn = f"arn:aws:iam::{ACCOUNT}:user/bench-user-{i}"
            out.append({"type": "IAMUser", "arn": arn, "accountId": ACCOUNT, "userName": f"bench-user-{i}",
                        "principalId": f"AIDA{i:016d}"})
        else:
            role = f"arn:aws:iam::{ACCOUNT}:role/bench-role-{i}"
            out.append({"type": "AssumedRole", "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/bench-role-{i}/session-{{s}}",
                        "accountId": ACCOUNT, "principalId": f"AROA{i:016d}:session-{{s}}",
                        "sessionContext": {"sessionIssuer": {"type": "Role", "arn": role, "accountId": ACCOUNT,
                                                             "userName": f"bench-role-{i}"},
                                           "attributes": {"creationDate": "2024-07-01T00:00:00Z",
                                                          "mfaAuthenticated": "false"}}})
    return out


# (eventSource, eventName, request parameters template, read only)
CALLS = [
    ("s3.amazonaws.com", "GetObject", lambda r: {"bucketName": f"bench-bucket-{r.randrange(5)}",
                                                 "key": f"data/{r.randrange(200)}.csv"}, True),
    ("s3.amazonaws.com", "ListObjectsV2", lambda r: {"bucketName": f"bench-bucket-{r.randrange(5)}", "prefix": "data/"}, True),
    ("ec2.amazonaws.com", "DescribeInstances", lambda r: {"filterSet": {}}, True),
    ("ec2.amazonaws.com", "StopInstances", lambda r: {"instancesSet": {"items": [{"instanceId": f"i-{r.randrange(50):017x}"}]}}, False),
    ("ssm.amazonaws.com", "GetParameters", lambda r: {"names": [f"/app/param-{r.randrange(30)}"], "withDecryption": True}, True),
    ("sts.amazonaws.com", "GetCallerIdentity", lambda r: None, True),
    ("lambda.amazonaws.com", "Invoke", lambda r: {"functionName": f"bench-fn-{r.randrange(10)}"}, False),
    ("kms.amazonaws.com", "Decrypt", lambda r: {"encryptionAlgorithm": "SYMMETRIC_DEFAULT"}, True),
    ("dynamodb.amazonaws.com", "DescribeTable", lambda r: {"tableName": f"bench-table-{r.randrange(8)}"}, True),
    ("secretsmanager.amazonaws.com", "GetSecretValue", lambda r: {"secretId": f"bench/secret-{r.randrange(12)}"}, True),
]


_IDENTITIES: dict[tuple[str, int], dict] = {}


def _identity(principal: dict, session: int) -> dict:
    key = (principal["arn"], session)
    if key not in _IDENTITIES:
        _IDENTITIES[key] = json.loads(json.dumps(principal).replace("{s}", str(session)))
    return _IDENTITIES[key]


def _event(r: random.Random, principal: dict, day: int, region: str) -> dict:
    source, name, params, read_only = CALLS[r.randrange(len(CALLS))]
    identity = _identity(principal, r.randrange(100))
    event = {
        "eventVersion": "1.09", "userIdentity": identity,
        "eventTime": f"2024-07-{day:02d}T{r.randrange(24):02d}:{r.randrange(60):02d}:{r.randrange(60):02d}Z",
        "eventSource": source, "eventName": name, "awsRegion": region, "sourceIPAddress": "192.0.2.10",
        "userAgent": "aws-cli/2.15.0 Python/3.11", "requestParameters": params(r), "responseElements": None,
        "requestID": f"{r.getrandbits(64):016x}", "eventID": f"{r.getrandbits(64):016x}", "readOnly": read_only,
        "eventType": "AwsApiCall", "managementEvent": True, "recipientAccountId": ACCOUNT,
        "eventCategory": "Management",
        "tlsDetails": {"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256",
                       "clientProvidedHostHeader": f"{source.split('.')[0]}.{region}.amazonaws.com"},
    }
    if r.random() < 0.02:
        event["errorCode"], event["errorMessage"] = "AccessDenied", "not authorized"
    return event


def _write_file(args: tuple[Path, int, int, int]) -> int:
    root, index, events, principal_count = args
    r = random.Random(index)
    principals = _principals(principal_count)
    day = 1 + index % 28
    region = REGIONS[index % len(REGIONS)]
    folder = root / "AWSLogs" / ACCOUNT / "CloudTrail" / region / "2024" / "07" / f"{day:02d}"
    folder.mkdir(parents=True, exist_ok=True)
    records = [_event(r, principals[r.randrange(principal_count)], day, region) for _ in range(events)]
    name = f"{ACCOUNT}_CloudTrail_{region}_202407{day:02d}T0000Z_{index:06d}.json.gz"
    with gzip.open(folder / name, "wt", compresslevel=6) as f:
        json.dump({"Records": records}, f)
    return events


def make_log_set(root: Path, events: int, files: int, principals: int) -> None:
    per_file = events // files
    jobs = [(root, i, per_file + (1 if i < events % files else 0), principals) for i in range(files)]
    with Pool() as pool:
        pool.map(_write_file, jobs)


# ------------------------------------------------------------------ the measurements

def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure_duckdb(files: list[str]) -> dict:
    from accessproof.generate.reader import read_activity
    from accessproof.generate.collect import discover

    started, cpu = time.perf_counter(), _cpu_seconds()
    found = discover(files)
    activity = read_activity(found.files)
    seconds = time.perf_counter() - started
    return {"events": activity.events_read, "groups": len(activity.groups), "seconds": seconds,
            "cpu": _cpu_seconds() - cpu, "peak_mb": _peak_mb()}


def measure_python(files: list[str]) -> dict:
    """The same aggregation as the DuckDB query, with ``json`` and a dictionary."""
    from accessproof.generate.sources import list_local

    started, cpu = time.perf_counter(), _cpu_seconds()
    groups: dict = defaultdict(lambda: [0, None, None])
    events = 0
    for path in list_local(files):
        with gzip.open(path, "rb") as f:
            for e in json.load(f)["Records"]:
                events += 1
                identity = e.get("userIdentity") or {}
                issuer = ((identity.get("sessionContext") or {}).get("sessionIssuer") or {}).get("arn")
                t = e.get("eventTime")
                key = (issuer or identity.get("arn"), e.get("eventSource"), e.get("eventName"), e.get("awsRegion"),
                       e.get("recipientAccountId"), e.get("errorCode"), json.dumps(e.get("requestParameters")),
                       json.dumps(e.get("resources")), t[:10] if t else None)
                g = groups[key]
                g[0] += 1
                g[1] = t if g[1] is None or t < g[1] else g[1]
                g[2] = t if g[2] is None or t > g[2] else g[2]
    seconds = time.perf_counter() - started
    return {"events": events, "groups": len(groups), "seconds": seconds, "cpu": _cpu_seconds() - cpu,
            "peak_mb": _peak_mb()}


def in_process(kind: str, files: list[str]) -> dict:
    """One measurement in a fresh process (its own peak RSS), with the load average around it."""
    before = os.getloadavg()[0]
    out = subprocess.run([sys.executable, __file__, "--measure", kind, *files], capture_output=True, text=True, check=True)
    return dict(json.loads(out.stdout), load=(before, os.getloadavg()[0]))


def _line(label: str, m: dict) -> str:
    return (f"  {label:<9} {m['seconds']:6.1f} s  {m['events'] / m['seconds']:>9,.0f} events/s  "
            f"cpu {m['cpu']:5.1f} s  peak {m['peak_mb']:4.0f} MiB  {m['groups']:>7,} groups  "
            f"load {m['load'][0]:.1f}->{m['load'][1]:.1f}")


def constant_groups_set(root: Path, copies: int) -> list[Path]:
    """``copies`` folders of hard links to the first quarter of the files: more input, the same groups."""
    files = sorted(root.joinpath("AWSLogs").rglob("*.json.gz"))
    quarter = files[: max(1, len(files) // 4)]
    folders = []
    for k in range(copies):
        folder = root / "constant" / f"copy-{k}"
        if not folder.is_dir():
            for f in quarter:
                target = folder / f.relative_to(root)
                target.parent.mkdir(parents=True, exist_ok=True)
                os.link(f, target)
        folders.append(folder)
    return folders


def corpus_report() -> None:
    from accessproof.generate import generate_from_activity, generate_policy, parse_time
    from accessproof.generate.reader import read_activity
    from accessproof.generate.collect import discover

    if not CORPUS.is_dir():
        print(f"corpus not found at {CORPUS}; skipped")
        return
    start, end = parse_time("2024-01-01"), parse_time("2025-12-31")
    began = time.perf_counter()
    found = discover([str(CORPUS)])
    activity = read_activity(found.files, None, start, end)
    scan = time.perf_counter() - began
    principals = sorted({g.principal for g in activity.groups if ":federated-user/" not in g.principal})
    shared, own = [], []
    for arn in principals:
        began = time.perf_counter()
        generate_from_activity(arn, activity, start=start, end=end)
        shared.append(time.perf_counter() - began)
        began = time.perf_counter()
        generate_policy(arn, [str(CORPUS)], start=start, end=end)
        own.append(time.perf_counter() - began)
    print(f"corpus: {activity.events_read} events in {len(found.files)} files, one scan {scan * 1000:.0f} ms "
          f"({activity.events_read / scan:,.0f} events/s); {len(principals)} principals")
    print(f"  per principal from the shared scan: mean {1000 * sum(shared) / len(shared):.1f} ms, "
          f"max {1000 * max(shared):.1f} ms (mapping, grouping, validation)")
    print(f"  per principal end to end (own scan): mean {1000 * sum(own) / len(own):.1f} ms, max {1000 * max(own):.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--principals", type=int, default=20)
    parser.add_argument("--keep", help="generate the log set here and keep it (reused when present)")
    parser.add_argument("--skip-python", action="store_true", help="do not run the plain json loop")
    parser.add_argument("--runs", type=int, default=2, help="DuckDB and the plain loop, side by side, this many times")
    parser.add_argument("--measure", choices=("duckdb", "python"), help=argparse.SUPPRESS)
    parser.add_argument("paths", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        result = measure_duckdb(args.paths) if args.measure == "duckdb" else measure_python(args.paths)
        print(json.dumps(result))
        return

    corpus_report()
    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="accessproof-bench-"))
    try:
        if not any(root.joinpath("AWSLogs").rglob("*.json.gz")):
            began = time.perf_counter()
            make_log_set(root, args.events, args.files, args.principals)
            print(f"generated {args.events:,} events of {args.principals} principals in {args.files} gzip files "
                  f"({sum(f.stat().st_size for f in root.rglob('*.json.gz')) / 2**20:.0f} MiB) "
                  f"in {time.perf_counter() - began:.0f} s")
        logs = root / "AWSLogs"
        files = sorted(str(f) for f in logs.rglob("*.json.gz"))
        print(f"{len(files)} files; {os.cpu_count()} CPUs; load average at start {os.getloadavg()[0]:.1f} "
              f"(other work on the machine slows the DuckDB run, which uses every core, more than the "
              f"single-threaded loop: compare runs made at a low load)")
        ratios = []
        for run in range(1, args.runs + 1):
            print(f"run {run}: all {len(files)} files")
            duck = in_process("duckdb", [str(logs)])
            print(_line("duckdb", duck))
            if not args.skip_python:
                plain = in_process("python", [str(logs)])
                print(_line("python", plain))
                ratios.append(plain["seconds"] / duck["seconds"])
                print(f"  speed-up {ratios[-1]:.1f}x")
        if len(ratios) > 1:
            print(f"speed-up over {len(ratios)} runs: {min(ratios):.1f}x - {max(ratios):.1f}x")
        print("duckdb peak memory as the input grows (more groups as well: the result grows with them)")
        for share in (4, 2, 1):
            part = files[: max(1, len(files) // share)]
            m = in_process("duckdb", part)
            print(_line(f"1/{share}" if share > 1 else "all", m))
        print("duckdb peak memory as the input grows with the groups held constant "
              "(the first quarter of the files, read 1, 2 and 4 times over from hard-linked copies)")
        folders = constant_groups_set(root, 4)
        for copies in (1, 2, 4):
            m = in_process("duckdb", [str(f) for f in folders[:copies]])
            print(_line(f"{copies}x", m))
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
