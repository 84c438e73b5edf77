"""Notification shapes against AWS's documented examples, the configuration file, and delivery with
retries through the outbox (a local HTTP server standing in for a webhook endpoint)."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from accessproof.findings import FindingsStore
from accessproof.findings.model import Analyzer, Finding
from accessproof.findings.outbox import CREATED, DELETED, STATUS_CHANGED, FindingChange, Notification, Outbox, payload
from accessproof.integrations.eventbridge import put_events_entry
from accessproof.integrations.notifications import NotificationConfigError, load_config, senders
from accessproof.integrations.outbox import Backoff, Deliverer
from accessproof.integrations.securityhub import asff_finding
from tests.webhook import webhook_endpoint
from accessproof.integrations.webhooks import DELIVERY_HEADER, SIGNATURE_HEADER, WebhookSender, slack_body

ANALYZER = Analyzer("arn:aws:access-analyzer:us-west-2:111122223333:analyzer/MyAnalyzer", "MyAnalyzer", "ACCOUNT",
                    datetime(2019, 11, 1, tzinfo=timezone.utc))
CREATED_AT = datetime(2019, 11, 20, 4, 58, 50, tzinfo=timezone.utc)
ANALYZED_AT = datetime(2019, 11, 21, 1, 22, 22, tzinfo=timezone.utc)
UPDATED_AT = datetime(2019, 11, 21, 1, 14, 7, tzinfo=timezone.utc)


def _finding(**fields) -> Finding:
    values = dict(id="22222222-dcba-4444-dcba-333333333333", analyzer_arn=ANALYZER.arn, key="k",
                  resource="arn:aws:s3:::my-bucket", resource_type="AWS::S3::Bucket",
                  resource_owner_account="111122223333", status="ACTIVE", created_at=CREATED_AT,
                  updated_at=UPDATED_AT, analyzed_at=ANALYZED_AT, principal={"AWS": "999988887777"},
                  action=("s3:GetObject",), condition={}, is_public=False, sources=({"type": "POLICY"},))
    values.update(fields)
    return Finding(**values)


def _payload(finding: Finding, change: str = CREATED, previous=None, others=()) -> dict:
    open_now = [f for f in (finding, *others) if f.status in ("ACTIVE", "ARCHIVED")]
    return json.loads(json.dumps(payload(FindingChange(finding, change, previous), ANALYZER, open_now)))


def test_the_eventbridge_event_is_awss_documented_example():
    entry = put_events_entry(_payload(_finding()))
    # IAM User Guide, "Monitoring ... with Amazon EventBridge", example findings event (the envelope's
    # id, time, account and region are EventBridge's).
    assert entry["Source"] == "aws.access-analyzer"
    assert entry["DetailType"] == "Access Analyzer Finding"
    assert entry["Resources"] == ["arn:aws:access-analyzer:us-west-2:111122223333:analyzer/MyAnalyzer"]
    assert json.loads(entry["Detail"]) == {
        "accountId": "111122223333", "action": ["s3:GetObject"], "analyzedAt": "2019-11-21T01:22:22Z",
        "condition": {}, "createdAt": "2019-11-20T04:58:50Z", "id": "22222222-dcba-4444-dcba-333333333333",
        "isDeleted": False, "isPublic": False, "principal": {"AWS": "999988887777"}, "region": "us-west-2",
        "resource": "arn:aws:s3:::my-bucket", "resourceType": "AWS::S3::Bucket", "status": "ACTIVE",
        "updatedAt": "2019-11-21T01:14:07Z", "version": "1.0"}


def test_the_error_event_is_awss_second_example_and_deletion_keeps_the_status():
    errored = _finding(principal=None, action=None, is_public=None, sources=None, error="ACCESS_DENIED")
    detail = json.loads(put_events_entry(_payload(errored, DELETED, "ACTIVE"))["Detail"])
    assert detail == {
        "accountId": "111122223333", "analyzedAt": "2019-11-21T01:22:22Z", "createdAt": "2019-11-20T04:58:50Z",
        "error": "ACCESS_DENIED", "id": "22222222-dcba-4444-dcba-333333333333", "isDeleted": True,
        "region": "us-west-2", "resource": "arn:aws:s3:::my-bucket", "resourceType": "AWS::S3::Bucket",
        "status": "ACTIVE", "updatedAt": "2019-11-21T01:14:07Z", "version": "1.0"}


def test_an_unused_access_event():
    unused = _finding(resource="arn:aws:iam::111122223333:role/TestRole", resource_type="AWS::IAM::Role",
                      finding_type="UnusedPermission", principal=None, action=None, is_public=None, sources=None,
                      details={"findingDetails": [
                          {"unusedPermissionDetails": {"serviceNamespace": "s3", "actions": [
                              {"action": "s3:PutObject"}, {"action": "s3:DeleteObject"}]}},
                          {"unusedPermissionDetails": {"serviceNamespace": "ec2"}}]})
    entry = put_events_entry(_payload(unused, STATUS_CHANGED, "ACTIVE"))
    assert entry["DetailType"] == "Unused Access Finding for IAM entities"
    detail = json.loads(entry["Detail"])
    assert (detail["findingId"], detail["previousStatus"], detail["findingType"], detail["numberOfUnusedServices"],
            detail["numberOfUnusedActions"], detail["isDeleted"]) == (unused.id, "ACTIVE", "UnusedPermission", 2, 2, False)


def test_security_hub_finding_is_awss_documented_mapping():
    asff = asff_finding(_payload(_finding(action=("s3:GetObject", "s3:GetObjectVersion"),
                                          principal={"AWS": "444455556666"})))
    # IAM User Guide, "Integrate IAM Access Analyzer with AWS Security Hub", typical finding.
    assert asff["Id"] == "arn:aws:access-analyzer:us-west-2:111122223333:analyzer/MyAnalyzer/arn:aws:s3:::my-bucket"
    assert asff["GeneratorId"] == "aws/access-analyzer" and asff["SchemaVersion"] == "2018-10-08"
    assert asff["Types"] == ["Software and Configuration Checks/AWS Security Best Practices/External Access Granted"]
    assert asff["Severity"] == {"Product": 1, "Label": "LOW", "Normalized": 1}
    assert asff["Title"] == "AwsS3Bucket/arn:aws:s3:::my-bucket/ allows cross-account access"
    assert asff["Description"] == "AWS::S3::Bucket/arn:aws:s3:::my-bucket/ allows cross-account access from AWS 444455556666"
    assert asff["Resources"] == [{"Type": "AwsS3Bucket", "Id": "arn:aws:s3:::my-bucket", "Partition": "aws",
                                  "Region": "us-west-2", "Details": {"Other": {
                                      "External Principal Type": "AWS", "Condition": "none",
                                      "Action Granted": "s3:GetObject,s3:GetObjectVersion",
                                      "External Principal": "444455556666"}}}]
    assert (asff["Workflow"], asff["WorkflowState"], asff["RecordState"]) == ({"Status": "NEW"}, "NEW", "ACTIVE")
    assert asff["SourceUrl"] == ("https://console.aws.amazon.com/access-analyzer/home?region=us-west-2"
                                 "#/findings/details/22222222-dcba-4444-dcba-333333333333")
    assert asff["ProductArn"] == "arn:aws:securityhub:us-west-2:111122223333:product/111122223333/default"
    assert asff["AwsAccountId"] == "111122223333"
    assert asff["FindingProviderFields"] == {"Severity": {"Label": "LOW"}, "Types": asff["Types"]}


def test_security_hub_groups_a_resources_findings_public_first_and_archives_when_none_is_active():
    cross = _finding(id="a", created_at=CREATED_AT)
    public = _finding(id="b", principal={"AWS": "*"}, is_public=True, created_at=CREATED_AT + timedelta(hours=1))
    shown = asff_finding(_payload(cross, others=[public]))
    assert shown["Types"] == ["Effects/Data Exposure/External Access Granted"]
    assert shown["Title"] == "AwsS3Bucket/arn:aws:s3:::my-bucket/ allows public access"
    assert shown["ProductFields"]["findingId"] == "b" and shown["RecordState"] == "ACTIVE"
    # The public access resolved: the cross-account one is shown (one principal at a time).
    resolved = _finding(id="b", principal={"AWS": "*"}, is_public=True, status="RESOLVED")
    after = asff_finding(_payload(resolved, STATUS_CHANGED, "ACTIVE", others=[cross]))
    assert after["ProductFields"]["findingId"] == "a" and after["RecordState"] == "ACTIVE"
    assert after["Id"] == shown["Id"]
    # Everything archived or resolved: the one Security Hub finding is archived.
    archived = _finding(id="a", status="ARCHIVED")
    last = asff_finding(_payload(archived, STATUS_CHANGED, "ACTIVE"))
    assert (last["Id"], last["RecordState"]) == (shown["Id"], "ARCHIVED")


def test_security_hub_sends_nothing_for_an_error_finding_alone_and_maps_unused_access_one_to_one():
    errored = _finding(principal=None, action=None, is_public=None, sources=None, error="ACCESS_DENIED")
    assert asff_finding(_payload(errored)) is None
    role = _finding(resource="arn:aws:iam::111122223333:role/TestRole", resource_type="AWS::IAM::Role",
                    finding_type="UnusedIAMRole", principal=None, action=None, is_public=None, sources=None,
                    status="RESOLVED")
    asff = asff_finding(_payload(role, STATUS_CHANGED, "ACTIVE"))
    assert asff["Id"].endswith("/arn:aws:iam::111122223333:role/TestRole/UnusedIAMRole")
    assert asff["Types"] == ["Software and Configuration Checks/AWS Security Best Practices/Unused IAM Role"]
    assert asff["RecordState"] == "ARCHIVED" and asff["Resources"][0]["Type"] == "AwsIamRole"


def test_slack_message_and_json_body():
    notification = Notification(1, "d-1", "webhook:ops", CREATED, _payload(_finding(principal={"AWS": "*"},
                                                                                     is_public=True)), 1,
                                CREATED_AT, "claim")
    message = slack_body(notification)
    assert message["text"] == ("accessproof: new ACTIVE finding on arn:aws:s3:::my-bucket: anyone (public) can "
                               "s3:GetObject")
    assert message["blocks"][0]["type"] == "section"
    sender = WebhookSender("ops", "http://127.0.0.1:9/", secret="s3cret")
    body = sender.body(notification)
    assert json.loads(body)["deliveryId"] == "d-1"
    assert json.loads(WebhookSender("ops", "http://127.0.0.1:9/", format="slack").body(notification)) == message


@pytest.fixture
def endpoint():
    with webhook_endpoint() as handler:
        yield handler


class _Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now


def test_an_unreachable_endpoint_loses_nothing_and_a_notification_is_delivered_once(tmp_path, endpoint):
    from tests.findings.helpers import BUCKET, analysis, public

    clock = _Clock()
    store = FindingsStore.open(f"sqlite:///{tmp_path / 'f.db'}", clock=clock)
    arn = store.create_analyzer("external", "ACCOUNT").arn
    outbox = Outbox(store.engine, clock=clock)
    outbox.subscribe(arn, ["webhook:ops"])
    store.record_analysis(arn, [analysis(BUCKET, public())], complete=True)
    endpoint.failures_left = 2
    sender = WebhookSender("ops", endpoint.url, secret="s3cret")
    deliverer = Deliverer(outbox, {"webhook:ops": sender}, Backoff(base_seconds=10, cap_seconds=60, jitter=0), clock)
    first = deliverer.deliver_due()
    assert (first.delivered, first.failed) == (0, 1) and "HTTP 503" in first.errors[0]
    assert deliverer.deliver_due().delivered == 0  # not due before its backoff (10 s)
    clock.now += timedelta(seconds=10)
    assert deliverer.deliver_due().failed == 1  # second failure: next in 20 s
    clock.now += timedelta(seconds=19)
    assert deliverer.deliver_due().delivered == 0
    clock.now += timedelta(seconds=1)
    assert deliverer.deliver_due().delivered == 1
    clock.now += timedelta(hours=1)
    assert deliverer.deliver_all_due().delivered == 0  # nothing twice
    [(headers, body)] = endpoint.received
    row = outbox.rows()[0]
    assert headers[DELIVERY_HEADER] == row["delivery_id"] and row["attempts"] == 3 and row["state"] == "DELIVERED"
    assert headers[SIGNATURE_HEADER] == "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert json.loads(body)["finding"]["isPublic"] is True
    store.close()


def test_configuration_file(tmp_path):
    path = tmp_path / "notify.toml"
    path.write_text('[eventbridge]\nregion = "us-east-1"\nevent_bus = "findings"\n\n[securityhub]\nregion = "us-east-1"\n\n'
                    '[[webhooks]]\nname = "ops"\nurl = "https://hooks.example.com/x"\nformat = "slack"\n'
                    'headers = { Authorization = "Bearer t" }\n\n[delivery]\nbackoff_cap_seconds = 60\n')
    config = load_config(path)
    assert config.destinations == ["eventbridge", "securityhub", "webhook:ops"]
    assert config.eventbridge.options == {"event_bus": "findings"} and config.backoff.cap_seconds == 60
    made = senders(config, client_factory=lambda service, region, url: (service, region, url))
    assert made["eventbridge"].client == ("events", "us-east-1", None)
    assert made["webhook:ops"].format == "slack"


@pytest.mark.parametrize("text, message", [
    ("", "no destination"),
    ("[eventbridge]\nregoin = 'x'\n", "unknown key 'regoin'"),
    ("[[webhooks]]\nname = 'a'\nurl = 'ftp://x'\n", "url must be http:// or https://"),
    ("[[webhooks]]\nname = 'a'\nurl = 'https://x'\nformat = 'teams'\n", "format must be one of json, slack"),
    ("[[webhooks]]\nname = 'a'\nurl = 'https://x'\n[[webhooks]]\nname = 'a'\nurl = 'https://y'\n", "must be unique"),
    ("[eventbridge\n", "not TOML"),
])
def test_configuration_mistakes_are_one_line(tmp_path, text, message):
    path = tmp_path / "notify.toml"
    path.write_text(text)
    with pytest.raises(NotificationConfigError) as caught:
        load_config(path)
    assert message in str(caught.value) and "\n" not in str(caught.value)
    assert str(path) in str(caught.value)


def test_missing_configuration_file(tmp_path):
    with pytest.raises(NotificationConfigError, match="no such notification configuration file"):
        load_config(Path(tmp_path / "absent.toml"))


def test_a_configuration_that_is_not_a_regular_file_or_too_large_is_refused_in_one_line(tmp_path):
    import os

    fifo = tmp_path / "notify.fifo"
    os.mkfifo(fifo)  # read naively, this would block the monitor's start for ever
    with pytest.raises(NotificationConfigError, match="not a regular file") as caught:
        load_config(fifo)
    assert str(fifo) in str(caught.value) and "\n" not in str(caught.value)
    large = tmp_path / "large.toml"
    large.write_text("# padding\n" * 120_000 + "[eventbridge]\nregion = 'us-east-1'\n")
    with pytest.raises(NotificationConfigError, match="larger than") as caught:
        load_config(large)
    undecodable = tmp_path / "latin1.toml"
    undecodable.write_bytes(b"[eventbridge]\nregion = '\xe9'\n")
    with pytest.raises(NotificationConfigError, match="not valid UTF-8"):
        load_config(undecodable)
