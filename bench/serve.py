"""The cost of the HTTP layer: ValidatePolicy and CheckNoNewAccess through ``accessproof serve``
(signed boto3 clients on loopback) beside the same calls in process (``accessproof.client``).

For 1, 8 and 32 concurrent clients (one thread and one boto3 client each) every client sends the
same call for a fixed time; prints requests/s and p50/p99 latency per transport and concurrency,
and the load average around each measurement.

    python bench/serve.py [--seconds 5] [--concurrency 1 8 32] [--max-concurrent 4]

The documents are a real pair of consecutive versions of one AWS managed policy from the corpus
(the repository's sample when ../shared/corpus is absent).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from corpus import MANAGED_POLICIES, MANAGED_POLICIES_SAMPLE, managed_policy_records  # noqa: E402

import accessproof  # noqa: E402

KEY, SECRET = "AKIABENCHSERVE000001", "bench-secret"


def policy_pair() -> tuple[str, str]:
    """(old, new) versions of a mid-sized managed policy whose change grants new access."""
    path = MANAGED_POLICIES if MANAGED_POLICIES.exists() else MANAGED_POLICIES_SAMPLE
    previous: dict[str, str] = {}
    best = None
    for record in managed_policy_records(path):
        text = json.dumps(record["document"], indent=4)
        old = previous.get(record["name"])
        if old is not None and 1500 <= len(text) <= 4000 and old != text:
            best = (old, text)
            break
        previous[record["name"]] = text
    if best is None:  # the sample is small: take its last pair
        records = list(managed_policy_records(path))
        best = (json.dumps(records[-2]["document"], indent=4), json.dumps(records[-1]["document"], indent=4))
    return best


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(max_concurrent: int, folder: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, "-m", "accessproof.cli.main", "serve", "--port", str(port),
                                "--access-key-id", KEY, "--secret-access-key", SECRET,
                                "--database", f"sqlite:///{folder / 'bench.db'}",
                                "--max-concurrent", str(max_concurrent), "--max-queued", "256",
                                "--request-timeout", "300"],
                               cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("accessproof serve did not start")


def served_client(endpoint: str):
    import boto3
    from botocore.config import Config

    return boto3.session.Session().client("accessanalyzer", endpoint_url=endpoint, region_name="us-east-1",
                                          aws_access_key_id=KEY, aws_secret_access_key=SECRET,
                                          config=Config(retries={"total_max_attempts": 1},
                                                        max_pool_connections=64))


def measure(make_client: Callable[[], object], call: Callable[[object], dict], concurrency: int,
            seconds: float) -> dict:
    clients = [make_client() for _ in range(concurrency)]
    for client in clients:  # warm: connections, caches
        call(client)
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker(client) -> None:
        mine, failed = [], []
        while time.monotonic() < stop:
            started = time.perf_counter()
            try:
                call(client)
            except Exception as e:  # noqa: BLE001 - counted, printed
                failed.append(type(e).__name__)
                continue
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)
            errors.extend(failed)

    load_before = os.getloadavg()[0]
    began = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - began
    latencies.sort()
    return {
        "requests": len(latencies), "errors": len(errors), "rps": len(latencies) / wall,
        "p50_ms": 1000 * statistics.median(latencies) if latencies else float("nan"),
        "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))] if latencies else float("nan"),
        "load": f"{load_before:.1f}-{os.getloadavg()[0]:.1f}",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--max-concurrent", type=int, default=4, help="accessproof serve --max-concurrent")
    args = parser.parse_args()
    old, new = policy_pair()
    calls = {
        "ValidatePolicy": lambda c: c.validate_policy(policyDocument=new, policyType="IDENTITY_POLICY"),
        "CheckNoNewAccess": lambda c: c.check_no_new_access(newPolicyDocument=new, existingPolicyDocument=old,
                                                            policyType="IDENTITY_POLICY"),
    }
    print(f"documents: {len(old)} and {len(new)} characters; {args.seconds:g} s per measurement; "
          f"serve --max-concurrent {args.max_concurrent}; {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as folder:
        process, endpoint = start_server(args.max_concurrent, Path(folder))
        try:
            print(f"{'operation':<18}{'clients':>8}  {'transport':<11}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}"
                  f"{'errors':>8}  load")
            for name, call in calls.items():
                for concurrency in args.concurrency:
                    for transport, make in (("in process", lambda: accessproof.client("accessanalyzer")),
                                            ("serve", lambda: served_client(endpoint))):
                        r = measure(make, call, concurrency, args.seconds)
                        print(f"{name:<18}{concurrency:>8}  {transport:<11}{r['rps']:>9.1f}{r['p50_ms']:>9.1f}"
                              f"{r['p99_ms']:>9.1f}{r['errors']:>8}  {r['load']}", flush=True)
        finally:
            process.terminate()
            process.wait(timeout=10)


if __name__ == "__main__":
    main()
