"""The lifecycle as pure functions: re-analysis, archive rules, UpdateFindings."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from itertools import count

import pytest

from accessproof.findings import ValidationError
from accessproof.findings.lifecycle import apply_archive_rule, merge_duplicates, reconcile, rule_filters, update_status
from accessproof.findings.model import ACTIVE, ARCHIVED, RESOLVED, ArchiveRule, finding_key

from .helpers import BUCKET, KEY, OUTSIDER, QUEUE, T0, errored, fresh, public, stored

ANALYZER = "arn:aws:access-analyzer:us-east-1:111122223333:analyzer/a"
LATER = T0 + timedelta(hours=1)


def ids():
    numbers = count(1)
    return lambda: f"new-{next(numbers)}"


def rule(filter: dict) -> ArchiveRule:
    return ArchiveRule(ANALYZER, "rule", filter, T0, T0)


def test_first_analysis_opens_active_findings():
    outcome = reconcile(ANALYZER, [], [fresh(), fresh(QUEUE)], [], LATER, ids())
    assert [f.id for f in outcome.opened] == ["new-1", "new-2"]
    assert {f.status for f in outcome.opened} == {ACTIVE}
    assert all(f.created_at == f.updated_at == f.analyzed_at == LATER for f in outcome.opened)
    assert outcome.kept == outcome.resolved == outcome.deleted == ()


def test_unchanged_access_keeps_id_status_and_created_at():
    before = stored(fresh(), "f1")
    outcome = reconcile(ANALYZER, [before], [fresh(witness={"other": "witness"})], [], LATER, ids())
    (kept,) = outcome.kept
    assert (kept.id, kept.status, kept.created_at, kept.updated_at) == ("f1", ACTIVE, T0, T0)
    assert kept.analyzed_at == LATER
    assert kept.witness == {"other": "witness"}  # evidence refreshed; not a change of the finding
    assert outcome.opened == outcome.resolved == ()


def test_unchanged_access_is_matched_whatever_the_order_of_actions_and_sources():
    first = fresh(action=("s3:GetObject", "s3:PutObject"), sources=({"type": "POLICY"}, {"type": "BUCKET_ACL"}))
    again = fresh(action=("s3:PutObject", "s3:GetObject"), sources=({"type": "BUCKET_ACL"}, {"type": "POLICY"}))
    assert finding_key(first) == finding_key(again)
    outcome = reconcile(ANALYZER, [stored(first, "f1")], [again], [], LATER, ids())
    assert [f.id for f in outcome.kept] == ["f1"]


def test_archived_stays_archived():
    outcome = reconcile(ANALYZER, [stored(fresh(), "f1", ARCHIVED)], [fresh()], [], LATER, ids())
    assert [(f.id, f.status) for f in outcome.kept] == [("f1", ARCHIVED)]


def test_gone_access_is_resolved_active_or_archived():
    previous = [stored(fresh(), "f1"), stored(public(), "f2", ARCHIVED)]
    outcome = reconcile(ANALYZER, previous, [], [], LATER, ids())
    assert sorted((f.id, f.status) for f in outcome.resolved) == [("f1", RESOLVED), ("f2", RESOLVED)]
    assert all(f.updated_at == LATER and f.created_at == T0 for f in outcome.resolved)


def test_changed_access_resolves_the_old_finding_and_opens_a_new_one():
    before = stored(fresh(action=("s3:GetObject",)), "f1", ARCHIVED)
    after = fresh(action=("s3:GetObject", "s3:PutObject"))
    outcome = reconcile(ANALYZER, [before], [after], [], LATER, ids())
    assert [(f.id, f.status) for f in outcome.resolved] == [("f1", RESOLVED)]
    assert [(f.id, f.status, f.action) for f in outcome.opened] == [("new-1", ACTIVE, ("s3:GetObject", "s3:PutObject"))]
    assert outcome.replaced == {"f1": "new-1"}


def test_changed_condition_is_changed_access():
    before = stored(fresh(condition={"aws:SourceIp": "10.0.0.0/8"}), "f1")
    outcome = reconcile(ANALYZER, [before], [fresh(condition={"aws:SourceIp": "192.0.2.0/24"})], [], LATER, ids())
    assert [f.id for f in outcome.resolved] == ["f1"] and [f.id for f in outcome.opened] == ["new-1"]
    assert outcome.replaced == {"f1": "new-1"}


def test_new_principal_is_new_access_not_a_replacement():
    before = stored(fresh(), "f1")
    outcome = reconcile(ANALYZER, [before], [fresh(), fresh(principal={"AWS": "444455556666"})], [], LATER, ids())
    assert [f.id for f in outcome.kept] == ["f1"]
    assert [f.principal for f in outcome.opened] == [{"AWS": "444455556666"}]
    assert outcome.replaced == {}


def test_resolved_then_back_is_a_new_finding():
    resolved = stored(fresh(), "f1", RESOLVED)
    outcome = reconcile(ANALYZER, [resolved], [fresh()], [], LATER, ids())
    assert [f.id for f in outcome.opened] == ["new-1"]
    assert outcome.kept == outcome.resolved == ()  # the old one is left RESOLVED, untouched


def test_error_findings_that_are_gone_are_deleted_not_resolved():
    outcome = reconcile(ANALYZER, [stored(errored(), "e1")], [], [], LATER, ids())
    assert [f.id for f in outcome.deleted] == ["e1"]
    assert outcome.resolved == ()


def test_error_finding_still_failing_is_kept():
    outcome = reconcile(ANALYZER, [stored(errored(), "e1")], [errored()], [], LATER, ids())
    assert [f.id for f in outcome.kept] == ["e1"]


def test_duplicate_fresh_findings_open_one_finding():
    outcome = reconcile(ANALYZER, [], [fresh(), fresh()], [], LATER, ids())
    assert len(outcome.opened) == 1


def test_duplicate_previous_findings_keep_one_and_resolve_the_other():
    outcome = reconcile(ANALYZER, [stored(fresh(), "f1"), stored(fresh(), "f2")], [fresh()], [], LATER, ids())
    assert [f.id for f in outcome.kept] == ["f1"]
    assert [f.id for f in outcome.resolved] == ["f2"]


def test_archive_rule_archives_matching_new_findings_only():
    rules = [rule({"principal.AWS": {"eq": [OUTSIDER]}})]
    existing = stored(fresh(QUEUE), "f1")  # matches the rule, but is not new
    outcome = reconcile(ANALYZER, [existing], [fresh(QUEUE), fresh(), public()], rules, LATER, ids())
    assert [(f.id, f.status) for f in outcome.kept] == [("f1", ACTIVE)]
    assert sorted((f.principal["AWS"], f.status) for f in outcome.opened) == [("*", ACTIVE), (OUTSIDER, ARCHIVED)]


def test_any_of_several_rules_archives():
    rules = [rule({"isPublic": {"eq": ["true"]}}), rule({"resourceType": {"eq": ["AWS::SQS::Queue"]}})]
    outcome = reconcile(ANALYZER, [], [public(), fresh(QUEUE), fresh(KEY)], rules, LATER, ids())
    statuses = {f.resource_type + ("/public" if f.is_public else ""): f.status for f in outcome.opened}
    assert statuses == {"AWS::S3::Bucket/public": ARCHIVED, "AWS::SQS::Queue": ARCHIVED, "AWS::KMS::Key": ACTIVE}


def test_apply_archive_rule_archives_matching_active_findings():
    findings = [stored(fresh(), "f1"), stored(public(), "f2"), stored(fresh(QUEUE), "f3", RESOLVED)]
    changed = apply_archive_rule(findings, rule({"isPublic": {"eq": ["false"]}}), LATER)
    assert [(f.id, f.status, f.updated_at) for f in changed] == [("f1", ARCHIVED, LATER)]


def test_update_status_archives_and_unarchives():
    findings = [stored(fresh(), "f1"), stored(public(), "f2", ARCHIVED)]
    assert [(f.id, f.status) for f in update_status(findings, ARCHIVED, LATER, strict=True)] == [("f1", ARCHIVED)]
    assert [(f.id, f.status) for f in update_status(findings, ACTIVE, LATER, strict=True)] == [("f2", ACTIVE)]


def test_update_status_refuses_resolved_by_id_and_skips_them_by_resource():
    findings = [stored(fresh(), "f1"), stored(fresh(BUCKET, action=("s3:PutObject",)), "f2", RESOLVED)]
    with pytest.raises(ValidationError, match="RESOLVED"):
        update_status(findings, ARCHIVED, LATER, strict=True)
    assert [f.id for f in update_status(findings, ARCHIVED, LATER, strict=False)] == ["f1"]


def test_update_status_accepts_only_active_or_archived():
    with pytest.raises(ValidationError, match="enum value set"):
        update_status([], RESOLVED, LATER, strict=True)


def test_identity_overrides_the_key():
    first = fresh(finding_type="UnusedIAMRole", principal=None, details={"lastAccessed": "2025-01-01"}, identity="role")
    later = fresh(finding_type="UnusedIAMRole", principal=None, details={"lastAccessed": "2025-02-01"}, identity="role")
    assert finding_key(first) == finding_key(later)
    outcome = reconcile(ANALYZER, [stored(first, "u1")], [later], [], LATER, ids())
    assert [(f.id, f.details) for f in outcome.kept] == [("u1", {"lastAccessed": "2025-02-01"})]


# --- concurrent analyses ----------------------------------------------------------------------

def test_protected_findings_are_neither_resolved_nor_deleted():
    """Findings a concurrent, possibly newer analysis saw: this analysis not seeing them proves nothing."""
    seen_by_newer = [stored(fresh(), "f1"), stored(errored(), "e1"), stored(public(), "f2", ARCHIVED)]
    outcome = reconcile(ANALYZER, [*seen_by_newer, stored(fresh(QUEUE), "f3")], [public()], [], LATER, ids(),
                        protected=frozenset({"f1", "e1", "f2"}))
    assert [(f.id, f.status) for f in outcome.kept] == [("f2", ARCHIVED)]  # seen by both: kept as usual
    assert [f.id for f in outcome.resolved] == ["f3"]  # not protected: resolved as usual
    assert outcome.deleted == () and outcome.opened == ()


def test_merge_duplicates_keeps_the_oldest_and_never_hides_access():
    oldest = replace(stored(fresh(), "b-oldest", ARCHIVED), created_at=T0)
    newer = replace(stored(fresh(), "a-newer", ACTIVE), created_at=LATER)
    merge = merge_duplicates([newer, oldest], LATER)
    assert (merge.survivor.id, merge.survivor.status, merge.survivor.updated_at) == ("b-oldest", ACTIVE, LATER)
    assert [f.id for f in merge.merged] == ["a-newer"]


def test_merge_duplicates_all_archived_stays_archived_and_ties_break_by_id():
    merge = merge_duplicates([stored(fresh(), "f2", ARCHIVED), stored(fresh(), "f1", ARCHIVED)], LATER)
    assert (merge.survivor.id, merge.survivor.status, merge.survivor.updated_at) == ("f1", ARCHIVED, T0)
    assert [f.id for f in merge.merged] == ["f2"]
    with pytest.raises(ValueError):
        merge_duplicates([], LATER)


def test_a_stored_rule_with_an_empty_filter_archives_nothing():
    everything = rule({})
    assert rule_filters([everything, rule({"isPublic": {"eq": ["true"]}})]) == rule_filters([rule({"isPublic": {"eq": ["true"]}})])
    assert apply_archive_rule([stored(fresh(), "f1"), stored(public(), "f2")], everything, LATER) == []
    outcome = reconcile(ANALYZER, [], [fresh(), public()], [everything], LATER, ids())
    assert {f.status for f in outcome.opened} == {ACTIVE}
