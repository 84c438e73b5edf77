"""Tags of analyzers (TagResource, UntagResource, ListTagsForResource) and service-linked
analyzers (CreateServiceLinkedAnalyzer, DeleteServiceLinkedAnalyzer), over a ``FindingsStore``.

Tags live in the analyzer row's ``tags`` column; which AWS service manages a service-linked
analyzer, in the ``service_linked_analyzers`` table, which a database made before it existed gets
when the first service-linked analyzer is created (reading a database without it: no such
analyzer). Errors are ``FindingsError``s with AWS codes.
"""

from __future__ import annotations

import secrets
from typing import Any, Mapping, Optional, Sequence

from sqlalchemy import inspect, select

from .db import AnalyzerRow, ServiceLinkedAnalyzerRow, database_errors
from .errors import ConflictError, MissingDatabaseError, NotFoundError, ValidationError
from .model import Analyzer
from .store import FindingsStore

# AWS's tag rules (CreateAnalyzer's ``tags``; AWS General Reference, "Tagging your AWS resources").
MAX_TAG_KEY = 128
MAX_TAG_VALUE = 256
MAX_TAGS = 50
_TAG_PUNCTUATION = set("_.:/=+-@ ")
# CreateServiceLinkedAnalyzer's ``type``: "Valid values are ACCOUNT_UNUSED_ACCESS and
# ORGANIZATION_UNUSED_ACCESS" (its API reference).
SERVICE_LINKED_TYPES = ("ACCOUNT_UNUSED_ACCESS", "ORGANIZATION_UNUSED_ACCESS")
# "_AccessAnalyzerFor{ServiceName}-{Id} where Id is a randomly generated identifier".
SERVICE_LINKED_PREFIX = "_AccessAnalyzerFor"


def check_tags(tags: Any) -> dict[str, str]:
    if not isinstance(tags, Mapping):
        raise ValidationError("tags must be a map of tag keys to values")
    for key, value in tags.items():
        if not isinstance(key, str) or not 1 <= len(key) <= MAX_TAG_KEY:
            raise ValidationError(f"Tag key '{key}' must be 1 to {MAX_TAG_KEY} characters long")
        if key.lower().startswith("aws:"):
            raise ValidationError(f"Tag key '{key}' must not start with aws: (reserved for AWS)")
        if not isinstance(value, str) or len(value) > MAX_TAG_VALUE:
            raise ValidationError(f"Tag value of '{key}' must be 0 to {MAX_TAG_VALUE} characters long")
        for text in (key, value):
            bad = next((c for c in text if not (c.isalnum() or c in _TAG_PUNCTUATION)), None)
            if bad is not None:
                raise ValidationError(f"Tag '{key}' has the character {bad!r}; tags may have letters, digits, "
                                      "spaces and _ . : / = + - @")
    return dict(tags)


def _analyzer_arn(resource_arn: Any) -> str:
    """Only analyzers carry tags here (archive rules and findings have no ARN of their own)."""
    if not isinstance(resource_arn, str) or ":analyzer/" not in resource_arn or "/archive-rule/" in resource_arn:
        raise NotFoundError(f"Resource {resource_arn} not found: only analyzers can be tagged")
    return resource_arn


SERVICE_LINKED_TABLE = ServiceLinkedAnalyzerRow.__table__


def list_tags(store: FindingsStore, resource_arn: str) -> dict[str, str]:
    arn = _analyzer_arn(resource_arn)
    with store._transaction() as session:
        row = session.get(AnalyzerRow, arn)
        if row is None:
            raise NotFoundError(f"Analyzer {arn} not found")
        return dict(row.tags or {})


def tag(store: FindingsStore, resource_arn: str, tags: Mapping[str, str]) -> dict[str, str]:
    """TagResource: add or overwrite ``tags``; returns all the analyzer's tags."""
    arn = _analyzer_arn(resource_arn)
    new = check_tags(tags)
    with store._transaction(write=True) as session:
        row = session.get(AnalyzerRow, arn)
        if row is None:
            raise NotFoundError(f"Analyzer {arn} not found")
        merged = {**(row.tags or {}), **new}
        if len(merged) > MAX_TAGS:
            raise ValidationError(f"An analyzer has at most {MAX_TAGS} tags; this would make {len(merged)}")
        row.tags = merged
        return dict(merged)


def untag(store: FindingsStore, resource_arn: str, keys: Sequence[str]) -> dict[str, str]:
    """UntagResource: remove ``keys`` (keys the analyzer does not have are ignored, as AWS does)."""
    arn = _analyzer_arn(resource_arn)
    with store._transaction(write=True) as session:
        row = session.get(AnalyzerRow, arn)
        if row is None:
            raise NotFoundError(f"Analyzer {arn} not found")
        remaining = {k: v for k, v in (row.tags or {}).items() if k not in set(keys)}
        row.tags = remaining
        return dict(remaining)


def managed_by(store: FindingsStore) -> dict[str, str]:
    """Analyzer ARN -> the service that manages it, for every service-linked analyzer."""
    try:
        with store._transaction() as session:
            if not inspect(session.connection()).has_table(SERVICE_LINKED_TABLE.name):
                return {}
            return {row.analyzer_arn: row.managed_by for row in session.scalars(select(ServiceLinkedAnalyzerRow))}
    except MissingDatabaseError:
        return {}  # no database: no analyzer at all


def create_service_linked(store: FindingsStore, service: str, analyzer_type: str,
                          archive_rules: Optional[Sequence[Mapping[str, Any]]] = None,
                          configuration: Optional[Mapping[str, Any]] = None,
                          create: Any = None) -> Analyzer:
    """CreateServiceLinkedAnalyzer for ``service``. ``create(name)`` creates the analyzer itself
    (the unused access service validates the configuration); default the store's.

    CHOICE: one service-linked analyzer per managing service and type (a second is a
    ConflictException), so that a service retrying its call does not multiply analyzers.
    """
    if analyzer_type not in SERVICE_LINKED_TYPES:
        raise ValidationError(f"1 validation error detected: Value '{analyzer_type}' at 'type' failed to satisfy "
                              f"constraint: a service-linked analyzer is one of [{', '.join(SERVICE_LINKED_TYPES)}]")
    if not service or not all(c.isalnum() for c in service):
        raise ValidationError(f"the managing service's name must be letters and digits, not {service!r}")
    store._prepare(create=True)
    with database_errors(store.engine):
        SERVICE_LINKED_TABLE.create(store.engine, checkfirst=True)
    with store._transaction() as session:
        mine = set(session.scalars(select(ServiceLinkedAnalyzerRow.analyzer_arn)
                                   .where(ServiceLinkedAnalyzerRow.managed_by == service)))
        types = set(session.scalars(select(AnalyzerRow.type).where(AnalyzerRow.arn.in_(mine)))) if mine else set()
    if analyzer_type in types:
        raise ConflictError(f"{service} already has a service-linked analyzer of type {analyzer_type}")
    name = f"{SERVICE_LINKED_PREFIX}{service}-{secrets.token_hex(6)}"
    analyzer = create(name) if create is not None else store.create_analyzer(
        name, analyzer_type, archive_rules=archive_rules, configuration=configuration)
    with store._transaction(write=True) as session:
        session.add(ServiceLinkedAnalyzerRow(analyzer_arn=analyzer.arn, managed_by=service))
    return analyzer


def delete_service_linked(store: FindingsStore, name: str) -> None:
    """DeleteServiceLinkedAnalyzer.

    CHOICE: AWS asks the managing service whether the analyzer is still in use and answers
    ConflictException if it is; a local store has no managing service to ask, so the analyzer is
    taken as no longer in use and deleted."""
    analyzer = store.get_analyzer(name)
    if analyzer.arn not in managed_by(store):
        raise ValidationError(f"Analyzer {name} is not a service-linked analyzer: delete it with DeleteAnalyzer")
    store.delete_analyzer(name)


def check_not_service_linked(store: FindingsStore, name: str) -> None:
    """DeleteAnalyzer refuses a service-linked analyzer. CHOICE (AWS does not say): its managing
    service owns its lifecycle, so it is deleted with DeleteServiceLinkedAnalyzer only."""
    analyzer = store.get_analyzer(name)
    if analyzer.arn in managed_by(store):
        raise ValidationError(f"Analyzer {name} is a service-linked analyzer: delete it with DeleteServiceLinkedAnalyzer")
