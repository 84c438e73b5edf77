"""``FindingsStore.findings_page`` (the console's table): the same findings in the same order as
``list_findings`` filtered and sorted in Python, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from accessproof.findings.filters import parse_sort, sort_findings
from accessproof.findings.model import ARCHIVED, FreshFinding, ResourceAnalysis

ACCOUNTS = ("111122223333", "444455556666", "999999999999")
TYPES = (("AWS::S3::Bucket", "arn:aws:s3:::b-{n}"), ("AWS::SQS::Queue", "arn:aws:sqs:us-east-1:1:Q-{n}"),
         ("AWS::KMS::Key", "arn:aws:kms:us-east-1:1:key/é{n}"))


def _populate(store, clock) -> list[str]:
    arns = [store.create_analyzer(name, "ACCOUNT").arn for name in ("a", "b")]
    for number, arn in enumerate(arns):
        results = []
        for n in range(40):
            resource_type, pattern = TYPES[n % 3]
            resource = pattern.format(n=f"{(n * 7) % 40:02d}" if n % 5 else "Z")  # repeated names: ties
            account = ACCOUNTS[(n + number) % 3]
            results.append(ResourceAnalysis(resource + f"-{number}-{n}" * (n % 2), resource_type, account, (FreshFinding(
                resource=resource + f"-{number}-{n}" * (n % 2), resource_type=resource_type,
                resource_owner_account=account, principal={"AWS": "*"} if n % 4 == 0 else {"AWS": "999988887777"},
                is_public=n % 4 == 0, action=("s3:GetObject",)),)))
        store.record_analysis(arn, results[:20])
        clock.tick()
        store.record_analysis(arn, results[20:])  # two creation times: ties within each
        listed = store.list_findings(arn, {"status": {"eq": ["ACTIVE"]}}).items
        store.update_findings(arn, ARCHIVED, ids=[f.id for f in listed[::6]])
    return arns


@pytest.mark.parametrize("equals, sort", [
    ({}, {"attributeName": "updatedAt", "orderBy": "DESC"}),
    ({"status": "ACTIVE"}, {"attributeName": "createdAt", "orderBy": "ASC"}),
    ({"status": "ACTIVE", "isPublic": "true"}, {"attributeName": "resource", "orderBy": "ASC"}),
    ({"resourceOwnerAccount": "444455556666"}, {"attributeName": "resource", "orderBy": "DESC"}),
    ({"resourceType": "AWS::KMS::Key", "findingType": "ExternalAccess"}, {"attributeName": "status", "orderBy": "ASC"}),
    ({"isPublic": "false"}, {"attributeName": "resourceOwnerAccount", "orderBy": "DESC"}),
])
def test_a_page_is_the_same_as_listing_then_sorting(store, clock, equals, sort):
    arns = _populate(store, clock)
    criteria = {key: {"eq": [value]} for key, value in equals.items()}
    expected = sort_findings([f for arn in arns for f in store.list_findings(arn, criteria).items], parse_sort(sort))
    assert expected  # the case selects something
    total, first = store.findings_page(arns, equals, sort, 0, 7)
    assert total == len(expected)
    pages = [first] + [store.findings_page(arns, equals, sort, start, 7)[1] for start in range(7, total, 7)]
    assert [f.id for page in pages for f in page] == [f.id for f in expected]
    assert store.findings_page(arns[:1], equals, sort, 0, 1000)[0] == len(
        [f for f in expected if f.analyzer_arn == arns[0]])
