"""The monitor's latency and the collector's throughput, against a moto server process.

1. Latency: a monitor (``LiveMonitor``, in a thread, long-polling its SQS queue) watches one bucket;
   ``--changes`` times (default 200) the bench makes the bucket public or private again, puts the
   CloudTrail-shaped event on the queue and measures, from the moment the event is sent, the time to
   the recorded finding (the monitor's log line after the store's commit) and to the delivered
   notification (the webhook, the last of the three destinations: EventBridge, Security Hub, webhook).
   Printed: p50 / p90 / p99 / max of each.
2. Throughput: ``--resources`` (default 5,000) resources created in moto (S3 buckets, SQS queues, SNS
   topics, KMS keys, secrets in equal parts), then ``collect`` of the account's Region with
   ``--workers`` readers; printed: wall time, resources per second, and the analysis of what it wrote.

    python bench/monitor.py [--changes 200] [--resources 5000] [--workers 8]

moto answers GetSnapshotBlockPublicAccessState with HTTP 500: the collection reports it as the one
response it could not read (as it would any other).
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
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ACCOUNT, REGION = "123456789012", "us-east-1"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": REGION}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_moto() -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {**os.environ, **CREDENTIALS, "MOTO_EC2_LOAD_DEFAULT_AMIS": "false"}
    process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    for _ in range(400):
        try:
            urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=2).read()
            return process, endpoint
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise SystemExit("moto did not start")


def reset(endpoint: str) -> None:
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"), timeout=60).read()


def percentiles(values: list[float]) -> str:
    ordered = sorted(values)
    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]
    return (f"p50 {statistics.median(ordered) * 1000:7.0f} ms   p90 {at(0.9) * 1000:7.0f} ms   "
            f"p99 {at(0.99) * 1000:7.0f} ms   max {ordered[-1] * 1000:7.0f} ms")


class _Webhook(BaseHTTPRequestHandler):
    arrivals: list[float] = []

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers["Content-Length"]))
        type(self).arrivals.append(time.monotonic())
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def latency(endpoint: str, changes: int, workdir: Path) -> None:
    import boto3

    from accessproof.findings import FindingsStore
    from accessproof.findings.outbox import Outbox
    from accessproof.integrations.notifications import load_config, senders
    from accessproof.integrations.outbox import Deliverer
    from accessproof.inventory.collect import AwsClients
    from accessproof.monitor.service import LiveMonitor, ensure_analyzer

    s3 = boto3.client("s3", endpoint_url=endpoint)
    sqs = boto3.client("sqs", endpoint_url=endpoint)
    s3.create_bucket(Bucket="bench-bucket")
    queue = sqs.create_queue(QueueName="bench-events")["QueueUrl"]
    boto3.client("securityhub", endpoint_url=endpoint).enable_security_hub()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Webhook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    config = workdir / "notify.toml"
    config.write_text(f'[eventbridge]\nregion = "{REGION}"\nendpoint_url = "{endpoint}"\n\n[securityhub]\nregion = '
                      f'"{REGION}"\nendpoint_url = "{endpoint}"\n\n[[webhooks]]\nname = "bench"\n'
                      f'url = "http://127.0.0.1:{server.server_address[1]}/"\n')
    store = FindingsStore.open(f"sqlite:///{workdir / 'findings.db'}", account_id=ACCOUNT, region=REGION)
    analyzer = ensure_analyzer(store, "bench", "ACCOUNT")
    outbox = Outbox(store.engine)
    notification_config = load_config(config)
    outbox.subscribe(analyzer.arn, notification_config.destinations)
    recorded: list[float] = []

    def log(line: str) -> None:
        if "PutBucketPolicy" in line or "DeleteBucketPolicy" in line:
            recorded.append(time.monotonic())

    monitor = LiveMonitor(AwsClients(boto3.Session(), endpoint_url=endpoint), workdir / "out", REGION, queue, store,
                          "bench", deliverer=Deliverer(outbox, senders(notification_config)), wait_seconds=1, log=log)
    monitor.start()
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            monitor.poll()  # delivers what it recorded

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    public = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*",
                                                                 "Action": "s3:GetObject",
                                                                 "Resource": "arn:aws:s3:::bench-bucket/*"}]})
    to_finding, to_notification = [], []
    for i in range(changes):
        name = "PutBucketPolicy" if i % 2 == 0 else "DeleteBucketPolicy"
        if i % 2 == 0:
            s3.put_bucket_policy(Bucket="bench-bucket", Policy=public)
        else:
            s3.delete_bucket_policy(Bucket="bench-bucket")
        event = {"detail-type": "AWS API Call via CloudTrail", "source": "aws.s3", "region": REGION,
                 "detail": {"eventSource": "s3.amazonaws.com", "eventName": name, "awsRegion": REGION,
                            "requestParameters": {"bucketName": "bench-bucket"}}}
        sent = time.monotonic()
        sqs.send_message(QueueUrl=queue, MessageBody=json.dumps(event))
        deadline = sent + 120
        while (len(recorded) <= i or len(_Webhook.arrivals) <= i) and time.monotonic() < deadline:
            time.sleep(0.005)
        if len(recorded) <= i or len(_Webhook.arrivals) <= i:
            raise SystemExit(f"change {i}: no finding or notification within 120 s")
        to_finding.append(recorded[i] - sent)
        to_notification.append(_Webhook.arrivals[i] - sent)
    stop.set()
    thread.join(timeout=30)
    server.shutdown()
    counts = outbox.counts()
    print(f"{changes} policy changes (public / private in turn), event sent → ...")
    print(f"  finding recorded:       {percentiles(to_finding)}")
    print(f"  notification delivered: {percentiles(to_notification)}")
    print(f"  outbox: {counts.delivered} delivered, {counts.pending} pending (3 destinations per change)")
    store.close()


def throughput(endpoint: str, resources: int, workers: int, workdir: Path) -> None:
    import boto3

    from accessproof.analyzers.external import ACCOUNT as ACCOUNT_ZONE, ExternalAccessAnalyzer, ZoneOfTrust
    from accessproof.inventory import load_snapshot
    from accessproof.inventory.collect import AwsClients, CollectOptions, collect_to

    s3, sqs, sns = (boto3.client(s, endpoint_url=endpoint) for s in ("s3", "sqs", "sns"))
    kms, secrets = boto3.client("kms", endpoint_url=endpoint), boto3.client("secretsmanager", endpoint_url=endpoint)
    makers = [lambda i: s3.create_bucket(Bucket=f"bench-{i:06d}"), lambda i: sqs.create_queue(QueueName=f"q-{i}"),
              lambda i: sns.create_topic(Name=f"t-{i}"), lambda i: kms.create_key(),
              lambda i: secrets.create_secret(Name=f"s-{i}", SecretString="x")]
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda i: makers[i % len(makers)](i), range(resources)))
    print(f"created {resources} resources in moto in {time.monotonic() - started:.1f} s")
    clients = AwsClients(boto3.Session(), endpoint_url=endpoint, max_pool_connections=max(32, 2 * workers))
    started, cpu = time.monotonic(), time.process_time()
    report = collect_to(clients, workdir / "collected", CollectOptions((REGION,), workers, activity=False))
    wall, cpu = time.monotonic() - started, time.process_time() - cpu
    counts = report.accounts[0].resources[REGION]
    total = sum(counts.values())
    print(f"collect: {total} resources in {wall:.1f} s wall ({cpu:.1f} s CPU), {total / wall:.0f} resources/s, "
          f"{workers} workers; could not read: {len(report.failures)} ({'; '.join(report.failures)[:120]})")
    started = time.monotonic()
    snapshot = load_snapshot(workdir / "collected" / REGION)
    loaded = time.monotonic() - started
    started = time.monotonic()
    analyzed = ExternalAccessAnalyzer(ZoneOfTrust.of(snapshot.account, ACCOUNT_ZONE)).analyze_snapshot(snapshot)
    print(f"load {len(snapshot)} resources: {loaded:.1f} s; analyse: {time.monotonic() - started:.1f} s "
          f"({sum(len(a.findings) for a in analyzed)} findings)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=200)
    parser.add_argument("--resources", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=8)
    args = parser.parse_args()
    os.environ.update(CREDENTIALS)
    process, endpoint = start_moto()
    load = os.getloadavg()[0]
    try:
        with tempfile.TemporaryDirectory(prefix="accessproof-bench-") as work:
            if args.changes:
                latency(endpoint, args.changes, Path(work))
            if args.resources:
                reset(endpoint)
                throughput(endpoint, args.resources, args.workers, Path(work))
    finally:
        process.terminate()
        process.wait(timeout=30)
    print(f"(load average {load:.1f} → {os.getloadavg()[0]:.1f}; {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
