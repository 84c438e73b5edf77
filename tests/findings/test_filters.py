"""Filter keys and criteria, sorting and pagination (pure)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from accessproof.findings import ValidationError
from accessproof.findings.filters import (
    matches, paginate, parse_filter, parse_sort, query_fingerprint, register_filter_key, details_value,
    sort_findings, FIXED_KEYS,
)
from accessproof.findings.model import ARCHIVED, RESOLVED

from .helpers import BUCKET, KEY, OUTSIDER, OWNER, QUEUE, T0, errored, fresh, public, stored

CROSS = stored(fresh(action=("s3:GetObject", "s3:ListBucket")), "f-cross")
PUBLIC = stored(public(condition={"aws:SourceVpc": "vpc-1234"}), "f-public")
FEDERATED = stored(fresh(QUEUE, principal={"Federated": "cognito-identity.amazonaws.com"},
                         condition={"cognito-identity.amazonaws.com:aud": "us-east-1:pool"}), "f-fed")
ERROR = stored(errored(KEY), "f-error")
ACL = stored(fresh(principal={"CanonicalUser": "79a59df900b949e55d96a1e698fbaced"},
                   sources=({"type": "BUCKET_ACL"},)), "f-acl", ARCHIVED)
ALL = [CROSS, PUBLIC, FEDERATED, ERROR, ACL]


def ids_matching(raw_filter: dict) -> list[str]:
    parsed = parse_filter(raw_filter)
    return [f.id for f in ALL if matches(f, parsed)]


@pytest.mark.parametrize("raw_filter, expected", [
    ({"resource": {"eq": [QUEUE]}}, ["f-fed"]),
    ({"resource": {"eq": [QUEUE, KEY]}}, ["f-fed", "f-error"]),  # eq is any-of
    ({"resource": {"neq": [BUCKET]}}, ["f-fed", "f-error"]),
    ({"resource": {"neq": [BUCKET, QUEUE]}}, ["f-error"]),  # neq is none-of
    ({"resource": {"contains": ["sqs", "kms"]}}, ["f-fed", "f-error"]),
    ({"resourceType": {"eq": ["AWS::S3::Bucket"]}}, ["f-cross", "f-public", "f-acl"]),
    ({"resourceType": {"eq": ["AWS::Nope::Thing"]}}, []),  # values are not validated
    ({"resourceOwnerAccount": {"eq": [OWNER]}}, ["f-cross", "f-public", "f-fed", "f-error", "f-acl"]),
    ({"isPublic": {"eq": ["true"]}}, ["f-public"]),
    ({"isPublic": {"eq": ["FALSE"]}}, ["f-cross", "f-fed", "f-acl"]),  # booleans ignore case
    ({"isPublic": {"exists": False}}, ["f-error"]),
    ({"principal.AWS": {"eq": [OUTSIDER]}}, ["f-cross"]),
    ({"principal.AWS": {"eq": ["*"]}}, ["f-public"]),
    ({"principal.AWS": {"exists": True}}, ["f-cross", "f-public"]),
    ({"principal.AWS": {"neq": [OUTSIDER]}}, ["f-public", "f-fed", "f-error", "f-acl"]),  # absent matches neq
    ({"principal.AWS": {"neq": [OUTSIDER], "exists": True}}, ["f-public"]),  # operators combine with AND
    ({"principal.Federated": {"contains": ["cognito"]}}, ["f-fed"]),
    ({"principal.CanonicalUser": {"exists": True}}, ["f-acl"]),
    ({"condition.aws:SourceVpc": {"eq": ["vpc-1234"]}}, ["f-public"]),
    ({"condition.aws:sourcevpc": {"eq": ["vpc-1234"]}}, ["f-public"]),  # condition keys ignore case
    ({"condition.cognito-identity.amazonaws.com:aud": {"exists": True}}, ["f-fed"]),
    ({"condition.aws:SourceVpc": {"exists": False}}, ["f-cross", "f-fed", "f-error", "f-acl"]),
    ({"action": {"eq": ["s3:ListBucket"]}}, ["f-cross"]),  # any element
    ({"action": {"contains": ["List"]}}, ["f-cross"]),
    ({"action": {"neq": ["s3:ListBucket"]}}, ["f-public", "f-fed", "f-error", "f-acl"]),
    ({"status": {"eq": ["ARCHIVED"]}}, ["f-acl"]),
    ({"status": {"neq": ["ARCHIVED"]}}, ["f-cross", "f-public", "f-fed", "f-error"]),
    ({"error": {"exists": True}}, ["f-error"]),
    ({"error": {"eq": ["ACCESS_DENIED"]}}, ["f-error"]),
    ({"id": {"eq": ["f-public", "f-acl"]}}, ["f-public", "f-acl"]),
    ({"sources": {"eq": ["BUCKET_ACL"]}}, ["f-acl"]),
    ({"findingType": {"eq": ["ExternalAccess"]}}, ["f-cross", "f-public", "f-fed", "f-error", "f-acl"]),
    ({"resourceType": {"eq": ["AWS::S3::Bucket"]}, "isPublic": {"eq": ["false"]}}, ["f-cross", "f-acl"]),  # keys AND
    ({}, ["f-cross", "f-public", "f-fed", "f-error", "f-acl"]),
])
def test_filter_criteria(raw_filter, expected):
    assert ids_matching(raw_filter) == expected


@pytest.mark.parametrize("raw_filter, message", [
    ({"nope": {"eq": ["x"]}}, "not a supported filter key"),
    ({"principal.": {"eq": ["x"]}}, "not a supported filter key"),
    ({"resource": {}}, "at least one of"),
    ({"resource": {"eq": []}}, "between 1 and 20"),
    ({"resource": {"eq": [str(i) for i in range(21)]}}, "between 1 and 20"),
    ({"resource": {"eq": "arn"}}, "list of strings"),
    ({"resource": {"exists": "yes"}}, "boolean"),
    ({"resource": {"like": ["x"]}}, "unknown member"),
    ({"resource": ["x"]}, "Criterion"),
    (["resource"], "map"),
])
def test_invalid_filters(raw_filter, message):
    with pytest.raises(ValidationError, match=message):
        parse_filter(raw_filter)


@pytest.mark.parametrize("key", ["status", "id"])
def test_archive_rules_refuse_list_only_keys(key):
    with pytest.raises(ValidationError, match="not an archive rule"):
        parse_filter({key: {"eq": ["x"]}}, for_archive_rule=True)


def test_registered_details_key(monkeypatch):
    monkeypatch.setitem(FIXED_KEYS, "accessType", details_value("accessType"))
    internal = replace(CROSS, finding_type="InternalAccess", details={"accessType": "INTRA_ORG"})
    assert matches(internal, parse_filter({"accessType": {"eq": ["INTRA_ORG"]}}))
    assert not matches(CROSS, parse_filter({"accessType": {"exists": True}}))
    assert register_filter_key  # the public way to do the above


def timed(finding, minutes: int, status: str | None = None):
    moment = T0 + timedelta(minutes=minutes)
    return replace(finding, created_at=moment, updated_at=moment, status=status or finding.status)


SEQUENCE = [timed(stored(fresh(f"arn:aws:s3:::bucket-{i:02d}"), f"id-{i:02d}"), minutes=i % 7) for i in range(20)]


def test_default_sort_is_oldest_first_then_id():
    ordered = sort_findings(SEQUENCE, parse_sort(None))
    keys = [(f.created_at, f.id) for f in ordered]
    assert keys == sorted(keys)


def test_sort_descending_by_resource():
    ordered = sort_findings(SEQUENCE, parse_sort({"attributeName": "resource", "orderBy": "DESC"}))
    assert [f.resource for f in ordered] == sorted((f.resource for f in SEQUENCE), reverse=True)


def test_sort_puts_absent_values_first_ascending():
    ordered = sort_findings([CROSS, ERROR], parse_sort({"attributeName": "error"}))
    assert [f.id for f in ordered] == ["f-cross", "f-error"]


@pytest.mark.parametrize("raw_sort, message", [
    ({"attributeName": "principal"}, "not sortable"),
    ({"attributeName": "resource", "orderBy": "UP"}, "ASC or DESC"),
])
def test_invalid_sort(raw_sort, message):
    with pytest.raises(ValidationError, match=message):
        parse_sort(raw_sort)


@pytest.mark.parametrize("order", ["ASC", "DESC"])
@pytest.mark.parametrize("page_size", [1, 3, 7, 20, 50])
def test_pages_cover_everything_once(order, page_size):
    sort = parse_sort({"attributeName": "createdAt", "orderBy": order})
    ordered = sort_findings(SEQUENCE, sort)
    fingerprint = query_fingerprint("a", {}, sort)
    seen, token, pages = [], None, 0
    while True:
        page = paginate(ordered, sort, fingerprint, page_size, token)
        assert len(page.items) <= page_size
        seen += [f.id for f in page.items]
        pages += 1
        token = page.next_token
        if token is None:
            break
    assert seen == [f.id for f in ordered]
    assert pages == max(1, -(-len(SEQUENCE) // page_size))


def test_token_survives_changes_between_pages():
    sort = parse_sort(None)
    ordered = sort_findings(SEQUENCE, sort)
    fingerprint = query_fingerprint("a", {}, sort)
    first = paginate(ordered, sort, fingerprint, 5, None)
    # The first finding of the next page disappears (e.g. it was archived under a status filter).
    remaining = [f for f in ordered if f.id != ordered[5].id]
    second = paginate(remaining, sort, fingerprint, 5, first.next_token)
    assert [f.id for f in second.items] == [f.id for f in ordered[6:11]]


def test_token_from_another_query_is_refused():
    sort = parse_sort(None)
    token = paginate(SEQUENCE, sort, query_fingerprint("a", {}, sort), 2, None).next_token
    other = query_fingerprint("a", parse_filter({"status": {"eq": [RESOLVED]}}), sort)
    with pytest.raises(ValidationError, match="another request"):
        paginate(SEQUENCE, sort, other, 2, token)


@pytest.mark.parametrize("token", ["garbage", "eyJ4IjoxfQ==", "!!!"])
def test_malformed_token_is_refused(token):
    sort = parse_sort(None)
    with pytest.raises(ValidationError, match="nextToken"):
        paginate(SEQUENCE, sort, "f", 2, token)


@pytest.mark.parametrize("max_results", [0, -1, "10", True])
def test_max_results_must_be_a_positive_integer(max_results):
    with pytest.raises(ValidationError, match="maxResults"):
        paginate(SEQUENCE, parse_sort(None), "f", max_results, None)


def test_default_page_size():
    many = [stored(fresh(f"arn:aws:s3:::b{i}"), f"id-{i:03d}") for i in range(150)]
    page = paginate(many, parse_sort(None), "f", None, None)
    assert len(page.items) == 100 and page.next_token
