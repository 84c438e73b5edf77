"""Tags of analyzers and service-linked analyzers in the store (``findings.linked``)."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from accessproof.findings import FindingsStore, linked
from accessproof.findings.errors import ConflictError, NotFoundError, ValidationError


@pytest.fixture
def store(tmp_path):
    opened = FindingsStore.open(f"sqlite:///{tmp_path / 'l.db'}", account_id="111122223333")
    yield opened
    opened.close()


def test_tags_add_overwrite_remove(store):
    arn = store.create_analyzer("a", "ACCOUNT_UNUSED_ACCESS", tags={"team": "x"}).arn
    assert linked.tag(store, arn, {"team": "y", "env": "prod"}) == {"team": "y", "env": "prod"}
    assert linked.untag(store, arn, ["team", "absent"]) == {"env": "prod"}
    assert linked.list_tags(store, arn) == {"env": "prod"}


@pytest.mark.parametrize("tags, fragment", [
    ({"aws:owner": "x"}, "aws:"), ({"": "x"}, "1 to 128"), ({"k" * 129: "x"}, "1 to 128"),
    ({"k": "v" * 257}, "0 to 256"), ({"k": "semi;colon"}, "';'"),
])
def test_bad_tags_are_validation_errors(store, tags, fragment):
    arn = store.create_analyzer("a", "ACCOUNT_UNUSED_ACCESS").arn
    with pytest.raises(ValidationError, match=fragment):
        linked.tag(store, arn, tags)
    assert linked.list_tags(store, arn) == {}


def test_at_most_fifty_tags(store):
    arn = store.create_analyzer("a", "ACCOUNT_UNUSED_ACCESS", tags={f"k{i}": "" for i in range(50)}).arn
    with pytest.raises(ValidationError, match="at most 50"):
        linked.tag(store, arn, {"one-more": ""})


def test_only_analyzers_carry_tags(store):
    arn = store.create_analyzer("a", "ACCOUNT_UNUSED_ACCESS").arn
    for other in (arn + "/archive-rule/r", "arn:aws:s3:::bucket", arn.replace("/a", "/missing")):
        with pytest.raises(NotFoundError):
            linked.list_tags(store, other)


def test_service_linked_lifecycle_and_an_older_database(store):
    with store.engine.begin() as connection:  # a database made before the table existed
        linked.SERVICE_LINKED_TABLE.drop(connection)
    assert linked.managed_by(store) == {}
    analyzer = linked.create_service_linked(store, "IAMRoleManager", "ACCOUNT_UNUSED_ACCESS")
    assert analyzer.name.startswith("_AccessAnalyzerForIAMRoleManager-")
    assert inspect(store.engine).has_table("service_linked_analyzers")
    assert linked.managed_by(store) == {analyzer.arn: "IAMRoleManager"}
    with pytest.raises(ConflictError):
        linked.create_service_linked(store, "IAMRoleManager", "ACCOUNT_UNUSED_ACCESS")
    with pytest.raises(ValidationError, match="ACCOUNT_UNUSED_ACCESS"):
        linked.create_service_linked(store, "IAMRoleManager", "ACCOUNT")
    with pytest.raises(ValidationError, match="DeleteServiceLinkedAnalyzer"):
        linked.check_not_service_linked(store, analyzer.name)
    linked.delete_service_linked(store, analyzer.name)
    assert linked.managed_by(store) == {} and store.list_analyzers() == []
