"""The overview's numbers, from the findings' counted columns and their status history.

- accounts ranked by ACTIVE findings (external and unused access), most first, each with its
  counts by finding type and resource type and the change of its ACTIVE count made by the latest
  analysis of each analyzer;
- totals by finding type and by resource type;
- per day: findings created, archived and resolved (from ``finding_history``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Iterable, Sequence

from ..findings.model import (
    ACTIVE, ARCHIVED, EXTERNAL_ACCESS, RESOLVED, FindingOverviewRow, StatusChange, StatusCount,
)

UNUSED_PREFIX = "Unused"


def kind_of(finding_type: str) -> str:
    """``external``, ``unused`` or ``other`` (internal access, ...)."""
    if finding_type == EXTERNAL_ACCESS:
        return "external"
    if finding_type.startswith(UNUSED_PREFIX):
        return "unused"
    return "other"


@dataclass(frozen=True)
class AccountSummary:
    account: str
    active: int
    external: int
    unused: int
    public: int
    by_type: tuple[tuple[str, int], ...]
    by_resource_type: tuple[tuple[str, int], ...]
    change: int  # ACTIVE findings opened minus those closed by the latest analyses


@dataclass(frozen=True)
class TrendDay:
    day: date
    created: int = 0
    archived: int = 0
    resolved: int = 0


@dataclass(frozen=True)
class Overview:
    accounts: tuple[AccountSummary, ...]
    by_type: tuple[tuple[str, int], ...]
    by_resource_type: tuple[tuple[str, int], ...]
    statuses: dict[str, int] = field(default_factory=dict)
    trend: tuple[TrendDay, ...] = ()

    @property
    def active(self) -> int:
        return self.statuses.get(ACTIVE, 0)


def _ranked(counter: Counter) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(counter.items(), key=lambda item: (-item[1], item[0])))


def active_changes(changes: Iterable[StatusChange]) -> Counter:
    """Per account: findings that became ACTIVE minus findings that stopped being ACTIVE."""
    delta: Counter = Counter()
    for change in changes:
        delta[change.resource_owner_account] += (change.status == ACTIVE) - (change.previous_status == ACTIVE)
    return delta


def trend(changes: Iterable[StatusCount], today: date, days: int = 30) -> tuple[TrendDay, ...]:
    """Per day of the ``days`` ending ``today``: created (opened), archived, resolved."""
    first = today - timedelta(days=days - 1)
    counts: dict[date, Counter] = defaultdict(Counter)
    for change in changes:
        day = change.day
        if first <= day <= today:
            if change.opened:
                counts[day]["created"] += change.count
            if change.status == ARCHIVED:
                counts[day]["archived"] += change.count
            elif change.status == RESOLVED:
                counts[day]["resolved"] += change.count
    return tuple(TrendDay(first + timedelta(days=i), **counts.get(first + timedelta(days=i), {}))
                 for i in range(days))


def overview(rows: Sequence[FindingOverviewRow], latest: Iterable[StatusChange] = (),
             history: Iterable[StatusCount] = (), *, today: date, days: int = 30) -> Overview:
    """The overview of ``rows`` (the findings, counted), ``latest`` (the latest analyses' changes)
    and ``history`` (status changes of the last ``days``, counted per day)."""
    statuses: Counter = Counter()
    by_type: Counter = Counter()
    by_resource: Counter = Counter()
    per_account: dict[str, dict[str, Counter]] = defaultdict(lambda: {"type": Counter(), "resource": Counter(),
                                                                      "kind": Counter()})
    for row in rows:
        n = row.count
        statuses[row.status] += n
        if row.status != ACTIVE:
            continue
        by_type[row.finding_type] += n
        by_resource[row.resource_type] += n
        account = per_account[row.resource_owner_account]
        account["type"][row.finding_type] += n
        account["resource"][row.resource_type] += n
        account["kind"][kind_of(row.finding_type)] += n
        if row.is_public:
            account["kind"]["public"] += n
    delta = active_changes(latest)
    accounts = [AccountSummary(account=name, active=sum(c["type"].values()), external=c["kind"]["external"],
                               unused=c["kind"]["unused"], public=c["kind"]["public"], by_type=_ranked(c["type"]),
                               by_resource_type=_ranked(c["resource"]), change=delta.get(name, 0))
                for name, c in per_account.items()]
    for name in delta.keys() - per_account.keys():  # every finding of the account closed
        accounts.append(AccountSummary(name, 0, 0, 0, 0, (), (), delta[name]))
    accounts.sort(key=lambda a: (-a.active, -a.external, a.account))
    return Overview(tuple(accounts), _ranked(by_type), _ranked(by_resource), dict(statuses),
                    trend(history, today, days))
