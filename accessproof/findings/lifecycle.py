"""The lifecycle of findings, as pure functions over ``Finding`` records.

AWS's rules (IAM User Guide, "Reviewing findings" / "Remediating findings",
https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-findings-remediate.html):
- a re-analysis that no longer finds an access resolves its finding (ACTIVE or ARCHIVED → RESOLVED);
- a changed access (other principal, actions or conditions) is a *new* finding, ACTIVE; the old
  one is resolved;
- an access that is still there keeps its finding: same id, same status (ARCHIVED stays ARCHIVED);
- new findings that an archive rule matches are ARCHIVED at once; rules do not touch existing
  findings unless ApplyArchiveRule is called (https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-archive-rules.html);
- error findings whose error is gone are deleted, not resolved;
- UpdateFindings moves findings between ACTIVE and ARCHIVED.

A RESOLVED finding is never reopened: if the access comes back, it is new access and gets a new
finding (new id). Findings are matched across analyses by ``Finding.key`` (``model.finding_key``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import AbstractSet, Callable, Iterable, Mapping, Sequence

from .errors import ValidationError
from .filters import Filter, matches, parse_filter
from .model import (
    ACTIVE, ARCHIVED, FINDING_STATUS_UPDATES, RESOLVED, ArchiveRule, Finding, FreshFinding, finding_key,
)


def new_finding_id() -> str:
    return str(uuid.uuid4())


def rule_filters(rules: Iterable[ArchiveRule]) -> list[Filter]:
    """The filters of the rules that can archive anything.

    A rule with an empty filter (earlier versions accepted one; it is refused now:
    ``filters.parse_archive_rule_filter``) would match every finding; it archives nothing, so that
    it cannot hide access. The schema upgrade names such rules (``db``)."""
    parsed = [parse_filter(rule.filter, for_archive_rule=True) for rule in rules]
    return [criteria for criteria in parsed if criteria]


def archived_by_any(finding: Finding, filters: Sequence[Filter]) -> bool:
    return any(matches(finding, parsed) for parsed in filters)


@dataclass(frozen=True)
class Reconciliation:
    """The new state of the findings in scope after an analysis.

    ``kept``: same access, same id and status; ``analyzed_at`` and the witness refreshed.
    ``opened``: new access, ACTIVE or ARCHIVED (archive rule).
    ``resolved``: access gone, now RESOLVED.
    ``deleted``: error findings whose error is gone (AWS deletes them).
    ``replaced``: for a resolved finding whose resource and principal reappear in an opened one
    (the access changed), the id of that opened finding. Access previews use it for CHANGED.
    """

    kept: tuple[Finding, ...] = ()
    opened: tuple[Finding, ...] = ()
    resolved: tuple[Finding, ...] = ()
    deleted: tuple[Finding, ...] = ()
    replaced: Mapping[str, str] = field(default_factory=dict)

    @property
    def written(self) -> tuple[Finding, ...]:
        """The findings to store (insert or update)."""
        return self.kept + self.opened + self.resolved


def _unique_by_key(fresh: Iterable[FreshFinding]) -> dict[str, FreshFinding]:
    """An analysis may report the same access twice (e.g. via two statements); keep one."""
    unique: dict[str, FreshFinding] = {}
    for candidate in fresh:
        unique.setdefault(finding_key(candidate), candidate)
    return unique


def _refresh(previous: Finding, fresh: FreshFinding, now: datetime) -> Finding:
    """Same access seen again: only the analysis time and the evidence move."""
    return replace(previous, analyzed_at=now, witness=fresh.witness, details=fresh.details)


def _same_grant(finding: Finding) -> tuple:
    """What makes a changed access "the same grant": the resource and the principal."""
    return (finding.resource, tuple(sorted((finding.principal or {}).items())), finding.finding_type)


def reconcile(
    analyzer_arn: str,
    previous: Iterable[Finding],
    fresh: Iterable[FreshFinding],
    rules: Sequence[ArchiveRule],
    now: datetime,
    new_id: Callable[[], str] = new_finding_id,
    protected: AbstractSet[str] = frozenset(),
) -> Reconciliation:
    """Match an analysis against the findings it supersedes.

    ``previous`` is every finding of the analyzer in the analysis' scope (one resource, or all of
    them); RESOLVED ones are ignored, as they are never reopened.

    ``protected``: ids of findings that an analysis recorded while this one was running saw. That
    analysis may have read a newer snapshot, so this one's not seeing the access proves nothing:
    such findings are neither resolved nor deleted (they are kept, refreshed, when this analysis
    sees them too). A RESOLVED finding thus always means that the newest analysis saw the access gone.
    """
    filters = rule_filters(rules)
    wanted = _unique_by_key(fresh)
    kept: list[Finding] = []
    gone: list[Finding] = []
    seen_keys: set[str] = set()
    for finding in previous:
        if finding.status == RESOLVED:
            continue
        if finding.key in wanted and finding.key not in seen_keys:
            seen_keys.add(finding.key)
            kept.append(_refresh(finding, wanted[finding.key], now))
        elif finding.id not in protected:
            gone.append(finding)  # gone, or a duplicate of a kept finding
    opened = [_open(analyzer_arn, fresh_finding, filters, now, new_id)
              for key, fresh_finding in wanted.items() if key not in seen_keys]
    resolved = [finding.with_status(RESOLVED, now) for finding in gone if not finding.is_error]
    resolved = [replace(finding, analyzed_at=now) for finding in resolved]
    deleted = [finding for finding in gone if finding.is_error]
    return Reconciliation(
        kept=tuple(kept),
        opened=tuple(opened),
        resolved=tuple(resolved),
        deleted=tuple(deleted),
        replaced=_replacements(resolved, opened),
    )


def _open(analyzer_arn: str, fresh: FreshFinding, filters: Sequence[Filter], now: datetime,
          new_id: Callable[[], str]) -> Finding:
    finding = Finding.open(fresh, finding_id=new_id(), analyzer_arn=analyzer_arn, status=ACTIVE, now=now)
    if archived_by_any(finding, filters):
        return replace(finding, status=ARCHIVED)
    return finding


def _replacements(resolved: Sequence[Finding], opened: Sequence[Finding]) -> dict[str, str]:
    opened_by_grant: dict[tuple, str] = {}
    for finding in opened:
        opened_by_grant.setdefault(_same_grant(finding), finding.id)
    return {finding.id: opened_by_grant[_same_grant(finding)]
            for finding in resolved if _same_grant(finding) in opened_by_grant}


def apply_archive_rule(findings: Iterable[Finding], rule: ArchiveRule, now: datetime) -> list[Finding]:
    """ApplyArchiveRule: archive the ACTIVE findings the rule matches. Returns the changed ones.
    A rule with an empty filter archives nothing (``rule_filters``)."""
    parsed = rule_filters([rule])
    return [finding.with_status(ARCHIVED, now)
            for finding in findings if finding.status == ACTIVE and archived_by_any(finding, parsed)]


@dataclass(frozen=True)
class DuplicateMerge:
    """How duplicate open findings of one access (same analyzer and key) become one."""

    survivor: Finding
    merged: tuple[Finding, ...]


def merge_duplicates(duplicates: Sequence[Finding], now: datetime) -> DuplicateMerge:
    """One finding for an access that concurrent analyses of an older version recorded several times.

    The oldest (then the smallest id) survives, so that the id users saw first stays valid. It is
    ACTIVE if any duplicate is ACTIVE: archiving one copy of an access did not archive the others,
    and a merge must not hide access. The others are returned for safekeeping, never resolved (a
    RESOLVED finding says the access is gone, and it is not).
    """
    if not duplicates:
        raise ValueError("merge_duplicates needs at least one finding")
    ordered = sorted(duplicates, key=lambda f: (f.created_at, f.id))
    survivor = ordered[0]
    if survivor.status != ACTIVE and any(f.status == ACTIVE for f in ordered):
        survivor = survivor.with_status(ACTIVE, now)
    return DuplicateMerge(survivor=survivor, merged=tuple(ordered[1:]))


def check_status_update(status: str) -> None:
    if status not in FINDING_STATUS_UPDATES:
        raise ValidationError(
            f"1 validation error detected: Value '{status}' at 'status' failed to satisfy constraint: "
            f"Member must satisfy enum value set: [{', '.join(FINDING_STATUS_UPDATES)}]"
        )


def update_status(findings: Iterable[Finding], status: str, now: datetime, *, strict: bool) -> list[Finding]:
    """UpdateFindings on the given findings. Returns those whose status changed.

    CHOICE (AWS is silent): RESOLVED findings cannot be archived or reactivated, since the access
    is gone. With ``strict`` (findings named by id) asking for one is a ValidationException; when
    selected by ``resourceArn`` they are skipped. A finding already in the wanted status is left
    as is (its ``updatedAt`` does not move).
    """
    check_status_update(status)
    changed: list[Finding] = []
    for finding in findings:
        if finding.status == RESOLVED:
            if strict:
                raise ValidationError(f"Finding {finding.id} is RESOLVED; only ACTIVE and ARCHIVED findings can be updated")
            continue
        if finding.status != status:
            changed.append(finding.with_status(status, now))
    return changed

