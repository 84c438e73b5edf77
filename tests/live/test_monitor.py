"""``accessproof monitor`` against a moto server: a bucket made public is found from its CloudTrail event
and notified to EventBridge (a rule with an SQS target), Security Hub and a webhook; reverting it
notifies RESOLVED; a monitor killed between recording and sending delivers exactly once on restart."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path


from accessproof.findings import FindingsStore
from accessproof.findings.outbox import Outbox
from accessproof.integrations.notifications import load_config, senders
from accessproof.integrations.outbox import Deliverer
from accessproof.monitor.service import FAULT_VARIABLE, LiveMonitor, ensure_analyzer

from .conftest import ACCOUNT, CREDENTIALS, REGION, StubbedClients, aws, cloudtrail_event, policy, wait_for

ROOT = Path(__file__).resolve().parents[2]
BUCKET = "watched-bucket"
BUCKET_ARN = f"arn:aws:s3:::{BUCKET}"
ANALYZER = "accessproof-external-account"
PUBLIC_READ = policy({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                      "Resource": f"arn:aws:s3:::{BUCKET}/*"})


class Setup:
    """The account, the queues and the notification destinations of one test."""

    def __init__(self, moto: str, tmp_path: Path, webhook_url: str) -> None:
        self.moto = moto
        self.s3 = aws(moto, "s3")
        self.s3.create_bucket(Bucket=BUCKET)
        sqs = aws(moto, "sqs")
        self.sqs = sqs
        self.events_queue = sqs.create_queue(QueueName="cloudtrail-events")["QueueUrl"]
        self.target_queue = sqs.create_queue(QueueName="finding-events")["QueueUrl"]
        target_arn = sqs.get_queue_attributes(QueueUrl=self.target_queue, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]
        events = aws(moto, "events")
        events.put_rule(Name="access-analyzer-findings", EventPattern=json.dumps(
            {"source": ["aws.access-analyzer"], "detail-type": ["Access Analyzer Finding"]}))
        events.put_targets(Rule="access-analyzer-findings", Targets=[{"Id": "queue", "Arn": target_arn}])
        self.securityhub = aws(moto, "securityhub")
        self.securityhub.enable_security_hub()
        self.config = tmp_path / "notify.toml"
        self.config.write_text(f'[eventbridge]\nregion = "{REGION}"\nendpoint_url = "{moto}"\n\n'
                               f'[securityhub]\nregion = "{REGION}"\nendpoint_url = "{moto}"\n\n'
                               f'[[webhooks]]\nname = "ops"\nurl = "{webhook_url}"\n')
        self.database = f"sqlite:///{tmp_path / 'findings.db'}"
        self.out = tmp_path / "out"

    def monitor(self, clients, store: FindingsStore, **options) -> LiveMonitor:
        config = load_config(self.config)
        analyzer = ensure_analyzer(store, ANALYZER, "ACCOUNT")
        outbox = Outbox(store.engine)
        outbox.subscribe(analyzer.arn, config.destinations)
        return LiveMonitor(clients, self.out, REGION, self.events_queue, store, ANALYZER,
                           deliverer=Deliverer(outbox, senders(config)), log=lambda line: None, **options)

    def send_event(self, name: str) -> None:
        event = cloudtrail_event("s3.amazonaws.com", name, {"bucketName": BUCKET, "Host": f"{BUCKET}.s3.amazonaws.com"})
        self.sqs.send_message(QueueUrl=self.events_queue, MessageBody=json.dumps(event))

    def finding_events(self) -> list[dict]:
        messages = self.sqs.receive_message(QueueUrl=self.target_queue, MaxNumberOfMessages=10,
                                            WaitTimeSeconds=1).get("Messages", [])
        for m in messages:
            self.sqs.delete_message(QueueUrl=self.target_queue, ReceiptHandle=m["ReceiptHandle"])
        return [json.loads(m["Body"]) for m in messages]

    def security_hub_findings(self) -> list[dict]:
        found = self.securityhub.get_findings()["Findings"]  # moto ignores filters: filter here
        return [f for f in found if f["Id"].endswith(f"/{BUCKET_ARN}")]


def _clients(moto: str) -> StubbedClients:
    clients = StubbedClients(moto)
    clients.answer("ec2", "get_snapshot_block_public_access_state", {"State": "unblocked"})  # moto answers 500
    return clients


def test_a_bucket_made_public_is_found_from_its_event_and_notified_then_resolved(moto, tmp_path):
    from tests.webhook import webhook_endpoint

    with webhook_endpoint() as webhook:
        setup = Setup(moto, tmp_path, webhook.url)
        store = FindingsStore.open(setup.database, account_id=ACCOUNT, region=REGION)
        monitor = setup.monitor(_clients(moto), store)
        monitor.start()  # first full scan: the bucket is private
        arn = store.get_analyzer(ANALYZER).arn
        assert store.list_findings(arn).items == []
        assert (setup.out / REGION / "s3" / BUCKET / "get-bucket-acl.json").is_file()

        setup.s3.put_bucket_policy(Bucket=BUCKET, Policy=PUBLIC_READ)
        setup.send_event("PutBucketPolicy")
        started = time.monotonic()
        assert monitor.poll(wait_seconds=1) == 1
        elapsed = time.monotonic() - started
        [finding] = store.list_findings(arn).items
        assert (finding.resource, finding.status, finding.is_public, finding.principal) == (
            BUCKET_ARN, "ACTIVE", True, {"AWS": "*"})
        [event] = wait_for(setup.finding_events, what="the EventBridge event on the rule's SQS target")
        assert (event["source"], event["detail-type"], event["resources"]) == (
            "aws.access-analyzer", "Access Analyzer Finding", [arn])
        assert {k: event["detail"][k] for k in ("id", "resource", "status", "isPublic", "isDeleted", "accountId")} == {
            "id": finding.id, "resource": BUCKET_ARN, "status": "ACTIVE", "isPublic": True, "isDeleted": False,
            "accountId": ACCOUNT}
        [imported] = setup.security_hub_findings()
        assert imported["Types"] == ["Effects/Data Exposure/External Access Granted"]
        assert imported["RecordState"] == "ACTIVE"
        assert imported["Title"] == f"AwsS3Bucket/{BUCKET_ARN}/ allows public access"
        assert [b["finding"]["status"] for b in webhook.bodies()] == ["ACTIVE"]
        assert elapsed < 60  # generous: the machine is shared; bench/monitor.py measures it

        setup.s3.delete_bucket_policy(Bucket=BUCKET)
        setup.send_event("DeleteBucketPolicy")
        assert monitor.poll(wait_seconds=1) == 1
        [resolved] = store.list_findings(arn).items
        assert (resolved.id, resolved.status) == (finding.id, "RESOLVED")
        [event] = wait_for(setup.finding_events, what="the RESOLVED event")
        assert (event["detail"]["id"], event["detail"]["status"]) == (finding.id, "RESOLVED")
        [archived] = setup.security_hub_findings()
        assert (archived["Id"], archived["RecordState"]) == (imported["Id"], "ARCHIVED")
        assert [b["finding"]["status"] for b in webhook.bodies()] == ["ACTIVE", "RESOLVED"]
        assert setup.sqs.receive_message(QueueUrl=setup.events_queue, WaitTimeSeconds=0).get("Messages") is None
        counts = Outbox(store.engine).counts()
        assert (counts.pending, counts.delivered) == (0, 6)
        store.close()


def _monitor_process(setup: Setup, fault: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, **CREDENTIALS, "PYTHONPATH": str(ROOT)}
    env.pop(FAULT_VARIABLE, None)
    if fault:
        env[FAULT_VARIABLE] = fault
    command = [sys.executable, "-m", "accessproof.cli.main", "monitor", "--queue-url", setup.events_queue,
               "--out", str(setup.out), "--region", REGION, "--database", setup.database, "--notifications",
               str(setup.config), "--endpoint-url", setup.moto, "--once", "--visibility-timeout", "2",
               "--wait-seconds", "1"]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)


def test_killed_between_recording_and_sending_the_restarted_monitor_delivers_exactly_once(moto, tmp_path):
    from tests.webhook import webhook_endpoint

    with webhook_endpoint() as webhook:
        setup = Setup(moto, tmp_path, webhook.url)
        store = FindingsStore.open(setup.database, account_id=ACCOUNT, region=REGION)
        setup.monitor(_clients(moto), store, rescan_interval=timedelta(hours=24)).start()  # a complete first scan
        arn = store.get_analyzer(ANALYZER).arn

        setup.s3.put_bucket_policy(Bucket=BUCKET, Policy=PUBLIC_READ)
        setup.send_event("PutBucketPolicy")
        killed = _monitor_process(setup, fault="after-record")
        assert killed.returncode == -9, killed.stderr
        [finding] = store.list_findings(arn).items  # recorded...
        assert finding.status == "ACTIVE"
        outbox = Outbox(store.engine)
        assert sorted((r["destination"], r["state"]) for r in outbox.rows()) == [
            ("eventbridge", "PENDING"), ("securityhub", "PENDING"), ("webhook:ops", "PENDING")]
        assert webhook.received == [] and setup.finding_events() == [] and setup.security_hub_findings() == []

        time.sleep(2.5)  # the event's visibility timeout: it is received again, and changes nothing
        restarted = _monitor_process(setup)
        assert restarted.returncode == 0, restarted.stderr
        again = _monitor_process(setup)
        assert again.returncode == 0, again.stderr

        assert [b["finding"]["id"] for b in webhook.bodies()] == [finding.id]
        assert [e["detail"]["id"] for e in wait_for(setup.finding_events, what="the EventBridge event")] == [finding.id]
        time.sleep(1)
        assert setup.finding_events() == []
        assert [f["ProductFields"]["findingId"] for f in setup.security_hub_findings()] == [finding.id]
        assert {(r["destination"], r["state"], r["attempts"]) for r in outbox.rows()} == {
            ("eventbridge", "DELIVERED", 1), ("securityhub", "DELIVERED", 1), ("webhook:ops", "DELIVERED", 1)}
        assert [f.id for f in store.list_findings(arn).items] == [finding.id]  # no duplicate finding either
        assert setup.sqs.receive_message(QueueUrl=setup.events_queue, WaitTimeSeconds=0).get("Messages") is None
        store.close()
