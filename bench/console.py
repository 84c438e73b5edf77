"""The console's overview of 20,000 findings: server render time, Chromium load time, page weight.

Builds a findings database of ``--findings`` external access findings (default 20,000) over
``--accounts`` accounts (200) and six resource types, in three analyses a few days apart (the
second resolves a twentieth and opens as many, then a twentieth is archived), so that the overview
has a ranking, changes and a trend. Starts ``accessproof serve --no-auth`` on it, then measures:

- render: wall time of ``GET /console/`` from a plain HTTP client (the server renders the page:
  reading the findings' counted columns and the history, ranking, drawing the SVG charts), and the
  server's own ``Server-Timing`` figure;
- load: Chromium (Debian's package, through Playwright) opening the page until its ``load`` event;
- bytes: the HTML of the page (the CSS and the script add about 7 KB, cached after the first page);
- the same for the first page of the findings table (50 of the ACTIVE findings, newest first: the
  database filters, sorts and pages), and for a principal filter (which reads every finding and
  filters them as ListFindings does).

    python bench/console.py [--findings 20000] [--accounts 200] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RESOURCE_TYPES = (("AWS::S3::Bucket", "arn:aws:s3:::bucket-{a}-{i}"),
                  ("AWS::SQS::Queue", "arn:aws:sqs:us-east-1:{a}:queue-{i}"),
                  ("AWS::KMS::Key", "arn:aws:kms:us-east-1:{a}:key/{i:08d}"),
                  ("AWS::IAM::Role", "arn:aws:iam::{a}:role/role-{i}"),
                  ("AWS::Lambda::Function", "arn:aws:lambda:us-east-1:{a}:function:fn-{i}"),
                  ("AWS::SNS::Topic", "arn:aws:sns:us-east-1:{a}:topic-{i}"))


def build(url: str, findings: int, accounts: int) -> None:
    from accessproof.findings import FindingsStore
    from accessproof.findings.model import ARCHIVED, FreshFinding, ResourceAnalysis

    now = [datetime.now(timezone.utc) - timedelta(days=6)]
    store = FindingsStore.open(url, account_id="111122223333", clock=lambda: now[0])
    arn = store.create_analyzer("organization", "ORGANIZATION").arn

    def results(generation: int) -> list:
        out = []
        for i in range(findings):
            account = f"{100000000000 + (i * 7919) % accounts:012d}"
            resource_type, pattern = RESOURCE_TYPES[i % len(RESOURCE_TYPES)]
            resource = pattern.format(a=account, i=i)
            partner = "999988887777" if generation == 0 or i % 20 else "444455556666"  # a twentieth changes
            fresh = FreshFinding(resource=resource, resource_type=resource_type, resource_owner_account=account,
                                 principal={"AWS": "*" if i % 11 == 0 else partner}, action=("s3:GetObject",),
                                 is_public=i % 11 == 0, sources=({"type": "POLICY"},))
            out.append(ResourceAnalysis(resource, resource_type, account, (fresh,)))
        return out

    store.record_analysis(arn, results(0), complete=True)
    now[0] += timedelta(days=3)
    store.record_analysis(arn, results(1), complete=True)
    now[0] += timedelta(days=2)
    active = [f.id for f in store.list_findings(arn, {"status": {"eq": ["ACTIVE"]}}).items]
    for start in range(0, len(active) // 20, 500):
        store.update_findings(arn, ARCHIVED, ids=active[start:min(start + 500, len(active) // 20)])
    store.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str) -> tuple[float, int, float]:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=120) as response:
        body = response.read()
        timing = response.headers.get("server-timing", "render;dur=0").split("dur=")[-1]
    return time.perf_counter() - started, len(body), float(timing) / 1000


def chromium_loads(urls: list[str], runs: int) -> dict[str, list[float]]:
    from playwright.sync_api import sync_playwright

    path = os.environ.get("ACCESSPROOF_CHROMIUM", "/usr/bin/chromium")
    out: dict[str, list[float]] = {u: [] for u in urls}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=["--no-sandbox"])
        for url in urls:
            for _ in range(runs):
                page = browser.new_page()
                started = time.perf_counter()
                page.goto(url, wait_until="load")
                out[url].append(time.perf_counter() - started)
                page.close()
        browser.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--findings", type=int, default=20000)
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'console.db'}"
        started = time.perf_counter()
        build(url, options.findings, options.accounts)
        print(f"database of {options.findings} findings built in {time.perf_counter() - started:.1f} s")
        port = free_port()
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        server = subprocess.Popen([sys.executable, "-m", "accessproof.cli.main", "serve", "--no-auth", "--port",
                                   str(port), "--database", url], env=env, stderr=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(300):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                    break
                except OSError:
                    time.sleep(0.1)
            pages = {"overview": f"{base}/console/", "findings, page 1": f"{base}/console/findings",
                     "findings, principal filter": f"{base}/console/findings?principal=44445555"}
            fetch(pages["overview"])  # warm: the first request opens the database
            print(f"{'page':<26} {'render p50':>10} {'min':>8} {'server':>8} {'chromium load p50':>18} {'bytes':>9}")
            loads = chromium_loads(list(pages.values()), options.runs)
            for name, page_url in pages.items():
                measured = [fetch(page_url) for _ in range(options.runs)]
                walls = [m[0] for m in measured]
                print(f"{name:<26} {statistics.median(walls):>9.3f}s {min(walls):>7.3f}s "
                      f"{statistics.median(m[2] for m in measured):>7.3f}s "
                      f"{statistics.median(loads[page_url]):>17.3f}s {measured[0][1]:>9,}")
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
