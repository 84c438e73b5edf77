"""finding_history (schema 5): every status change the store makes is recorded, with its cause."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from accessproof.findings import FindingsStore
from accessproof.findings.db import SCHEMA_VERSION, SchemaVersionRow, drop_schema, make_engine
from accessproof.findings.model import ACTIVE, ARCHIVED, RESOLVED

from .helpers import BUCKET, QUEUE, analysis, fresh, public


def _trail(store: FindingsStore, arn: str, finding_id: str) -> list[tuple]:
    return [(c.previous_status, c.status, c.cause, c.analysis) for c in store.finding_history(arn, finding_id)]


def test_every_status_change_is_recorded_with_its_cause(store, clock):
    arn = store.create_analyzer("a", "ACCOUNT").arn
    opened = store.record_analysis(arn, [analysis(BUCKET, fresh()), analysis(QUEUE, fresh(QUEUE))], complete=True).opened
    bucket = next(f for f in opened if f.resource == BUCKET)
    queue = next(f for f in opened if f.resource == QUEUE)
    clock.tick()
    store.update_findings(arn, ARCHIVED, ids=[bucket.id])
    store.update_findings(arn, ARCHIVED, ids=[bucket.id])  # no change: no entry
    clock.tick()
    store.update_findings(arn, ACTIVE, ids=[bucket.id])
    store.create_archive_rule("a", "queues", {"resourceType": {"eq": ["AWS::SQS::Queue"]}})
    store.apply_archive_rule(arn, "queues")
    clock.tick()
    store.record_analysis(arn, [analysis(BUCKET, fresh())], complete=True)  # the queue is gone

    assert _trail(store, arn, bucket.id) == [
        (None, ACTIVE, "analysis", 1), (ACTIVE, ARCHIVED, "UpdateFindings", None),
        (ARCHIVED, ACTIVE, "UpdateFindings", None)]
    assert _trail(store, arn, queue.id) == [
        (None, ACTIVE, "analysis", 1), (ACTIVE, ARCHIVED, "archive rule queues", None),
        (ARCHIVED, RESOLVED, "analysis", 2)]
    history = store.finding_history(arn, queue.id)
    assert history[-1].changed_at == clock.now and history[-1].resource_owner_account == queue.resource_owner_account
    assert [(c.finding_id, c.status) for c in store.latest_analysis_changes()] == [(queue.id, RESOLVED)]
    counts = {(c.day, c.opened, c.status): c.count for c in store.status_counts_since(clock.now - timedelta(days=30))}
    first, last = (clock.now - timedelta(hours=3)).date(), clock.now.date()
    assert counts[(first, True, ACTIVE)] == 2 and counts[(last, False, RESOLVED)] == 1
    assert sum(counts.values()) == 6
    assert store.status_counts_since(clock.now + timedelta(seconds=1)) == []


def test_findings_opened_archived_by_a_rule_start_archived(store):
    arn = store.create_analyzer("a", "ACCOUNT", archive_rules=[
        {"ruleName": "no-public", "filter": {"isPublic": {"eq": ["true"]}}}]).arn
    outcome = store.record_analysis(arn, [analysis(BUCKET, fresh(), public())])
    website = next(f for f in outcome.opened if f.is_public)
    assert _trail(store, arn, website.id) == [(None, ARCHIVED, "analysis", 1)]


def test_overview_rows_read_the_counted_columns_of_every_analyzer(store):
    first = store.create_analyzer("a", "ACCOUNT").arn
    second = store.create_analyzer("b", "ACCOUNT").arn
    store.record_analysis(first, [analysis(BUCKET, fresh(), public())])
    store.record_analysis(second, [analysis(QUEUE, fresh(QUEUE))])
    store.record_analysis(second, [analysis(BUCKET, fresh(), fresh(action=("s3:PutObject",)))])
    rows = store.overview_rows()
    assert sorted((r.resource_type, r.status, bool(r.is_public), r.count) for r in rows) == [
        ("AWS::S3::Bucket", ACTIVE, False, 3), ("AWS::S3::Bucket", ACTIVE, True, 1),
        ("AWS::SQS::Queue", ACTIVE, False, 1)]


def test_a_version_3_database_gets_the_history_table(database_url, clock):
    drop_schema(make_engine(database_url))
    store = FindingsStore.open(database_url, clock=clock)
    arn = store.create_analyzer("a", "ACCOUNT").arn
    (finding,) = store.record_analysis(arn, [analysis(BUCKET, fresh())]).opened
    with store.engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE finding_history")
        connection.execute(update(SchemaVersionRow).values(version=3))
    store.close()
    upgraded = FindingsStore.open(database_url, clock=clock)
    try:
        with upgraded.engine.connect() as connection:
            assert connection.scalar(select(SchemaVersionRow.version)) == SCHEMA_VERSION == 5
        assert upgraded.finding_history(arn, finding.id) == []  # before the upgrade: no history
        upgraded.update_findings(arn, ARCHIVED, ids=[finding.id])
        assert _trail(upgraded, arn, finding.id) == [(ACTIVE, ARCHIVED, "UpdateFindings", None)]
        again = FindingsStore.open(database_url, clock=clock)  # idempotent: opening again changes nothing
        assert _trail(again, arn, finding.id) == [(ACTIVE, ARCHIVED, "UpdateFindings", None)]
        again.close()
    finally:
        upgraded.close()
