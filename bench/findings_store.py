"""The findings store writing analyses of 10,000 and 50,000 findings, alone and with concurrent writers.

Each size runs on a fresh database (a SQLite file in a temporary directory, or ``--database URL``,
whose findings tables are dropped first). Printed, in seconds: the first analysis (every finding
opened), the same analysis again (every finding kept), an analysis where a tenth of the access
changed (a tenth resolved, a tenth opened), listing every finding, then ``--writers`` processes
recording one more analysis at once (a seventh of the buckets change; wall time for all), with the
ACTIVE findings counted afterwards (it must equal the size: one finding per access).

    python bench/findings_store.py [--sizes 10000 50000] [--writers 4] [--database postgresql://...]
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ANALYZER = "bench"
OWNER = "111122223333"


def analysis(size: int, changed_every: int = 0) -> list:
    """One finding per bucket; with ``changed_every``, every n-th bucket grants another account."""
    from accessproof.findings.model import FreshFinding, ResourceAnalysis

    results = []
    for i in range(size):
        arn = f"arn:aws:s3:::bench-bucket-{i}"
        partner = "444455556666" if changed_every and i % changed_every == 0 else "999988887777"
        finding = FreshFinding(resource=arn, resource_type="AWS::S3::Bucket", resource_owner_account=OWNER,
                               principal={"AWS": partner}, action=("s3:GetObject",), condition={}, is_public=False,
                               sources=({"type": "POLICY"},))
        results.append(ResourceAnalysis(arn, "AWS::S3::Bucket", OWNER, (finding,)))
    return results


def _record(url: str, size: int, start: multiprocessing.Event) -> None:
    from accessproof.findings import FindingsStore

    results = analysis(size, changed_every=7)  # new access for some buckets, the same for most
    store = FindingsStore.open(url, account_id=OWNER)
    arn = store.analyzer_arn(ANALYZER)
    start.wait()
    store.record_analysis(arn, results, complete=True)
    store.close()


def run(url: str, size: int, writers: int) -> dict:
    from accessproof.findings import FindingsStore
    from accessproof.findings.db import drop_schema, make_engine

    drop_schema(make_engine(url))
    store = FindingsStore.open(url, account_id=OWNER)
    arn = store.create_analyzer(ANALYZER, "ACCOUNT").arn
    timings: dict = {"size": size}
    for label, results in (("first", analysis(size)), ("again", analysis(size)),
                           ("tenth changed", analysis(size, changed_every=10))):
        began = time.perf_counter()
        store.record_analysis(arn, results, complete=True)
        timings[label] = time.perf_counter() - began
    began = time.perf_counter()
    listed = store.list_findings(arn, max_results=10 * size).items
    timings["list"] = time.perf_counter() - began
    assert len(listed) == size + size // 10

    start = multiprocessing.Event()
    processes = [multiprocessing.Process(target=_record, args=(url, size, start)) for _ in range(writers)]
    for process in processes:
        process.start()
    time.sleep(2)  # let every writer import and build its analysis
    began = time.perf_counter()
    start.set()
    for process in processes:
        process.join()
    timings["concurrent"] = time.perf_counter() - began
    timings["failed writers"] = sum(process.exitcode != 0 for process in processes)
    timings["active"] = sum(f.status == "ACTIVE" for f in store.list_findings(arn, max_results=10 * size).items)
    store.close()
    return timings


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000, 50000])
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--database", help="SQLAlchemy URL (default: a SQLite file in a temporary directory)")
    args = parser.parse_args()
    print(f"{'findings':>9} {'first':>7} {'again':>7} {'changed':>8} {'list':>7} "
          f"{'%d writers' % args.writers:>10} {'failed':>7} {'ACTIVE':>8}")
    with tempfile.TemporaryDirectory() as directory:
        url = args.database or f"sqlite:///{Path(directory) / 'bench.db'}"
        for size in args.sizes:
            t = run(url, size, args.writers)
            print(f"{size:>9} {t['first']:>7.2f} {t['again']:>7.2f} {t['tenth changed']:>8.2f} {t['list']:>7.2f} "
                  f"{t['concurrent']:>10.2f} {t['failed writers']:>7} {t['active']:>8}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
