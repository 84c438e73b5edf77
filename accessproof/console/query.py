"""The findings page's filter, sort and page, read from the URL and written back into links, so
that a view can be shared. Values that are not allowed are dropped with a message, never an error.

``to_filter`` gives the API's ``FilterCriteriaMap`` (the filter keys of ListFindings).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Mapping, Optional
from urllib.parse import urlencode

STATUSES = ("ACTIVE", "ARCHIVED", "RESOLVED")
SORTS = ("createdAt", "updatedAt", "resource", "resourceType", "resourceOwnerAccount", "findingType", "status")
ORDERS = ("asc", "desc")
PAGE_SIZE = 50
MAX_VALUE_CHARS = 2048
MAX_PAGE = 1_000_000
_TEXT_FIELDS = ("analyzer", "type", "resourceType", "account", "principal", "conditionKey", "resource")


@dataclass(frozen=True)
class FindingsQuery:
    status: str = "ACTIVE"  # "" for every status
    analyzer: str = ""  # an analyzer ARN, "" for all
    type: str = ""  # findingType
    resourceType: str = ""
    account: str = ""
    principal: str = ""  # contained in the principal's AWS value
    isPublic: str = ""  # "true", "false" or ""
    conditionKey: str = ""  # the finding's condition has this key
    resource: str = ""  # contained in the resource ARN
    sort: str = "updatedAt"
    order: str = "desc"
    page: int = 1
    problems: tuple[str, ...] = field(default=(), compare=False)

    def to_filter(self) -> dict[str, dict[str, Any]]:
        """The ListFindings ``filter`` of this query."""
        criteria: dict[str, dict[str, Any]] = {}
        if self.status:
            criteria["status"] = {"eq": [self.status]}
        if self.type:
            criteria["findingType"] = {"eq": [self.type]}
        if self.resourceType:
            criteria["resourceType"] = {"eq": [self.resourceType]}
        if self.account:
            criteria["resourceOwnerAccount"] = {"eq": [self.account]}
        if self.principal:
            criteria["principal.AWS"] = {"contains": [self.principal]}
        if self.isPublic:
            criteria["isPublic"] = {"eq": [self.isPublic]}
        if self.conditionKey:
            criteria[f"condition.{self.conditionKey}"] = {"exists": True}
        if self.resource:
            criteria["resource"] = {"contains": [self.resource]}
        return criteria

    def equals(self) -> Optional[dict[str, str]]:
        """The filter as equalities on columns (``FindingsStore.findings_page``), or None when it
        has a principal, condition key or substring criterion (which only the full filter reads)."""
        if self.principal or self.conditionKey or self.resource:
            return None
        pairs = {"status": self.status, "findingType": self.type, "resourceType": self.resourceType,
                 "resourceOwnerAccount": self.account, "isPublic": self.isPublic}
        return {key: value for key, value in pairs.items() if value}

    def to_sort(self) -> dict[str, str]:
        return {"attributeName": self.sort, "orderBy": self.order.upper()}

    def params(self, **changes: Any) -> dict[str, str]:
        """The URL parameters that differ from the defaults (after ``changes``)."""
        chosen = replace(self, **changes)
        default = FindingsQuery()
        out = {}
        for name in ("status", *_TEXT_FIELDS, "isPublic", "sort", "order", "page"):
            value = getattr(chosen, name)
            if value != getattr(default, name):
                out[name] = str(value)
        return out

    def url(self, base: str, **changes: Any) -> str:
        """A link to this view with ``changes`` (a new filter goes back to page 1 unless given)."""
        if "page" not in changes and any(k not in ("sort", "order") for k in changes):
            changes["page"] = 1
        params = self.params(**changes)
        return f"{base}?{urlencode(params)}" if params else base

    def sort_url(self, base: str, column: str) -> str:
        """The link of a column header: sort by it, or flip the order when already sorted by it."""
        order = ("asc" if self.order == "desc" else "desc") if self.sort == column else "asc"
        return self.url(base, sort=column, order=order, page=1)


def parse_query(values: Mapping[str, str]) -> FindingsQuery:
    """The query of the URL parameters ``values``; unknown parameters are ignored."""
    problems: list[str] = []
    chosen: dict[str, Any] = {}
    status = values.get("status", "ACTIVE")
    if status in ("", *STATUSES):
        chosen["status"] = status
    else:
        problems.append(f"unknown status {status[:40]!r}: showing ACTIVE findings")
    for name in _TEXT_FIELDS:
        value = values.get(name, "").strip()
        if len(value) > MAX_VALUE_CHARS:
            problems.append(f"{name} is longer than {MAX_VALUE_CHARS} characters: ignored")
        elif value:
            chosen[name] = value
    public = values.get("isPublic", "")
    if public in ("", "true", "false"):
        chosen["isPublic"] = public
    else:
        problems.append("isPublic is true or false: ignored")
    sort = values.get("sort", "updatedAt")
    if sort in SORTS:
        chosen["sort"] = sort
    else:
        problems.append(f"cannot sort by {sort[:40]!r}")
    order = values.get("order", "desc")
    if order in ORDERS:
        chosen["order"] = order
    page = values.get("page", "1")
    if page.isdigit() and 1 <= int(page) <= MAX_PAGE:
        chosen["page"] = int(page)
    elif page:
        problems.append("page is a positive number: showing page 1")
    return FindingsQuery(**chosen, problems=tuple(problems))


def page_bounds(total: int, page: int, size: int = PAGE_SIZE) -> tuple[int, int, int]:
    """(first index, end index, number of pages) of ``page`` (clamped to the last page)."""
    pages = max(1, -(-total // size))
    page = min(max(1, page), pages)
    start = (page - 1) * size
    return start, min(total, start + size), pages


def optional(value: str) -> Optional[str]:
    return value or None
