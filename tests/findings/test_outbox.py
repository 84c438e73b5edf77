"""The transactional notification outbox, on SQLite and PostgreSQL: rows written with the finding
change or not at all, claimed once, delivered in order per resource, retried after failures."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from accessproof.findings import FindingsStore
from accessproof.findings.db import SCHEMA_VERSION, SchemaVersionRow, drop_schema, make_engine
from accessproof.findings.errors import NotFoundError
from accessproof.findings.model import ACTIVE, ARCHIVED, RESOLVED
from accessproof.findings.outbox import CREATED, DELETED, DELIVERED, PENDING, STATUS_CHANGED, MonitorState, Outbox

from .helpers import BUCKET, KEY, QUEUE, analysis, errored, fresh, public

DESTINATIONS = ["eventbridge", "securityhub", "webhook:ops"]


def _fresh_database(url: str) -> None:
    engine = make_engine(url)
    drop_schema(engine)  # the PostgreSQL server is shared by the session's tests
    engine.dispose()


def _analyzer(store: FindingsStore) -> str:
    return store.create_analyzer("external", "ACCOUNT").arn


def _outbox(store: FindingsStore, clock) -> Outbox:
    return Outbox(store.engine, clock=clock)


def test_no_subscriber_no_row(store, clock):
    arn = _analyzer(store)
    store.record_analysis(arn, [analysis(BUCKET, public())], complete=True)
    assert _outbox(store, clock).rows() == []


def test_each_change_is_enqueued_once_per_destination_with_its_previous_status(store, clock):
    arn = _analyzer(store)
    outbox = _outbox(store, clock)
    assert outbox.subscribe(arn, DESTINATIONS) == (DESTINATIONS, [])
    opened = store.record_analysis(arn, [analysis(BUCKET, public()), analysis(KEY, errored())], complete=True).opened
    rows = outbox.rows()
    assert len(rows) == 2 * len(DESTINATIONS)
    assert {(r["finding_id"], r["change"], r["destination"]) for r in rows} == {
        (f.id, CREATED, d) for f in opened for d in DESTINATIONS}
    assert len({r["delivery_id"] for r in rows}) == len(rows)
    # Seen again unchanged: no change, no notification.
    store.record_analysis(arn, [analysis(BUCKET, public()), analysis(KEY, errored())], complete=True)
    assert len(outbox.rows()) == 2 * len(DESTINATIONS)
    # Archived by hand, then the access and the error are gone.
    clock.tick()
    bucket_finding = next(f for f in opened if f.resource == BUCKET)
    store.update_findings(arn, ARCHIVED, ids=[bucket_finding.id])
    clock.tick()
    store.record_analysis(arn, [analysis(BUCKET), analysis(KEY)], complete=True)
    later = [r for r in outbox.rows() if r["destination"] == "eventbridge"][2:]
    assert [(r["change"], r["payload"]["previousStatus"], r["payload"]["finding"]["status"]) for r in later] == [
        (STATUS_CHANGED, ACTIVE, ARCHIVED), (STATUS_CHANGED, ARCHIVED, RESOLVED), (DELETED, ACTIVE, ACTIVE)]


def test_payload_carries_the_resources_open_findings_after_the_change(store, clock):
    arn = _analyzer(store)
    _outbox(store, clock).subscribe(arn, ["securityhub"])
    store.record_analysis(arn, [analysis(BUCKET, public(), fresh())], complete=True)
    rows = _outbox(store, clock).rows()
    assert len(rows) == 2
    for row in rows:
        assert sorted(f["isPublic"] for f in row["payload"]["resourceFindings"]) == [False, True]
        assert row["payload"]["analyzer"] == {"arn": arn, "name": "external", "type": "ACCOUNT"}


def test_a_failed_transaction_enqueues_nothing(store, clock):
    arn = _analyzer(store)
    _outbox(store, clock).subscribe(arn, DESTINATIONS)
    with pytest.raises(NotFoundError):
        store.update_findings(arn, ARCHIVED, ids=["no-such-finding"])
    assert _outbox(store, clock).rows() == []


def test_claim_is_exclusive_ordered_per_resource_and_retried(store, clock):
    arn = _analyzer(store)
    outbox = _outbox(store, clock)
    outbox.subscribe(arn, ["webhook:ops"])
    store.record_analysis(arn, [analysis(BUCKET, public()), analysis(QUEUE, fresh(QUEUE))], complete=True)
    clock.tick()
    store.record_analysis(arn, [analysis(BUCKET), analysis(QUEUE, fresh(QUEUE))], complete=True)  # bucket resolved
    first = outbox.claim(["webhook:ops"])
    # One per resource: the bucket's CREATED and the queue's CREATED, not the bucket's RESOLVED yet.
    assert sorted((n.payload["finding"]["resource"], n.change) for n in first) == [(BUCKET, CREATED), (QUEUE, CREATED)]
    assert outbox.claim(["webhook:ops"]) == []  # claimed under a live lease: nobody else gets them
    bucket, queue = sorted(first, key=lambda n: n.payload["finding"]["resource"])
    assert outbox.delivered(queue.claim, [queue.seq]) == 1
    outbox.failed(bucket.claim, bucket.seq, "HTTP 503", clock() + timedelta(seconds=30))
    assert outbox.claim(["webhook:ops"]) == []  # the bucket's first change is not due; its second waits
    clock.tick(31)
    again = outbox.claim(["webhook:ops"])
    assert [(n.seq, n.attempts) for n in again] == [(bucket.seq, 2)]
    outbox.delivered(again[0].claim, [again[0].seq])
    after = outbox.claim(["webhook:ops"])
    assert [(n.payload["finding"]["resource"], n.change) for n in after] == [(BUCKET, STATUS_CHANGED)]
    counts = outbox.counts()
    assert (counts.pending, counts.delivered, counts.failing) == (1, 2, 0)


def test_an_expired_lease_gives_the_row_to_the_next_claim_and_the_old_claim_cannot_mark_it(store, clock):
    arn = _analyzer(store)
    outbox = _outbox(store, clock)
    outbox.subscribe(arn, ["eventbridge"])
    store.record_analysis(arn, [analysis(BUCKET, public())], complete=True)
    [lost] = outbox.claim(["eventbridge"], lease=timedelta(seconds=10))
    clock.tick(11)
    [taken] = outbox.claim(["eventbridge"])
    assert taken.delivery_id == lost.delivery_id and taken.claim != lost.claim
    assert outbox.delivered(lost.claim, [lost.seq]) == 0
    assert outbox.delivered(taken.claim, [taken.seq]) == 1
    assert [r["state"] for r in outbox.rows()] == [DELIVERED]


def test_unsubscribed_destinations_get_nothing_new(store, clock):
    arn = _analyzer(store)
    outbox = _outbox(store, clock)
    outbox.subscribe(arn, DESTINATIONS)
    assert outbox.subscribe(arn, ["eventbridge"]) == ([], ["securityhub", "webhook:ops"])
    store.record_analysis(arn, [analysis(BUCKET, public())], complete=True)
    assert [r["destination"] for r in outbox.rows()] == ["eventbridge"]
    assert [r["state"] for r in outbox.rows()] == [PENDING]


def test_monitor_state_survives_reopening(database_url, clock):
    _fresh_database(database_url)
    store = FindingsStore.open(database_url, clock=clock)
    try:
        state = MonitorState(store.engine, clock=clock)
        assert state.get("last-full-scan") is None
        state.put("last-full-scan", {"at": "2026-01-01T00:00:00+00:00"})
        state.put("last-full-scan", {"at": "2026-01-02T00:00:00+00:00"})
    finally:
        store.close()
    engine = make_engine(database_url)
    assert MonitorState(engine).get("last-full-scan") == {"at": "2026-01-02T00:00:00+00:00"}
    engine.dispose()


def test_a_version_2_database_is_upgraded_with_the_new_tables(database_url, clock):
    _fresh_database(database_url)
    store = FindingsStore.open(database_url, clock=clock)
    arn = _analyzer(store)
    store.record_analysis(arn, [analysis(BUCKET, public())], complete=True)
    with store.engine.begin() as connection:
        for table in ("notification_outbox", "notification_subscriptions", "monitor_state"):
            connection.exec_driver_sql(f"DROP TABLE {table}")
        connection.execute(update(SchemaVersionRow).values(version=2))
    store.close()
    upgraded = FindingsStore.open(database_url, clock=clock)
    try:
        with upgraded.engine.connect() as connection:
            assert connection.scalar(select(SchemaVersionRow.version)) == SCHEMA_VERSION >= 3
        assert [f.resource for f in upgraded.list_findings(arn).items] == [BUCKET]
        outbox = Outbox(upgraded.engine, clock=clock)
        outbox.subscribe(arn, ["eventbridge"])
        upgraded.record_analysis(arn, [analysis(BUCKET)], complete=True)
        assert [r["change"] for r in outbox.rows()] == [STATUS_CHANGED]
    finally:
        upgraded.close()
