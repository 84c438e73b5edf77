"""Delivering the notification outbox (``accessproof.findings.outbox``) to its destinations.

``Deliverer.deliver_due()`` claims what is due, hands each destination's notifications to its sender
(EventBridge, Security Hub, a webhook), marks what was accepted as delivered and puts the rest back
with exponential backoff (``Backoff``): a failure is retried until it succeeds, never dropped.

A notification is marked delivered right after its destination accepted it; if the process dies in
between, the claim's lease runs out and it is sent again with the same delivery id (the one window
where a destination may see a notification twice; webhooks get the id to drop the repeat, Security
Hub replaces a finding by its ``Id``).
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable, Mapping, Optional, Protocol, Sequence

from ..findings.model import utc_now
from ..findings.outbox import Notification, Outbox

logger = logging.getLogger("accessproof.notifications")


class Sender(Protocol):
    destination: str

    def send(self, notifications: Sequence[Notification]) -> dict[int, Optional[str]]:
        """``{seq: None}`` when delivered, ``{seq: "why not"}`` when not."""
        ...


@dataclass(frozen=True)
class Backoff:
    """Seconds to wait after the n-th failed attempt: ``base · 2^(n-1)`` up to ``cap``, scaled by a
    random factor in [1 - jitter, 1] so that many failures do not retry in step."""

    base_seconds: float = 2.0
    cap_seconds: float = 900.0
    jitter: float = 0.2

    def delay(self, attempts: int, rng: Callable[[], float] = random.random) -> timedelta:
        raw = min(self.cap_seconds, self.base_seconds * (2 ** max(0, attempts - 1)))
        return timedelta(seconds=raw * (1 - self.jitter * rng()))


@dataclass(frozen=True)
class DeliveryRound:
    delivered: int = 0
    failed: int = 0
    errors: tuple[str, ...] = ()


@dataclass
class Deliverer:
    outbox: Outbox
    senders: Mapping[str, Sender]
    backoff: Backoff = field(default_factory=Backoff)
    clock: Callable[[], datetime] = utc_now
    lease: timedelta = timedelta(seconds=60)
    batch: int = 100

    def deliver_due(self) -> DeliveryRound:
        """One round: claim, send, mark. Returns what happened."""
        claimed = self.outbox.claim(sorted(self.senders), limit=self.batch, lease=self.lease)
        if not claimed:
            return DeliveryRound()
        by_destination: dict[str, list[Notification]] = {}
        for notification in claimed:
            by_destination.setdefault(notification.destination, []).append(notification)
        delivered = failed = 0
        errors: list[str] = []
        for destination, notifications in by_destination.items():
            sender = self.senders[destination]
            try:
                outcome = sender.send(notifications)
            except Exception as e:  # a sender's bug must not stop the other destinations
                outcome = {n.seq: f"{type(e).__name__}: {e}" for n in notifications}
            done = [n.seq for n in notifications if n.seq in outcome and outcome[n.seq] is None]
            self.outbox.delivered(notifications[0].claim, done)
            delivered += len(done)
            for notification in notifications:
                if notification.seq in done:
                    continue
                error = outcome.get(notification.seq) or "the sender gave no answer for it"
                retry_at = self.clock() + self.backoff.delay(notification.attempts)
                self.outbox.failed(notification.claim, notification.seq, error, retry_at)
                failed += 1
                line = (f"accessproof: notification {notification.delivery_id} to {destination} failed "
                        f"(attempt {notification.attempts}): {error}; retrying at {retry_at.isoformat()}")
                errors.append(line)
                logger.warning("%s", line)
        return DeliveryRound(delivered, failed, tuple(errors))

    def deliver_all_due(self, max_rounds: int = 1000) -> DeliveryRound:
        """Rounds until nothing due is left (a round may unblock the next change of a resource)."""
        total = DeliveryRound()
        for _ in range(max_rounds):
            result = self.deliver_due()
            total = DeliveryRound(total.delivered + result.delivered, total.failed + result.failed,
                                  total.errors + result.errors)
            if result.delivered == 0:
                return total
        return total
