"""FindingsStore on SQLite and PostgreSQL: every test runs on both (see ``conftest.store``)."""

from __future__ import annotations

import pytest

from accessproof.findings import ConflictError, FindingsStore, NotFoundError, ValidationError
from accessproof.findings.model import ACTIVE, ARCHIVED, RESOLVED

from .helpers import BUCKET, KEY, OUTSIDER, OWNER, QUEUE, analysis, errored, fresh, public

ARN_PREFIX = "arn:aws:access-analyzer:us-east-1:123456789012:analyzer/"


def statuses(store: FindingsStore, arn: str) -> dict[tuple, str]:
    page = store.list_findings(arn, max_results=1000)
    return {(f.resource, tuple(sorted((f.principal or {}).items())), f.action): f.status for f in page.items}


# --- analyzers ----------------------------------------------------------------------------

def test_create_get_list_delete_analyzer(store, clock):
    created = store.create_analyzer("account", "ACCOUNT", tags={"team": "sec"})
    assert created.arn == ARN_PREFIX + "account"
    assert created.to_aws() == {"arn": created.arn, "name": "account", "type": "ACCOUNT", "createdAt": clock.now,
                                "tags": {"team": "sec"}, "status": "ACTIVE"}
    clock.tick()
    store.create_analyzer("org", "ORGANIZATION")
    store.create_analyzer("unused", "ACCOUNT_UNUSED_ACCESS", configuration={"unusedAccess": {"unusedAccessAge": 90}})
    assert store.get_analyzer("account") == created
    assert store.get_analyzer_by_arn(created.arn) == created
    assert [a.name for a in store.list_analyzers()] == ["account", "org", "unused"]
    assert [a.name for a in store.list_analyzers(type="ORGANIZATION")] == ["org"]
    assert store.get_analyzer("unused").configuration == {"unusedAccess": {"unusedAccessAge": 90}}
    store.delete_analyzer("org")
    assert [a.name for a in store.list_analyzers()] == ["account", "unused"]
    with pytest.raises(NotFoundError):
        store.get_analyzer("org")


def test_analyzer_errors(store):
    store.create_analyzer("a", "ACCOUNT")
    with pytest.raises(ConflictError, match="already exists"):
        store.create_analyzer("a", "ORGANIZATION")
    with pytest.raises(ValidationError, match="enum value set"):
        store.create_analyzer("b", "EVERYTHING")
    with pytest.raises(ValidationError, match="regular expression"):
        store.create_analyzer("9-starts-with-digit", "ACCOUNT")
    with pytest.raises(NotFoundError):
        store.delete_analyzer("missing")
    with pytest.raises(NotFoundError):
        store.get_analyzer_by_arn(ARN_PREFIX + "missing")
    with pytest.raises(ValidationError, match="analyzerArn"):
        store.get_analyzer_by_arn("not-an-arn")
    with pytest.raises(ValidationError, match="enum value set"):
        store.list_analyzers(type="NOPE")


def test_update_analyzer_configuration(store):
    store.create_analyzer("u", "ACCOUNT_UNUSED_ACCESS", configuration={"unusedAccess": {"unusedAccessAge": 90}})
    updated = store.update_analyzer("u", {"unusedAccess": {"unusedAccessAge": 30}})
    assert updated.configuration == store.get_analyzer("u").configuration == {"unusedAccess": {"unusedAccessAge": 30}}


def test_delete_analyzer_removes_its_rules_findings_and_resources(store):
    arn = store.create_analyzer("a", "ACCOUNT", archive_rules=[{"ruleName": "r", "filter": {"isPublic": {"eq": ["true"]}}}]).arn
    store.record_analysis(arn, [analysis(BUCKET, fresh())])
    store.delete_analyzer("a")
    again = store.create_analyzer("a", "ACCOUNT").arn
    assert again == arn
    assert store.list_archive_rules("a") == []
    assert store.list_findings(arn).items == []
    assert store.list_analyzed_resources(arn) == []


# --- archive rules ------------------------------------------------------------------------

def test_archive_rule_crud(store, clock):
    store.create_analyzer("a", "ACCOUNT", archive_rules=[{"ruleName": "inline", "filter": {"isPublic": {"eq": ["false"]}}}])
    created = store.create_archive_rule("a", "trusted", {"principal.AWS": {"eq": [OUTSIDER]}})
    assert created.to_aws() == {"ruleName": "trusted", "filter": {"principal.AWS": {"eq": [OUTSIDER]}},
                                "createdAt": clock.now, "updatedAt": clock.now}
    assert [r.rule_name for r in store.list_archive_rules("a")] == ["inline", "trusted"]
    clock.tick()
    updated = store.update_archive_rule("a", "trusted", {"resourceType": {"eq": ["AWS::SQS::Queue"]}})
    assert updated.updated_at == clock.now and updated.created_at < clock.now
    assert store.get_archive_rule("a", "trusted").filter == {"resourceType": {"eq": ["AWS::SQS::Queue"]}}
    store.delete_archive_rule("a", "trusted")
    assert [r.rule_name for r in store.list_archive_rules("a")] == ["inline"]


def test_archive_rule_errors(store):
    store.create_analyzer("a", "ACCOUNT")
    store.create_archive_rule("a", "r", {"isPublic": {"eq": ["true"]}})
    with pytest.raises(ConflictError):
        store.create_archive_rule("a", "r", {"isPublic": {"eq": ["false"]}})
    with pytest.raises(NotFoundError):
        store.create_archive_rule("missing", "r", {"isPublic": {"eq": ["true"]}})
    with pytest.raises(NotFoundError):
        store.get_archive_rule("a", "missing")
    with pytest.raises(NotFoundError):
        store.update_archive_rule("a", "missing", {"isPublic": {"eq": ["true"]}})
    with pytest.raises(NotFoundError):
        store.delete_archive_rule("a", "missing")
    with pytest.raises(ValidationError, match="not an archive rule"):
        store.create_archive_rule("a", "s", {"status": {"eq": ["ACTIVE"]}})
    with pytest.raises(ValidationError, match="not a supported filter key"):
        store.create_archive_rule("a", "s", {"colour": {"eq": ["red"]}})
    with pytest.raises(ValidationError, match="regular expression"):
        store.create_archive_rule("a", "_rule", {"isPublic": {"eq": ["true"]}})
    with pytest.raises(ValidationError):
        store.create_analyzer("b", "ACCOUNT", archive_rules=[{"ruleName": "x", "filter": {"id": {"eq": ["1"]}}}])
    with pytest.raises(NotFoundError):
        store.get_analyzer("b")  # nothing was created


# --- lifecycle through the store ----------------------------------------------------------

def test_reanalysis_lifecycle(store, clock):
    arn = store.create_analyzer("a", "ACCOUNT").arn
    first = store.record_analysis(arn, [analysis(BUCKET, fresh(), public()), analysis(QUEUE, fresh(QUEUE))], complete=True)
    assert len(first.opened) == 3
    cross_id = next(f.id for f in first.opened if f.resource == BUCKET and not f.is_public)
    public_id = next(f.id for f in first.opened if f.is_public)
    queue_id = next(f.id for f in first.opened if f.resource == QUEUE)
    store.update_findings(arn, ARCHIVED, ids=[public_id])

    clock.tick()
    # Bucket: the cross-account grant now includes PutObject (changed), the public grant stays;
    # the queue is gone from the snapshot.
    second = store.record_analysis(arn, [analysis(BUCKET, fresh(action=("s3:GetObject", "s3:PutObject")), public())],
                                   complete=True)
    assert {f.id for f in second.kept} == {public_id}
    assert {f.id for f in second.resolved} == {cross_id, queue_id}
    (opened,) = second.opened
    assert second.replaced == {cross_id: opened.id}

    assert store.get_finding(arn, public_id).status == ARCHIVED  # archived stays archived
    assert store.get_finding(arn, public_id).analyzed_at == clock.now
    resolved = store.get_finding(arn, cross_id)
    assert (resolved.status, resolved.updated_at) == (RESOLVED, clock.now)
    assert store.get_finding(arn, queue_id).status == RESOLVED
    assert store.get_finding(arn, opened.id).status == ACTIVE
    assert [r.resource for r in store.list_analyzed_resources(arn)] == [BUCKET]

    clock.tick()
    # The queue comes back with the same grant: a new finding; the resolved one stays resolved.
    third = store.record_analysis(arn, [analysis(QUEUE, fresh(QUEUE))])
    (reopened,) = third.opened
    assert reopened.id != queue_id and reopened.status == ACTIVE
    assert store.get_finding(arn, queue_id).status == RESOLVED
    # A partial analysis leaves the other resources alone.
    assert store.get_finding(arn, opened.id).status == ACTIVE
    analyzer = store.get_analyzer("a")
    assert (analyzer.last_resource_analyzed, analyzer.last_resource_analyzed_at) == (QUEUE, clock.now)


def test_witness_and_fields_round_trip(store):
    arn = store.create_analyzer("a", "ACCOUNT").arn
    finding = fresh(condition={"aws:SourceVpc": "vpc-1", "aws:PrincipalOrgID": "o-1"},
                    sources=({"type": "S3_ACCESS_POINT", "detail": {"accessPointArn": "arn:aws:s3:us-east-1:111122223333:accesspoint/ap"}},),
                    resource_control_policy_restriction="NOT_APPLICABLE",
                    witness={"principal": "arn:aws:iam::999988887777:role/r", "context": {"aws:SourceVpc": "vpc-1"}})
    (opened,) = store.record_analysis(arn, [analysis(BUCKET, finding)]).opened
    loaded = store.get_finding(arn, opened.id)
    assert loaded == opened
    assert loaded.to_aws()["sources"] == [{"type": "S3_ACCESS_POINT", "detail": {"accessPointArn": "arn:aws:s3:us-east-1:111122223333:accesspoint/ap"}}]
    assert loaded.to_aws_v2()["findingDetails"] == [{"externalAccessDetails": {
        "action": ["s3:GetObject"], "condition": {"aws:SourceVpc": "vpc-1", "aws:PrincipalOrgID": "o-1"}, "isPublic": False,
        "principal": {"AWS": OUTSIDER}, "sources": loaded.to_aws()["sources"], "resourceControlPolicyRestriction": "NOT_APPLICABLE",
    }}]
    assert loaded.to_aws_summary_v2()["findingType"] == "ExternalAccess"


def test_error_findings_are_deleted_when_the_error_is_gone(store):
    arn = store.create_analyzer("a", "ACCOUNT").arn
    (error,) = store.record_analysis(arn, [analysis(KEY, errored())]).opened
    outcome = store.record_analysis(arn, [analysis(KEY, fresh(KEY, action=("kms:Decrypt",)))])
    assert [f.id for f in outcome.deleted] == [error.id]
    with pytest.raises(NotFoundError):
        store.get_finding(arn, error.id)


def test_archive_rules_apply_to_new_findings(store):
    arn = store.create_analyzer("a", "ACCOUNT").arn
    store.record_analysis(arn, [analysis(BUCKET, fresh())])
    store.create_archive_rule("a", "trusted-partner", {"principal.AWS": {"eq": [OUTSIDER]}})
    outcome = store.record_analysis(arn, [analysis(BUCKET, fresh()), analysis(QUEUE, fresh(QUEUE), public(QUEUE))])
    assert [f.status for f in outcome.kept] == [ACTIVE]  # existing finding: the new rule does not touch it
    assert sorted((f.principal["AWS"], f.status) for f in outcome.opened) == [("*", ACTIVE), (OUTSIDER, ARCHIVED)]


def test_inline_archive_rules_apply_from_the_first_analysis(store):
    arn = store.create_analyzer("a", "ACCOUNT", archive_rules=[
        {"ruleName": "no-public", "filter": {"isPublic": {"eq": ["true"]}}}]).arn
    outcome = store.record_analysis(arn, [analysis(BUCKET, fresh(), public())])
    assert sorted((bool(f.is_public), f.status) for f in outcome.opened) == [(False, ACTIVE), (True, ARCHIVED)]


def test_apply_archive_rule(store, clock):
    arn = store.create_analyzer("a", "ACCOUNT").arn
    store.record_analysis(arn, [analysis(BUCKET, fresh(), public()), analysis(QUEUE, fresh(QUEUE))])
    store.create_archive_rule("a", "queues", {"resourceType": {"eq": ["AWS::SQS::Queue"]}})
    clock.tick()
    changed = store.apply_archive_rule(arn, "queues")
    assert [(f.resource, f.status, f.updated_at) for f in changed] == [(QUEUE, ARCHIVED, clock.now)]
    assert statuses(store, arn)[(QUEUE, (("AWS", OUTSIDER),), ("s3:GetObject",))] == ARCHIVED
    assert store.apply_archive_rule(arn, "queues") == []  # already archived
    with pytest.raises(NotFoundError):
        store.apply_archive_rule(arn, "missing")
    with pytest.raises(NotFoundError):
        store.apply_archive_rule(ARN_PREFIX + "missing", "queues")


def test_update_findings(store, clock):
    arn = store.create_analyzer("a", "ACCOUNT").arn
    opened = store.record_analysis(arn, [analysis(BUCKET, fresh(), public()), analysis(QUEUE, fresh(QUEUE))]).opened
    queue = next(f for f in opened if f.resource == QUEUE)
    clock.tick()
    changed = store.update_findings(arn, ARCHIVED, resource_arn=BUCKET)
    assert sorted(f.resource for f in changed) == [BUCKET, BUCKET]
    assert {f.status for f in store.list_findings(arn, filter={"resource": {"eq": [BUCKET]}}).items} == {ARCHIVED}
    assert store.get_finding(arn, queue.id).status == ACTIVE
    assert store.update_findings(arn, ARCHIVED, resource_arn=BUCKET) == []  # nothing to change
    unarchived = store.update_findings(arn, ACTIVE, ids=[changed[0].id])
    assert [(f.id, f.status, f.updated_at) for f in unarchived] == [(changed[0].id, ACTIVE, clock.now)]


def test_update_findings_errors(store):
    arn = store.create_analyzer("a", "ACCOUNT").arn
    (finding,) = store.record_analysis(arn, [analysis(BUCKET, fresh())]).opened
    with pytest.raises(NotFoundError, match="not-an-id"):
        store.update_findings(arn, ARCHIVED, ids=[finding.id, "not-an-id"])
    assert store.get_finding(arn, finding.id).status == ACTIVE  # all or nothing
    with pytest.raises(ValidationError, match="either ids or resourceArn"):
        store.update_findings(arn, ARCHIVED)
    with pytest.raises(ValidationError, match="either ids or resourceArn"):
        store.update_findings(arn, ARCHIVED, ids=[finding.id], resource_arn=BUCKET)
    with pytest.raises(ValidationError, match="enum value set"):
        store.update_findings(arn, RESOLVED, ids=[finding.id])
    store.record_analysis(arn, [analysis(BUCKET)])  # access gone
    with pytest.raises(ValidationError, match="RESOLVED"):
        store.update_findings(arn, ARCHIVED, ids=[finding.id])
    other = store.create_analyzer("b", "ACCOUNT").arn
    with pytest.raises(NotFoundError):
        store.update_findings(other, ARCHIVED, ids=[finding.id])  # a finding of another analyzer
    with pytest.raises(NotFoundError):
        store.get_finding(other, finding.id)


# --- listing ------------------------------------------------------------------------------

def _populate(store: FindingsStore, clock, count: int) -> str:
    arn = store.create_analyzer("a", "ACCOUNT").arn
    for i in range(count):
        clock.tick()
        resource = f"arn:aws:s3:::bucket-{i:03d}"
        store.record_analysis(arn, [analysis(resource, fresh(resource, is_public=i % 3 == 0,
                                                             principal={"AWS": "*" if i % 3 == 0 else OUTSIDER}))])
    return arn


def test_list_findings_filter_sort_and_pages(store, clock):
    arn = _populate(store, clock, 25)
    store.update_findings(arn, ARCHIVED, resource_arn="arn:aws:s3:::bucket-004")
    public_only = {"isPublic": {"eq": ["true"]}}
    seen, token = [], None
    while True:
        page = store.list_findings(arn, filter=public_only, sort={"attributeName": "resource", "orderBy": "DESC"},
                                   max_results=4, next_token=token)
        seen += [f.resource for f in page.items]
        token = page.next_token
        if not token:
            break
    assert seen == [f"arn:aws:s3:::bucket-{i:03d}" for i in range(24, -1, -1) if i % 3 == 0]
    archived = store.list_findings(arn, filter={"status": {"eq": ["ARCHIVED"]}})
    assert [f.resource for f in archived.items] == ["arn:aws:s3:::bucket-004"]
    active_cross = store.list_findings(arn, filter={"status": {"eq": ["ACTIVE"]}, "principal.AWS": {"eq": [OUTSIDER]}},
                                       max_results=100)
    assert len(active_cross.items) == 25 - 9 - 1 and active_cross.next_token is None
    default_order = store.list_findings(arn, max_results=100).items
    assert [f.resource for f in default_order] == [f"arn:aws:s3:::bucket-{i:03d}" for i in range(25)]  # oldest first


def test_list_findings_errors(store):
    arn = store.create_analyzer("a", "ACCOUNT").arn
    with pytest.raises(NotFoundError):
        store.list_findings(ARN_PREFIX + "missing")
    with pytest.raises(ValidationError):
        store.list_findings(arn, filter={"bogus": {"eq": ["x"]}})
    with pytest.raises(ValidationError):
        store.list_findings(arn, sort={"attributeName": "witness"})
    with pytest.raises(ValidationError, match="nextToken"):
        store.list_findings(arn, next_token="bad-token")
    with pytest.raises(NotFoundError):
        store.get_finding(arn, "00000000-0000-0000-0000-000000000000")


# --- statistics and analyzed resources ----------------------------------------------------

def test_statistics(store, clock):
    arn = store.create_analyzer("a", "ACCOUNT").arn
    store.record_analysis(arn, [
        analysis(BUCKET, fresh(), public(), fresh(principal={"AWS": "444455556666"})),
        analysis(QUEUE, fresh(QUEUE)),
        analysis(KEY, errored()),
    ])
    store.update_findings(arn, ARCHIVED, resource_arn=QUEUE)
    clock.tick()
    store.record_analysis(arn, [analysis(BUCKET, fresh(), public())])  # 444455556666 resolved
    response = store.statistics(arn)
    assert response == {
        "findingsStatistics": [{"externalAccessFindingsStatistics": {
            "resourceTypeStatistics": {
                "AWS::KMS::Key": {"totalActivePublic": 0, "totalActiveCrossAccount": 0, "totalActiveErrors": 1},
                "AWS::S3::Bucket": {"totalActivePublic": 1, "totalActiveCrossAccount": 1, "totalActiveErrors": 0},
                "AWS::SQS::Queue": {"totalActivePublic": 0, "totalActiveCrossAccount": 0, "totalActiveErrors": 0},
            },
            "totalActiveFindings": 3,
            "totalArchivedFindings": 1,
            "totalResolvedFindings": 1,
        }}],
        "lastUpdatedAt": clock.now,
    }


def test_statistics_of_an_empty_analyzer(store):
    arn = store.create_analyzer("a", "ACCOUNT").arn
    assert store.statistics(arn) == {"findingsStatistics": [{"externalAccessFindingsStatistics": {
        "resourceTypeStatistics": {}, "totalActiveFindings": 0, "totalArchivedFindings": 0, "totalResolvedFindings": 0}}]}
    unused = store.create_analyzer("u", "ACCOUNT_UNUSED_ACCESS").arn
    assert list(store.statistics(unused)["findingsStatistics"][0]) == ["unusedAccessFindingsStatistics"]


def test_analyzed_resources(store, clock):
    arn = store.create_analyzer("a", "ACCOUNT").arn
    store.record_analysis(arn, [analysis(BUCKET, fresh(action=("s3:ListBucket",)), public()), analysis(QUEUE)])
    created = clock.now
    assert [(r.resource, r.resource_type) for r in store.list_analyzed_resources(arn)] == [
        (BUCKET, "AWS::S3::Bucket"), (QUEUE, "AWS::SQS::Queue")]
    assert [r.resource for r in store.list_analyzed_resources(arn, resource_type="AWS::SQS::Queue")] == [QUEUE]
    clock.tick()
    store.record_analysis(arn, [analysis(BUCKET, fresh(action=("s3:ListBucket",)), public()), analysis(QUEUE)])
    view = store.get_analyzed_resource(arn, BUCKET)
    assert view == {"resourceArn": BUCKET, "resourceType": "AWS::S3::Bucket", "createdAt": created,
                    "analyzedAt": clock.now, "updatedAt": created, "isPublic": True,
                    "resourceOwnerAccount": OWNER, "actions": ["s3:GetObject", "s3:ListBucket"],
                    "sharedVia": ["POLICY"], "status": ACTIVE}
    assert store.get_analyzed_resource(arn, QUEUE)["isPublic"] is False
    with pytest.raises(NotFoundError):
        store.get_analyzed_resource(arn, KEY)


def test_a_new_store_on_the_same_database_sees_everything(database_url, clock):
    first = FindingsStore.open(database_url, clock=clock)
    try:
        from accessproof.findings.db import create_schema, drop_schema
        drop_schema(first.engine)
        create_schema(first.engine)
        arn = first.create_analyzer("a", "ACCOUNT").arn
        first.record_analysis(arn, [analysis(BUCKET, fresh())])
    finally:
        first.close()
    second = FindingsStore.open(database_url, clock=clock)  # create_schema again: idempotent
    try:
        assert [f.resource for f in second.list_findings(arn).items] == [BUCKET]
    finally:
        second.close()


# --- one finding per access, whatever the writers ---------------------------------------------

def test_the_database_refuses_a_second_open_finding_of_one_access(store):
    from sqlalchemy import insert, select
    from sqlalchemy.exc import IntegrityError

    from accessproof.findings.db import FINDINGS

    arn = store.create_analyzer("a", "ACCOUNT").arn
    store.record_analysis(arn, [analysis(BUCKET, fresh())])
    with store.engine.connect() as connection:
        row = dict(connection.execute(select(FINDINGS)).one()._mapping)
    for status in (ACTIVE, ARCHIVED):
        with pytest.raises(IntegrityError), store.engine.begin() as connection:
            connection.execute(insert(FINDINGS).values({**row, "id": f"copy-{status}", "status": status}))
    with store.engine.begin() as connection:  # resolved findings of the same access may be many
        connection.execute(insert(FINDINGS).values({**row, "id": "old-1", "status": RESOLVED}))
        connection.execute(insert(FINDINGS).values({**row, "id": "old-2", "status": RESOLVED}))


def test_a_stale_analysis_does_not_resolve_what_a_newer_one_saw(store):
    """A reads the account, B reads it later (new public access) and records first, then A records.
    A must not resolve B's finding, nor drop the resource B analysed, nor open it a second time."""
    arn = store.create_analyzer("a", "ACCOUNT").arn
    store.record_analysis(arn, [analysis(BUCKET, fresh())], complete=True)
    started_after = store.get_analyzer_by_arn(arn).analyses_recorded  # A and B start
    assert started_after == 1
    newer = store.record_analysis(arn, [analysis(BUCKET, fresh(), public()), analysis(QUEUE, fresh(QUEUE))],
                                  complete=True, started_after=started_after)  # B
    assert len(newer.opened) == 2
    stale = store.record_analysis(arn, [analysis(BUCKET, fresh())], complete=True, started_after=started_after)  # A
    assert stale.resolved == () and stale.opened == () and [f.resource for f in stale.kept] == [BUCKET]
    assert {f.id for f in store.list_findings(arn, {"status": {"eq": [ACTIVE]}}).items} == \
        {f.id for f in newer.opened} | {f.id for f in stale.kept}
    assert [r.resource for r in store.list_analyzed_resources(arn)] == [BUCKET, QUEUE]
    # The next analysis, which started after both, decides: the queue's access is gone.
    following = store.record_analysis(arn, [analysis(BUCKET, fresh(), public())], complete=True,
                                      started_after=store.get_analyzer_by_arn(arn).analyses_recorded)
    assert [f.resource for f in following.resolved] == [QUEUE]
    assert [r.resource for r in store.list_analyzed_resources(arn)] == [BUCKET]


def test_a_stale_scan_does_not_resolve_what_a_newer_scan_saw(store):
    arn = store.create_analyzer("a", "ACCOUNT").arn
    store.record_analysis(arn, [analysis(BUCKET)], complete=True)
    started_after = store.get_analyzer_by_arn(arn).analyses_recorded
    newer = store.record_analysis(arn, [analysis(BUCKET, public())], started_after=started_after)
    stale = store.record_analysis(arn, [analysis(BUCKET)], started_after=started_after)
    assert stale.resolved == () and [f.status for f in store.list_findings(arn).items] == [ACTIVE] == \
        [f.status for f in newer.opened]


@pytest.mark.parametrize("empty", [{}, None])
def test_archive_rules_with_an_empty_filter_are_refused(store, empty):
    with pytest.raises(ValidationError, match="at least one criterion"):
        store.create_analyzer("a", "ACCOUNT", archive_rules=[{"ruleName": "all", "filter": empty}])
    with pytest.raises(NotFoundError):
        store.get_analyzer("a")  # nothing created
    store.create_analyzer("a", "ACCOUNT")
    with pytest.raises(ValidationError, match="at least one criterion"):
        store.create_archive_rule("a", "all", empty)
    store.create_archive_rule("a", "partner", {"principal.AWS": {"eq": [OUTSIDER]}})
    with pytest.raises(ValidationError, match="at least one criterion"):
        store.update_archive_rule("a", "partner", empty)
    assert store.get_archive_rule("a", "partner").filter == {"principal.AWS": {"eq": [OUTSIDER]}}


# --- a database that does not exist, or is older or newer -------------------------------------

def test_reading_a_missing_sqlite_database_creates_nothing(tmp_path):
    from accessproof.findings.db import make_engine
    from accessproof.findings.errors import MissingDatabaseError

    path = tmp_path / "missing.db"
    with pytest.raises(MissingDatabaseError, match=f"no findings database at sqlite:///{path}") as caught:
        FindingsStore.open(f"sqlite:///{path}", create=False)
    assert caught.value.code == "ResourceNotFoundException"
    store = FindingsStore(make_engine(f"sqlite:///{path}"))
    assert store.list_analyzers() == []
    for read in (lambda: store.get_analyzer("a"), lambda: store.list_findings(ARN_PREFIX + "a"),
                 lambda: store.update_findings(ARN_PREFIX + "a", ARCHIVED, ids=["x"]),
                 lambda: store.create_archive_rule("a", "r", {"isPublic": {"eq": ["true"]}})):
        with pytest.raises(MissingDatabaseError):
            read()
    assert not path.exists()
    store.create_analyzer("a", "ACCOUNT")  # the one operation that makes a database
    assert path.exists() and [a.name for a in store.list_analyzers()] == ["a"]


def test_reading_a_database_without_our_tables_creates_none(database_url):
    from sqlalchemy import inspect

    from accessproof.findings.db import drop_schema, make_engine
    from accessproof.findings.errors import MissingDatabaseError

    engine = make_engine(database_url)
    drop_schema(engine)
    with engine.begin():
        pass  # the SQLite file exists now, empty
    with pytest.raises(MissingDatabaseError):
        FindingsStore.open(database_url, create=False)
    assert FindingsStore(engine).list_analyzers() == []
    with engine.connect() as connection:
        assert not set(inspect(connection).get_table_names()) & {"analyzers", "findings"}


def test_a_database_of_a_newer_version_is_refused(database_url):
    from sqlalchemy import update

    from accessproof.findings.db import SchemaVersionRow, create_schema, drop_schema, make_engine
    from accessproof.findings.errors import SchemaVersionError

    engine = make_engine(database_url)
    drop_schema(engine)
    create_schema(engine)
    with engine.begin() as connection:
        connection.execute(update(SchemaVersionRow).values(version=99))
    with pytest.raises(SchemaVersionError, match="schema version 99, made by a newer accessproof") as caught:
        FindingsStore.open(database_url)
    assert "\n" not in str(caught.value)
    with pytest.raises(SchemaVersionError):
        FindingsStore(engine).list_analyzers()


def _downgrade_to_unversioned(engine) -> None:
    """Turn a fresh database into what accessproof made before schema versions (version 1)."""
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP INDEX ux_findings_analyzer_open_key")
        for table, column in (("findings", "last_analysis"), ("analyzers", "analyses_recorded"),
                              ("analyzed_resources", "last_analysis")):
            connection.exec_driver_sql(f"ALTER TABLE {table} DROP COLUMN {column}")
        connection.exec_driver_sql("DROP TABLE findings_merged")
        connection.exec_driver_sql("DROP TABLE schema_versions")


def _copy_finding(engine, finding_id: str, new_id: str, status: str, created_at) -> None:
    """A duplicate row of a finding, as concurrent runs of the previous version recorded them."""
    from sqlalchemy import DateTime, bindparam, text

    from accessproof.findings.db import FINDINGS

    columns = [c.name for c in FINDINGS.columns if c.name not in ("id", "status", "created_at", "last_analysis")]
    statement = text(f"INSERT INTO findings (id, status, created_at, {', '.join(columns)}) "
                     f"SELECT :new_id, :status, :created_at, {', '.join(columns)} FROM findings WHERE id = :id")
    with engine.begin() as connection:
        connection.execute(statement.bindparams(bindparam("created_at", type_=DateTime(timezone=True))),
                           {"new_id": new_id, "status": status, "created_at": created_at, "id": finding_id})


def test_an_older_database_with_duplicates_is_upgraded_without_losing_a_row(database_url, clock, caplog):
    from datetime import timedelta

    from sqlalchemy import func, inspect, select, update

    from accessproof.findings.db import FINDINGS, MergedFindingRow, create_schema, drop_schema, make_engine

    engine = make_engine(database_url)
    drop_schema(engine)
    create_schema(engine)
    old = FindingsStore(engine, clock=clock)
    arn = old.create_analyzer("a", "ACCOUNT", archive_rules=[{"ruleName": "r", "filter": {"isPublic": {"eq": ["x"]}}}]).arn
    outcome = old.record_analysis(arn, [analysis(BUCKET, fresh(), public()), analysis(QUEUE, fresh(QUEUE))], complete=True)
    old.close()
    bucket, website, queue = (next(f.id for f in outcome.opened if (f.resource, f.is_public) == key)
                              for key in ((BUCKET, False), (BUCKET, True), (QUEUE, False)))
    _downgrade_to_unversioned(engine)
    earlier = clock.now - timedelta(hours=1)
    _copy_finding(engine, bucket, "dup-oldest", ARCHIVED, earlier)  # the oldest copy, archived by the user
    _copy_finding(engine, bucket, "dup-newer", ACTIVE, clock.now + timedelta(hours=1))
    _copy_finding(engine, website, "dup-website", ARCHIVED, clock.now + timedelta(hours=2))
    _copy_finding(engine, queue, "old-resolved", RESOLVED, earlier)  # not open: not a duplicate
    with engine.begin() as connection:
        connection.execute(update(FINDINGS).where(FINDINGS.c.id == website).values(status=ARCHIVED))
        before = connection.scalar(select(func.count()).select_from(FINDINGS))

    clock.tick()
    with caplog.at_level("WARNING", logger="accessproof.findings"):
        upgraded = FindingsStore.open(database_url, clock=clock)
    try:
        assert "3 duplicate findings" in caplog.text and "findings_merged" in caplog.text
        rows = {f.id: f.status for f in upgraded.list_findings(arn, max_results=1000).items}
        # The oldest copy of each access stays; ACTIVE if any copy was ACTIVE (a merge hides no access).
        assert rows == {"dup-oldest": ACTIVE, website: ARCHIVED, queue: ACTIVE, "old-resolved": RESOLVED}
        with engine.connect() as connection:
            merged = {row.id: row.merged_into for row in connection.execute(select(MergedFindingRow))}
            kept = connection.execute(select(MergedFindingRow.finding).where(MergedFindingRow.id == "dup-newer")).scalar()
            assert "ux_findings_analyzer_open_key" in {i["name"] for i in inspect(connection).get_indexes("findings")}
        assert merged == {bucket: "dup-oldest", "dup-newer": "dup-oldest", "dup-website": website}
        assert len(rows) + len(merged) == before  # nothing lost
        assert kept["status"] == ACTIVE and kept["resource"] == BUCKET
        # The same account analysed again: nothing opened, nothing resolved.
        again = upgraded.record_analysis(arn, [analysis(BUCKET, fresh(), public()), analysis(QUEUE, fresh(QUEUE))],
                                         complete=True)
        assert again.opened == again.resolved == () and len(again.kept) == 3
    finally:
        upgraded.close()


def test_an_older_database_without_duplicates_is_upgraded_in_place(database_url, clock, caplog):
    from accessproof.findings.db import create_schema, drop_schema, make_engine

    engine = make_engine(database_url)
    drop_schema(engine)
    create_schema(engine)
    old = FindingsStore(engine, clock=clock)
    arn = old.create_analyzer("a", "ACCOUNT").arn
    old.record_analysis(arn, [analysis(BUCKET, fresh())])
    with engine.begin() as connection:  # a rule an earlier version accepted: it would archive everything
        connection.exec_driver_sql("INSERT INTO archive_rules (analyzer_arn, rule_name, filter, created_at, updated_at) "
                                   f"VALUES ('{arn}', 'everything', '{{}}', '2026-01-01', '2026-01-01')")
    old.close()
    _downgrade_to_unversioned(engine)
    with caplog.at_level("WARNING", logger="accessproof.findings"):
        upgraded = FindingsStore(engine, clock=clock)
        assert [f.resource for f in upgraded.list_findings(arn).items] == [BUCKET]  # a read upgrades it
    assert "duplicate" not in caplog.text
    assert "archive rule everything" in caplog.text and "empty filter" in caplog.text
    assert [f.status for f in upgraded.record_analysis(arn, [analysis(QUEUE, fresh(QUEUE))]).opened] == [ACTIVE]
