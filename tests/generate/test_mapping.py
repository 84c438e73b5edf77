"""The event → action mapping: every action it names exists; the corpus maps completely."""

from __future__ import annotations

import json

from accessproof.catalog import default_catalog
from accessproof.generate.mapping import (
    EVENT_ACTIONS, EVENT_SOURCE_PREFIXES, PASS_ROLE_PARAMETERS, map_event, mapped_actions, operation_name,
)

from .conftest import corpus_events


def test_every_mapped_action_exists_in_the_catalog() -> None:
    catalog = default_catalog()
    missing = sorted(a for a in mapped_actions() | {"iam:PassRole"} if catalog.action(a) is None)
    assert missing == []


def test_event_source_prefixes_are_catalog_services() -> None:
    catalog = default_catalog()
    assert [p for p in EVENT_SOURCE_PREFIXES.values() if not catalog.has_service(p)] == []


def test_pass_role_operations_are_real_actions() -> None:
    catalog = default_catalog()
    for source, operation in PASS_ROLE_PARAMETERS:
        assert map_event(source, operation, catalog) is not None, (source, operation)


def test_known_differences() -> None:
    catalog = default_catalog()
    assert map_event("s3.amazonaws.com", "ListObjectsV2", catalog).actions == ("s3:ListBucket",)
    assert map_event("s3.amazonaws.com", "ListObjects", catalog).actions == ("s3:ListBucket",)
    assert map_event("s3.amazonaws.com", "HeadObject", catalog).actions == ("s3:GetObject",)
    assert map_event("lambda.amazonaws.com", "Invoke", catalog).actions == ("lambda:InvokeFunction",)
    assert map_event("lambda.amazonaws.com", "UpdateFunctionCode20150331v2", catalog).actions == ("lambda:UpdateFunctionCode",)
    assert map_event("s3.amazonaws.com", "CopyObject", catalog).actions == ("s3:GetObject", "s3:PutObject")
    assert map_event("s3.amazonaws.com", "PutObject", catalog, {"x-amz-acl": "private"}).actions == \
        ("s3:PutObject", "s3:PutObjectAcl")
    assert map_event("monitoring.amazonaws.com", "PutMetricData", catalog).actions == ("cloudwatch:PutMetricData",)
    assert map_event("apigateway.amazonaws.com", "GetRestApis", catalog).actions == ("apigateway:GET",)
    assert map_event("sts.amazonaws.com", "GetCallerIdentity", catalog).no_permission_needed
    assert map_event("example.amazonaws.com", "DoSomething", catalog) is None


def test_every_corpus_event_is_mapped_or_needs_no_permission() -> None:
    catalog = default_catalog()
    unmapped = {(e["eventSource"], e["eventName"]) for e in corpus_events()
                if map_event(e["eventSource"], e["eventName"], catalog, e.get("requestParameters")) is None}
    assert unmapped == set()


def test_operation_name_strips_api_versions() -> None:
    assert operation_name("AddPermission20150331v2") == "AddPermission"
    assert operation_name("PublishLayerVersion20181031") == "PublishLayerVersion"
    assert operation_name("GetObject") == "GetObject"


def test_explicit_table_keys_are_well_formed() -> None:
    for source, name in EVENT_ACTIONS:
        assert source.endswith(".amazonaws.com") and name and json.dumps(name)
