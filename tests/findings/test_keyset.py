"""ListFindings pages in SQL (keyset on indexed columns, filters pushed down): on SQLite and
PostgreSQL, every page sequence equals the in-memory reference (``filters.matches`` then
``filters.sort_findings``), and a page reads only about its own size of rows."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, update

from accessproof.findings import FindingsStore, ValidationError, store as store_module
from accessproof.findings.db import SORT_INDEXES, SchemaVersionRow, _upgrade_to_sort_indexes, drop_schema, make_engine
from accessproof.findings.filters import SORT_TIMESTAMPS, SORTABLE_SCALARS, matches, parse_filter, parse_sort, sort_findings
from accessproof.findings.model import ARCHIVED

from .helpers import OUTSIDER, analysis, errored, fresh, public

ARN_PREFIX = "arn:aws:access-analyzer:us-east-1:123456789012:analyzer/"


def _populate(store: FindingsStore, clock, groups: int = 6, per_group: int = 7) -> str:
    """Findings in groups recorded at one instant (ties on every timestamp, broken by id), with
    absent values (errors: no isPublic; the rest: no error), several types, owners and statuses."""
    arn = store.create_analyzer("keyset", "ACCOUNT").arn
    for g in range(groups):
        clock.tick()
        results = []
        for i in range(per_group):
            n = g * per_group + i
            if n % 11 == 5:
                results.append(analysis(f"arn:aws:kms:us-east-1:111122223333:key/k-{n:03d}", errored(
                    f"arn:aws:kms:us-east-1:111122223333:key/k-{n:03d}")))
            elif n % 3 == 0:
                resource = f"arn:aws:s3:::Bucket-{n:03d}"
                results.append(analysis(resource, public(resource)))
            else:
                resource = f"arn:aws:sqs:us-east-1:111122223333:q-{n:03d}"
                results.append(analysis(resource, fresh(resource, principal={"AWS": f"{OUTSIDER[:-1]}{n % 4}"},
                                                        resource_type="AWS::SQS::Queue")))
        store.record_analysis(arn, results)
    store.update_findings(arn, ARCHIVED, resource_arn="arn:aws:s3:::Bucket-006")
    clock.tick()
    store.update_findings(arn, ARCHIVED, resource_arn="arn:aws:sqs:us-east-1:111122223333:q-010")
    return arn


def _all_pages(store: FindingsStore, arn: str, filter, sort, size: int) -> list[str]:
    seen, token = [], None
    for _ in range(1000):
        page = store.list_findings(arn, filter=filter, sort=sort, max_results=size, next_token=token)
        assert len(page.items) <= size
        seen += [f.id for f in page.items]
        token = page.next_token
        if not token:
            return seen
    raise AssertionError("pagination did not end")


def _reference(store: FindingsStore, arn: str, filter, sort) -> list[str]:
    everything = store.list_findings(arn, max_results=10_000).items
    parsed = parse_filter(filter)
    return [f.id for f in sort_findings((f for f in everything if matches(f, parsed)), parse_sort(sort))]


FILTERS = [
    None,
    {"status": {"eq": ["ACTIVE"]}},
    {"status": {"neq": ["ACTIVE"]}},
    {"isPublic": {"eq": ["TRUE"]}},
    {"isPublic": {"neq": ["true"]}},
    {"isPublic": {"eq": ["maybe"]}},
    {"isPublic": {"exists": False}},
    {"error": {"exists": True}},
    {"error": {"neq": ["ACCESS_DENIED"]}},
    {"resourceType": {"eq": ["AWS::SQS::Queue", "AWS::KMS::Key"]}, "status": {"eq": ["ACTIVE"]}},
    {"resource": {"contains": ["Bucket-0"]}},
    {"principal.AWS": {"eq": [f"{OUTSIDER[:-1]}1", f"{OUTSIDER[:-1]}2"]}, "id": {"exists": True}},
]


@pytest.mark.parametrize("filter", FILTERS, ids=lambda f: "none" if f is None else ",".join(f))
def test_pages_equal_the_reference_for_every_sort(store, clock, filter):
    arn = _populate(store, clock)
    for attribute in (*SORT_TIMESTAMPS, *SORTABLE_SCALARS):
        for order in ("ASC", "DESC"):
            sort = {"attributeName": attribute, "orderBy": order}
            expected = _reference(store, arn, filter, sort)
            for size in (1, 4, 50):
                assert _all_pages(store, arn, filter, sort, size) == expected, (attribute, order, size)
    assert _reference(store, arn, {"status": {"eq": ["ACTIVE"]}}, None)  # the data exercise something


def test_a_page_reads_about_its_own_size_of_rows(store, clock, monkeypatch):
    arn = _populate(store, clock, groups=10, per_group=30)
    decoded = []
    real = store_module.finding_record
    monkeypatch.setattr(store_module, "finding_record", lambda row: decoded.append(row.id) or real(row))
    token, pages = None, 0
    while True:
        decoded.clear()
        page = store.list_findings(arn, max_results=10, next_token=token)
        pages += 1
        assert len(decoded) <= 11, "a page must not reload the store"
        token = page.next_token
        if not token:
            break
    assert pages == 30
    # A filter checked in Python reads in batches from where the last page stopped.
    decoded.clear()
    page = store.list_findings(arn, filter={"resource": {"contains": ["Bucket"]}}, max_results=5)
    assert len(page.items) == 5 and len(decoded) <= store_module.SCAN_BATCH


def test_findings_added_between_pages_neither_repeat_nor_hide_others(store, clock):
    arn = _populate(store, clock, groups=2, per_group=5)
    first = store.list_findings(arn, max_results=4)
    clock.tick()
    late = "arn:aws:s3:::late-bucket"
    store.record_analysis(arn, [analysis(late, fresh(late))])
    rest = []
    token = first.next_token
    while token:
        page = store.list_findings(arn, max_results=4, next_token=token)
        rest += page.items
        token = page.next_token
    ids = [f.id for f in first.items] + [f.id for f in rest]
    assert len(ids) == len(set(ids)) == 11 and rest[-1].resource == late


def test_tokens_are_tied_to_their_query(store, clock):
    arn = _populate(store, clock, groups=2, per_group=5)
    page = store.list_findings(arn, max_results=2)
    with pytest.raises(ValidationError, match="another request"):
        store.list_findings(arn, filter={"status": {"eq": ["ACTIVE"]}}, max_results=2, next_token=page.next_token)
    with pytest.raises(ValidationError, match="nextToken"):
        store.list_findings(arn, max_results=2, next_token="eyJxIjoxfQ==")
    with pytest.raises(ValidationError, match="maxResults"):
        store.list_findings(arn, max_results=0)


def test_a_version_3_database_gets_the_sort_indexes(database_url, clock):
    engine = make_engine(database_url)
    drop_schema(engine)
    engine.dispose()
    store = FindingsStore.open(database_url, clock=clock)
    try:
        arn = store.create_analyzer("old", "ACCOUNT").arn
        store.record_analysis(arn, [analysis("arn:aws:s3:::b", fresh("arn:aws:s3:::b"))])
        with store.engine.begin() as connection:
            for name in SORT_INDEXES:
                connection.exec_driver_sql(f"DROP INDEX {name}")
            connection.execute(update(SchemaVersionRow).values(version=3))
    finally:
        store.close()
    upgraded = FindingsStore.open(database_url, clock=clock)
    try:
        with upgraded.engine.begin() as connection:
            names = {i["name"] for i in inspect(connection).get_indexes("findings")}
            assert set(SORT_INDEXES) <= names
            _upgrade_to_sort_indexes(connection)  # idempotent: a second run changes nothing, fails nothing
        assert [f.resource for f in upgraded.list_findings(arn).items] == ["arn:aws:s3:::b"]
    finally:
        drop_schema(upgraded.engine)
        upgraded.close()


def test_analyzed_resources_page_by_arn(store, clock):
    arn = _populate(store, clock, groups=3, per_group=7)
    everything = [r.resource for r in store.list_analyzed_resources(arn)]
    assert len(everything) == 21 and everything == sorted(everything)
    pages, after = [], None
    while True:
        page = store.list_analyzed_resources(arn, after=after, limit=4)
        pages += [r.resource for r in page]
        if len(page) < 4:
            break
        after = page[-1].resource
    assert pages == everything
    typed = store.list_analyzed_resources(arn, "AWS::S3::Bucket", after=everything[0], limit=3)
    assert [r.resource for r in typed] == everything[1:4]
    assert store.list_analyzed_resources(arn, "AWS::SQS::Queue", limit=3) == []
