"""Filters and sort orders of findings as SQL (SQLAlchemy Core), for SQLite and PostgreSQL.

``filters`` defines what a filter and a sort mean, on ``Finding`` records. This module builds the
SQL that lets the database do the bulk of the work for ``FindingsStore.list_findings``:

- ``filter_clause``: a necessary condition of a filter (every finding that matches the filter
  satisfies it). The store still applies ``filters.matches`` to each row it reads, so one
  semantics serves listing and archive rules; criteria the database cannot express exactly
  (``contains``, ``principal.*``, ``condition.*``, ``action``, ``sources``, details keys) are left
  to that check.
- ``order_by`` and ``after_clause``: the order of ``filters.sort_findings`` (``[present, text,
  id]``, absent values first, ties by id; DESC reverses all of it) and keyset pagination from a
  nextToken's position, so that a page costs its own size, not the store's.

Text orders like Python strings (code points): SQLite's default BINARY collation does; PostgreSQL
is told ``COLLATE "C"`` (its default collation may order by locale).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Mapping, Optional

from sqlalchemy import Select, and_, false, or_, true
from sqlalchemy.sql.elements import ColumnElement

from .db import FINDINGS
from .errors import ValidationError
from .filters import BOOLEAN_KEYS, SORT_TIMESTAMPS, Criterion, Sort

# Filter keys and sort attributes that are one column of ``findings``.
COLUMNS: dict[str, Any] = {
    "resource": FINDINGS.c.resource,
    "resourceType": FINDINGS.c.resource_type,
    "resourceOwnerAccount": FINDINGS.c.resource_owner_account,
    "isPublic": FINDINGS.c.is_public,
    "findingType": FINDINGS.c.finding_type,
    "resourceControlPolicyRestriction": FINDINGS.c.resource_control_policy_restriction,
    "status": FINDINGS.c.status,
    "error": FINDINGS.c.error,
    "id": FINDINGS.c.id,
}
TIMESTAMP_COLUMNS: dict[str, Any] = {
    "createdAt": FINDINGS.c.created_at,
    "updatedAt": FINDINGS.c.updated_at,
    "analyzedAt": FINDINGS.c.analyzed_at,
}
# filters._sort_value writes timestamps in this form (UTC).
TIMESTAMP_TEXT = "%Y-%m-%dT%H:%M:%S.%f"


def _booleans(values: tuple[str, ...]) -> list[bool]:
    """``isPublic`` values compare case-insensitively; anything but true/false matches nothing."""
    return sorted({value.lower() == "true" for value in values if value.lower() in ("true", "false")})


def criterion_clause(key: str, criterion: Criterion) -> Optional[ColumnElement[bool]]:
    """The SQL of ``criterion`` on ``key`` (None: the key is not a column, nothing to push)."""
    column = COLUMNS.get(key)
    if column is None:
        return None
    clauses: list[ColumnElement[bool]] = []
    convert = _booleans if key in BOOLEAN_KEYS else list
    if criterion.eq is not None:
        wanted = convert(criterion.eq)
        clauses.append(column.in_(wanted) if wanted else false())
    if criterion.neq is not None:
        refused = convert(criterion.neq)
        if refused:  # an absent value matches neq (filters' CHOICE)
            clauses.append(or_(column.is_(None), column.not_in(refused)))
    if criterion.exists is not None:
        clauses.append(column.is_not(None) if criterion.exists else column.is_(None))
    return and_(true(), *clauses) if clauses else None


def filter_clause(parsed: Mapping[str, Criterion]) -> ColumnElement[bool]:
    """A condition every finding that matches ``parsed`` satisfies (see the module's note)."""
    clauses = [c for c in (criterion_clause(key, criterion) for key, criterion in parsed.items()) if c is not None]
    return and_(true(), *clauses)


def _sort_column(attribute: str, dialect: str) -> Any:
    if attribute in TIMESTAMP_COLUMNS:
        return TIMESTAMP_COLUMNS[attribute]
    column = COLUMNS[attribute]
    return column.collate("C") if dialect == "postgresql" and attribute != "isPublic" else column


def _id_column(dialect: str) -> Any:
    return FINDINGS.c.id.collate("C") if dialect == "postgresql" else FINDINGS.c.id


def order_by(query: Select, sort: Sort, dialect: str) -> Select:
    """``query`` in ``filters.sort_findings``' order."""
    column, ident = _sort_column(sort.attribute_name, dialect), _id_column(dialect)
    if sort.order_by == "DESC":
        return query.order_by(column.desc().nulls_last(), ident.desc())
    return query.order_by(column.asc().nulls_first(), ident.asc())


def _typed(attribute: str, text: str) -> Any:
    """A position's text as the column's value."""
    if attribute in SORT_TIMESTAMPS:
        try:
            return datetime.strptime(text, TIMESTAMP_TEXT).replace(tzinfo=timezone.utc)
        except ValueError:
            raise ValidationError("Invalid nextToken") from None
    if attribute in BOOLEAN_KEYS:
        return text == "true"
    return text


def _beyond(column: Any, value: Any, descending: bool) -> ColumnElement[bool]:
    """``column`` strictly after ``value`` (greater, or less when ``descending``); booleans (which
    SQLAlchemy compares only with = and IS) as false < true."""
    if isinstance(value, bool):
        if value != descending:  # after true ascending, or after false descending: nothing
            return false()
        return column == (not value)
    return column < value if descending else column > value


def after_clause(sort: Sort, after: list, dialect: str) -> ColumnElement[bool]:
    """The findings that come after position ``after`` (``[present, text, id]``) in ``sort``'s order."""
    present, text, last_id = after
    column, ident = _sort_column(sort.attribute_name, dialect), _id_column(dialect)
    if sort.order_by == "DESC":  # values descending, absent (null) last, ties by id descending
        if not present:
            return and_(column.is_(None), ident < last_id)
        value = _typed(sort.attribute_name, text)
        return or_(_beyond(column, value, True), and_(column == value, ident < last_id), column.is_(None))
    if not present:  # ascending: absent first
        return or_(and_(column.is_(None), ident > last_id), column.is_not(None))
    value = _typed(sort.attribute_name, text)
    return or_(_beyond(column, value, False), and_(column == value, ident > last_id))
