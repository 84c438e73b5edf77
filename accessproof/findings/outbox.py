"""The notification outbox: every change of a finding, for every destination that asked to hear of it.

A *transactional outbox*: the store writes one ``notification_outbox`` row per change and
destination in the transaction that changes the finding (``enqueue``, called by ``FindingsStore``),
so a change is committed with its notifications or not at all; a deliverer
(``accessproof.integrations.outbox``) sends them after the commit, marks them delivered, and on
failure tries again later with backoff. A crash or an unreachable endpoint loses nothing: what is not
marked delivered is sent again.

Changes (AWS sends an EventBridge event "for each generated finding, for a change to the status of
an existing finding, and when a finding is deleted", IAM User Guide, "Monitoring AWS Identity and
Access Management Access Analyzer with Amazon EventBridge"):

- ``CREATED``: a new finding (ACTIVE, or ARCHIVED by an archive rule);
- ``STATUS_CHANGED``: ACTIVE ↔ ARCHIVED (UpdateFindings, ApplyArchiveRule) or → RESOLVED (the access
  is gone);
- ``DELETED``: an error finding whose error is gone (AWS deletes those; ``isDeleted`` is true).

A finding seen again unchanged is no change (AWS sends nothing).

Exactly once per change and destination: each row has a ``delivery_id`` (stable across retries, sent
with every attempt so that a receiver can recognise a repeat). A deliverer *claims* rows for a lease
before sending (two deliverers never send one row at the same time), and per destination and
resource only the oldest undelivered row is claimable, so a destination hears of one resource's
changes in order (a RESOLVED never overtakes the CREATED before it).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Iterable, Mapping, Optional, Sequence

from sqlalchemy import and_, delete, func, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from .db import (
    MonitorStateRow, NotificationOutboxRow, NotificationSubscriptionRow, database_errors, ensure_schema, reading,
    writing,
)
from .model import EXTERNAL_ACCESS, Analyzer, Finding, utc_now

CREATED, STATUS_CHANGED, DELETED = "CREATED", "STATUS_CHANGED", "DELETED"
CHANGES = (CREATED, STATUS_CHANGED, DELETED)
PENDING, DELIVERED = "PENDING", "DELIVERED"
OUTBOX = NotificationOutboxRow.__table__
SUBSCRIPTIONS = NotificationSubscriptionRow.__table__
# The namespace of delivery ids: uuid5(namespace, change id + destination) is the same on every retry.
_DELIVERY_NAMESPACE = uuid.UUID("5b0d7f52-5f8e-4b1c-9a53-1c1f3a6e2f41")


@dataclass(frozen=True)
class FindingChange:
    """One change of one finding: the finding as it is after it, and its status before (None: new)."""

    finding: Finding
    change: str
    previous_status: Optional[str] = None


def delivery_id(change_id: str, destination: str) -> str:
    return str(uuid.uuid5(_DELIVERY_NAMESPACE, f"{change_id}\n{destination}"))


def iso(moment: Optional[datetime]) -> Optional[str]:
    return moment.isoformat() if moment is not None else None


def finding_json(finding: Finding) -> dict[str, Any]:
    """The finding as JSON (GetFinding's members, ISO 8601 times, plus ``findingType`` and the
    unused-access ``details``): what a notification carries."""
    body = finding.to_aws()
    body.pop("witness", None)  # evidence for people, not part of any notification shape
    for key in ("createdAt", "analyzedAt", "updatedAt"):
        body[key] = iso(body[key])
    body["findingType"] = finding.finding_type
    body["analyzerArn"] = finding.analyzer_arn
    if finding.details is not None:
        body["details"] = finding.details
    return body


def payload(change: FindingChange, analyzer: Analyzer, resource_findings: Sequence[Finding]) -> dict[str, Any]:
    """What one notification says, independent of the destination's format."""
    body: dict[str, Any] = {
        "change": change.change,
        "previousStatus": change.previous_status,
        "analyzer": {"arn": analyzer.arn, "name": analyzer.name, "type": analyzer.type},
        "finding": finding_json(change.finding),
    }
    if change.finding.finding_type == EXTERNAL_ACCESS:
        # Security Hub groups external access findings by resource: its finding is derived from all
        # the resource's open findings as they are after this change.
        body["resourceFindings"] = [finding_json(f) for f in resource_findings]
    return body


def destinations(session: Session, analyzer_arn: str) -> list[str]:
    return list(session.scalars(select(NotificationSubscriptionRow.destination)
                                .where(NotificationSubscriptionRow.analyzer_arn == analyzer_arn)
                                .order_by(NotificationSubscriptionRow.destination)))


def enqueue(session: Session, analyzer: Analyzer, changes: Sequence[FindingChange], subscribers: Sequence[str],
            resource_findings: Mapping[str, Sequence[Finding]], now: datetime) -> int:
    """Write the outbox rows of ``changes`` in the caller's transaction; returns how many."""
    rows = []
    for change in changes:
        change_id = str(uuid.uuid4())
        body = payload(change, analyzer, resource_findings.get(change.finding.resource, ()))
        for destination in subscribers:
            rows.append({"delivery_id": delivery_id(change_id, destination), "change_id": change_id,
                         "destination": destination, "analyzer_arn": analyzer.arn, "finding_id": change.finding.id,
                         "resource": change.finding.resource, "change": change.change, "payload": body,
                         "created_at": now, "state": PENDING, "attempts": 0, "next_attempt_at": now})
    if rows:
        session.execute(insert(OUTBOX), rows)
    return len(rows)


def reconciliation_changes(previous: Mapping[str, Finding], opened: Iterable[Finding], resolved: Iterable[Finding],
                           deleted: Iterable[Finding]) -> list[FindingChange]:
    """The changes an analysis made (``lifecycle.Reconciliation``); ``previous``: the findings in its
    scope before it, by id (for the status they had)."""
    out = [FindingChange(f, CREATED) for f in opened]
    out += [FindingChange(f, STATUS_CHANGED, previous[f.id].status if f.id in previous else None) for f in resolved]
    out += [FindingChange(f, DELETED, f.status) for f in deleted]
    return out


def status_changes(before: Mapping[str, Finding], changed: Iterable[Finding]) -> list[FindingChange]:
    """UpdateFindings / ApplyArchiveRule: each changed finding with its status before."""
    return [FindingChange(f, STATUS_CHANGED, before[f.id].status if f.id in before else None) for f in changed]


# --- delivery ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Notification:
    """A claimed outbox row, to send."""

    seq: int
    delivery_id: str
    destination: str
    change: str
    payload: dict[str, Any]
    attempts: int  # this one included
    created_at: datetime
    claim: str  # the claim token: ``delivered`` and ``failed`` take it


@dataclass(frozen=True)
class OutboxCounts:
    pending: int
    delivered: int
    failing: int  # pending rows that failed at least once
    oldest_pending: Optional[datetime]


def _as_utc(moment: Optional[datetime]) -> Optional[datetime]:
    from .model import as_utc

    return as_utc(moment)


class Outbox:
    """The outbox of the findings database behind ``engine``: subscriptions, claiming and marking."""

    def __init__(self, engine: Engine, *, clock=utc_now) -> None:
        self.engine = engine
        self._clock = clock
        self._reads = sessionmaker(reading(engine), expire_on_commit=False)
        self._writes = sessionmaker(writing(engine), expire_on_commit=False)
        self._ready = False

    def _session(self, write: bool):
        if not self._ready:
            ensure_schema(self.engine, create=False)
            self._ready = True
        return (self._writes if write else self._reads).begin()

    def subscribe(self, analyzer_arn: str, wanted: Sequence[str]) -> tuple[list[str], list[str]]:
        """Make ``wanted`` the destinations of the analyzer; returns (added, removed). Rows already
        enqueued for a removed destination stay (``counts`` shows them) and are not sent."""
        now = self._clock()
        with database_errors(self.engine), self._session(write=True) as session:
            current = set(destinations(session, analyzer_arn))
            added = sorted(set(wanted) - current)
            removed = sorted(current - set(wanted))
            if added:
                session.execute(insert(SUBSCRIPTIONS), [
                    {"analyzer_arn": analyzer_arn, "destination": d, "created_at": now} for d in added])
            if removed:
                session.execute(delete(SUBSCRIPTIONS).where(SUBSCRIPTIONS.c.analyzer_arn == analyzer_arn,
                                                            SUBSCRIPTIONS.c.destination.in_(removed)))
            return added, removed

    def claim(self, destinations_served: Sequence[str], *, limit: int = 100,
              lease: timedelta = timedelta(seconds=60)) -> list[Notification]:
        """Claim up to ``limit`` due notifications until ``now + lease``: per destination and
        resource the oldest pending one, if due and not claimed under a live lease. Oldest first."""
        now = self._clock()
        token = uuid.uuid4().hex
        if not destinations_served:
            return []
        with database_errors(self.engine), self._session(write=True) as session:
            oldest = (select(func.min(OUTBOX.c.seq).label("seq"))
                      .where(OUTBOX.c.state == PENDING, OUTBOX.c.destination.in_(list(destinations_served)))
                      .group_by(OUTBOX.c.destination, OUTBOX.c.resource).subquery())
            free = (OUTBOX.c.claimed_until.is_(None)) | (OUTBOX.c.claimed_until < now)
            candidates = list(session.scalars(
                select(OUTBOX.c.seq).join(oldest, oldest.c.seq == OUTBOX.c.seq)
                .where(OUTBOX.c.next_attempt_at <= now, free).order_by(OUTBOX.c.seq).limit(limit)))
            if not candidates:
                return []
            until = now + lease
            # The same conditions again in the UPDATE: a concurrent claimer that got there first wins
            # the row (PostgreSQL re-checks them on the locked row; SQLite's writer lock serializes).
            session.execute(update(OUTBOX).where(OUTBOX.c.seq.in_(candidates), OUTBOX.c.state == PENDING, free)
                            .values(claimed_by=token, claimed_until=until, attempts=OUTBOX.c.attempts + 1))
            rows = session.execute(select(OUTBOX).where(OUTBOX.c.seq.in_(candidates), OUTBOX.c.claimed_by == token)
                                   .order_by(OUTBOX.c.seq)).all()
            return [Notification(r.seq, r.delivery_id, r.destination, r.change, dict(r.payload), r.attempts,
                                 _as_utc(r.created_at), token) for r in rows]

    def delivered(self, claim: str, seqs: Sequence[int]) -> int:
        """Mark delivered what was claimed under ``claim`` and sent; returns how many rows the claim
        still held (a claim whose lease ran out may have lost a row to another deliverer)."""
        if not seqs:
            return 0
        now = self._clock()
        with database_errors(self.engine), self._session(write=True) as session:
            result = session.execute(update(OUTBOX).where(OUTBOX.c.seq.in_(list(seqs)), OUTBOX.c.claimed_by == claim,
                                                          OUTBOX.c.state == PENDING)
                                     .values(state=DELIVERED, delivered_at=now, claimed_by=None, claimed_until=None,
                                             last_error=None))
            return result.rowcount

    def failed(self, claim: str, seq: int, error: str, retry_at: datetime) -> None:
        """Release a claim after a failed attempt; the row is due again at ``retry_at``."""
        with database_errors(self.engine), self._session(write=True) as session:
            session.execute(update(OUTBOX).where(OUTBOX.c.seq == seq, OUTBOX.c.claimed_by == claim,
                                                 OUTBOX.c.state == PENDING)
                            .values(claimed_by=None, claimed_until=None, next_attempt_at=retry_at,
                                    last_error=error[:2000]))

    def counts(self, destination: Optional[str] = None) -> OutboxCounts:
        with database_errors(self.engine), self._session(write=False) as session:
            where = [OUTBOX.c.destination == destination] if destination else []
            pending = session.scalar(select(func.count()).select_from(OUTBOX).where(OUTBOX.c.state == PENDING, *where))
            delivered = session.scalar(select(func.count()).select_from(OUTBOX)
                                       .where(OUTBOX.c.state == DELIVERED, *where))
            failing = session.scalar(select(func.count()).select_from(OUTBOX)
                                     .where(and_(OUTBOX.c.state == PENDING, OUTBOX.c.last_error.is_not(None)), *where))
            oldest = session.scalar(select(func.min(OUTBOX.c.created_at)).where(OUTBOX.c.state == PENDING, *where))
            return OutboxCounts(pending or 0, delivered or 0, failing or 0, _as_utc(oldest))

    def rows(self, destination: Optional[str] = None) -> list[dict[str, Any]]:
        """Every outbox row (oldest first), as dicts: for reports and tests."""
        with database_errors(self.engine), self._session(write=False) as session:
            query = select(OUTBOX).order_by(OUTBOX.c.seq)
            if destination is not None:
                query = query.where(OUTBOX.c.destination == destination)
            return [dict(row._mapping) for row in session.execute(query)]


class MonitorState:
    """Named JSON values a monitor keeps across restarts (``monitor_state``)."""

    def __init__(self, engine: Engine, *, clock=utc_now) -> None:
        self.engine = engine
        self._clock = clock
        self._reads = sessionmaker(reading(engine), expire_on_commit=False)
        self._writes = sessionmaker(writing(engine), expire_on_commit=False)
        self._ready = False

    def _begin(self, write: bool = True):
        if not self._ready:
            ensure_schema(self.engine, create=False)
            self._ready = True
        return (self._writes if write else self._reads).begin()

    def get(self, name: str) -> Optional[dict[str, Any]]:
        with database_errors(self.engine), self._begin(write=False) as session:
            row = session.get(MonitorStateRow, name)
            return dict(row.value) if row is not None else None

    def put(self, name: str, value: Mapping[str, Any]) -> None:
        with database_errors(self.engine), self._begin() as session:
            row = session.get(MonitorStateRow, name)
            if row is None:
                session.add(MonitorStateRow(name=name, value=dict(value), updated_at=self._clock()))
            else:
                row.value = dict(value)
                row.updated_at = self._clock()
