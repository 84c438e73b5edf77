"""Filters of findings: the ``FilterCriteriaMap`` of ListFindings(V2) and of archive rules.

A filter maps a filter key to a ``Criterion {eq[], neq[], contains[], exists}``. The keys are those
of AWS's "IAM Access Analyzer filter keys" page
(https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-filter-keys.html).

Semantics (the page and the Criterion API reference are terse; choices are marked CHOICE):
- A finding matches a filter when it matches every key's criterion, and a criterion when it
  matches every operator given in it (CHOICE: AND across operators, as across keys).
- ``eq``: the value equals one of the listed values (any-of).
- ``neq``: the value equals none of them. CHOICE: a finding without the attribute matches ``neq``
  (it is not equal to any listed value); combine with ``exists: true`` to require it.
- ``contains``: the value has one of the listed strings as a substring.
- ``exists``: the attribute is present (``true``) or absent (``false``). An empty map or list
  counts as absent.
- Multi-valued attributes (``action``, ``sources``) match ``eq``/``contains`` when any element
  does, and ``neq`` when no element equals a listed value.
- Comparison is case-sensitive (ARNs, account ids and condition values are), except the boolean
  ``isPublic``, whose values ``true``/``false`` compare case-insensitively.
- Values are not validated against the key's domain: AWS documents that archive-rule values are
  not validated, so ``resourceType eq ["AWS::Nope"]`` simply matches nothing. Keys are: an unknown
  key is a ValidationException (CHOICE: better than a rule that silently never matches).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Iterable, Mapping, Optional, Sequence

from ..untrusted import loads
from .errors import ValidationError
from .model import Finding, canonical_json

# Criterion lists take 1 to 20 values (ValueList in the botocore model).
MAX_CRITERION_VALUES = 20
CRITERION_OPERATORS = ("eq", "neq", "contains", "exists")

FilterValue = Optional[tuple[str, ...]]  # None = the attribute is absent; else its value(s)
Extractor = Callable[[Finding], FilterValue]


@dataclass(frozen=True)
class Criterion:
    eq: Optional[tuple[str, ...]] = None
    neq: Optional[tuple[str, ...]] = None
    contains: Optional[tuple[str, ...]] = None
    exists: Optional[bool] = None

    def to_aws(self) -> dict[str, Any]:
        members: dict[str, Any] = {}
        for name in ("eq", "neq", "contains"):
            values = getattr(self, name)
            if values is not None:
                members[name] = list(values)
        if self.exists is not None:
            members["exists"] = self.exists
        return members


Filter = Mapping[str, Criterion]


# --- attribute extraction -------------------------------------------------------------------

def _one(value: Any) -> FilterValue:
    if value is None:
        return None
    if isinstance(value, bool):
        return ("true" if value else "false",)
    return (str(value),)


def _many(values: Optional[Iterable[Any]]) -> FilterValue:
    if not values:
        return None
    return tuple(str(value) for value in values)


def _source_types(finding: Finding) -> FilterValue:
    return _many(source.get("type") for source in finding.sources or () if source.get("type"))


def details_value(name: str) -> Extractor:
    """A key that reads ``details[name]`` (unused- and internal-access findings keep it there)."""

    def extract(finding: Finding) -> FilterValue:
        value = (finding.details or {}).get(name)
        if isinstance(value, (list, tuple)):
            return _many(value)
        return _one(value)

    return extract


# Keys with a fixed name. ``principal.<type>`` and ``condition.<key>`` are handled by prefix.
FIXED_KEYS: dict[str, Extractor] = {
    "resource": lambda f: _one(f.resource),
    "resourceType": lambda f: _one(f.resource_type),
    "resourceOwnerAccount": lambda f: _one(f.resource_owner_account),
    "isPublic": lambda f: _one(f.is_public),
    "findingType": lambda f: _one(f.finding_type),
    "resourceControlPolicyRestriction": lambda f: _one(f.resource_control_policy_restriction),
    "status": lambda f: _one(f.status),
    "error": lambda f: _one(f.error),
    "id": lambda f: _one(f.id),
    # Not on AWS's page (CHOICE, an extension): the finding's actions and source types.
    "action": lambda f: _many(f.action),
    "sources": _source_types,
}
BOOLEAN_KEYS = frozenset({"isPublic"})
PRINCIPAL_PREFIX = "principal."
CONDITION_PREFIX = "condition."
# AWS's page: "status" (and, per our reference summary, "id") are for listing only, not archive rules.
NOT_IN_ARCHIVE_RULES = frozenset({"status", "id"})


def register_filter_key(name: str, extractor: Extractor) -> None:
    """Add a filter key. The unused- and internal-access analyzers register theirs (e.g.
    ``register_filter_key("accessType", details_value("accessType"))``) next to the code that
    writes the finding's ``details``."""
    FIXED_KEYS[name] = extractor


def extractor_for(key: str) -> Optional[Extractor]:
    if key in FIXED_KEYS:
        return FIXED_KEYS[key]
    if key.startswith(PRINCIPAL_PREFIX) and len(key) > len(PRINCIPAL_PREFIX):
        principal_type = key[len(PRINCIPAL_PREFIX):]
        return lambda f: _one((f.principal or {}).get(principal_type))
    if key.startswith(CONDITION_PREFIX) and len(key) > len(CONDITION_PREFIX):
        condition_key = key[len(CONDITION_PREFIX):]
        return lambda f: _condition_value(f, condition_key)
    return None


def _condition_value(finding: Finding, condition_key: str) -> FilterValue:
    # Condition keys are case-insensitive in IAM; a finding's condition map keeps the policy's spelling.
    wanted = condition_key.lower()
    for name, value in (finding.condition or {}).items():
        if name.lower() == wanted:
            return _one(value)
    return None


# --- parsing and validation -----------------------------------------------------------------

def _value_list(values: Any, where: str) -> tuple[str, ...]:
    if not isinstance(values, (list, tuple)) or not all(isinstance(v, str) for v in values):
        raise ValidationError(f"{where} must be a list of strings")
    if not 1 <= len(values) <= MAX_CRITERION_VALUES:
        raise ValidationError(f"{where} must have between 1 and {MAX_CRITERION_VALUES} values, not {len(values)}")
    return tuple(values)


def parse_criterion(raw: Any, key: str) -> Criterion:
    if isinstance(raw, Criterion):
        return raw
    if not isinstance(raw, Mapping):
        raise ValidationError(f"filter.{key} must be a Criterion object with eq, neq, contains or exists")
    unknown = sorted(set(raw) - set(CRITERION_OPERATORS))
    if unknown:
        raise ValidationError(f"filter.{key} has unknown member(s) {', '.join(unknown)}; use eq, neq, contains or exists")
    lists = {name: _value_list(raw[name], f"filter.{key}.{name}") for name in ("eq", "neq", "contains") if raw.get(name) is not None}
    exists = raw.get("exists")
    if exists is not None and not isinstance(exists, bool):
        raise ValidationError(f"filter.{key}.exists must be a boolean")
    if not lists and exists is None:
        raise ValidationError(f"filter.{key} must set at least one of eq, neq, contains, exists")
    return Criterion(eq=lists.get("eq"), neq=lists.get("neq"), contains=lists.get("contains"), exists=exists)


def parse_filter(raw: Optional[Mapping[str, Any]], *, for_archive_rule: bool = False) -> dict[str, Criterion]:
    """Validate a FilterCriteriaMap. Archive rules refuse the list-only keys ``status`` and ``id``."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ValidationError("filter must be a map of filter key to Criterion")
    parsed: dict[str, Criterion] = {}
    for key, criterion in raw.items():
        if not isinstance(key, str) or extractor_for(key) is None:
            raise ValidationError(f"'{key}' is not a supported filter key")
        if for_archive_rule and key in NOT_IN_ARCHIVE_RULES:
            raise ValidationError(f"'{key}' can filter a list of findings but not an archive rule")
        parsed[key] = parse_criterion(criterion, key)
    return parsed


def parse_archive_rule_filter(raw: Any) -> dict[str, Criterion]:
    """The filter of a new or updated archive rule (CreateArchiveRule, UpdateArchiveRule, CreateAnalyzer's
    inline rules): a FilterCriteriaMap with at least one criterion.

    CHOICE (the botocore model puts no minimum on FilterCriteriaMap; the console's "Create archive
    rule" asks for a property under Criteria, https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-archive-rules.html):
    an empty (or missing) filter matches every finding, so the rule would archive every new finding
    and hide all access. It is refused with a ValidationException rather than accepted silently.
    """
    if raw is None or (isinstance(raw, Mapping) and not raw):
        raise ValidationError("filter must have at least one criterion: an archive rule with an empty filter "
                              "would archive every finding")
    return parse_filter(raw, for_archive_rule=True)


def filter_to_aws(parsed: Filter) -> dict[str, dict]:
    return {key: criterion.to_aws() for key, criterion in parsed.items()}


# --- matching -------------------------------------------------------------------------------

def _fold(values: Iterable[str], case_insensitive: bool) -> set[str]:
    return {value.lower() for value in values} if case_insensitive else set(values)


def criterion_matches(criterion: Criterion, value: FilterValue, *, case_insensitive: bool = False) -> bool:
    present = value is not None
    if criterion.exists is not None and criterion.exists != present:
        return False
    actual = _fold(value or (), case_insensitive)
    if criterion.eq is not None and not actual & _fold(criterion.eq, case_insensitive):
        return False
    if criterion.neq is not None and actual & _fold(criterion.neq, case_insensitive):
        return False
    if criterion.contains is not None:
        needles = _fold(criterion.contains, case_insensitive)
        if not any(needle in item for item in actual for needle in needles):
            return False
    return True


def matches(finding: Finding, parsed: Filter) -> bool:
    for key, criterion in parsed.items():
        extract = extractor_for(key)
        assert extract is not None, key  # parse_filter checked it
        if not criterion_matches(criterion, extract(finding), case_insensitive=key in BOOLEAN_KEYS):
            return False
    return True


# --- sorting and pagination -----------------------------------------------------------------

SORT_TIMESTAMPS: dict[str, Callable[[Finding], datetime]] = {
    "createdAt": lambda f: f.created_at,
    "updatedAt": lambda f: f.updated_at,
    "analyzedAt": lambda f: f.analyzed_at,
}
SORTABLE_SCALARS = ("resource", "resourceType", "resourceOwnerAccount", "isPublic", "findingType", "status", "error", "id")
ORDER_BY = ("ASC", "DESC")
# CHOICE: AWS does not document the default order nor the sortable attributes; we list oldest
# first (createdAt ASC), and sort by a timestamp or any single-valued filter key. Ties are broken
# by id so that pages are stable.
DEFAULT_SORT = ("createdAt", "ASC")


@dataclass(frozen=True)
class Sort:
    attribute_name: str = DEFAULT_SORT[0]
    order_by: str = DEFAULT_SORT[1]


def parse_sort(raw: Optional[Mapping[str, Any]]) -> Sort:
    if raw is None:
        return Sort()
    if not isinstance(raw, Mapping):
        raise ValidationError("sort must be an object with attributeName and orderBy")
    attribute = raw.get("attributeName", DEFAULT_SORT[0])
    order = raw.get("orderBy", DEFAULT_SORT[1])
    if attribute not in SORT_TIMESTAMPS and attribute not in SORTABLE_SCALARS:
        allowed = ", ".join([*SORT_TIMESTAMPS, *SORTABLE_SCALARS])
        raise ValidationError(f"sort.attributeName '{attribute}' is not sortable; use one of {allowed}")
    if order not in ORDER_BY:
        raise ValidationError(f"sort.orderBy '{order}' must be ASC or DESC")
    return Sort(attribute, order)


def _sort_value(finding: Finding, attribute: str) -> tuple[bool, str]:
    """A totally ordered, JSON-able key: absent values first, then by text.

    Timestamps become ISO text in UTC with a fixed width, which orders like the instants.
    """
    if attribute in SORT_TIMESTAMPS:
        moment = SORT_TIMESTAMPS[attribute](finding)
        return (True, moment.strftime("%Y-%m-%dT%H:%M:%S.%f"))
    value = FIXED_KEYS[attribute](finding)
    return (False, "") if value is None else (True, value[0])


def _position(finding: Finding, sort: Sort) -> list:
    present, text = _sort_value(finding, sort.attribute_name)
    return [present, text, finding.id]


def sort_findings(findings: Iterable[Finding], sort: Sort) -> list[Finding]:
    return sorted(findings, key=lambda f: _position(f, sort), reverse=sort.order_by == "DESC")


def query_fingerprint(scope: str, parsed: Filter, sort: Sort) -> str:
    """Ties a nextToken to the query that produced it."""
    material = canonical_json([scope, filter_to_aws(parsed), sort.attribute_name, sort.order_by])
    return hashlib.sha256(material.encode()).hexdigest()[:16]


def _encode_token(fingerprint: str, after: list) -> str:
    payload = json.dumps({"q": fingerprint, "after": after}, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode()


def _decode_token(token: str, fingerprint: str) -> list:
    try:
        payload = loads(base64.urlsafe_b64decode(token.encode()).decode())
        after = payload["after"]
        query = payload["q"]
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError):
        raise ValidationError("Invalid nextToken") from None
    if query != fingerprint or not isinstance(after, list) or len(after) != 3:
        raise ValidationError("nextToken was issued for another request (analyzer, filter or sort)")
    return after


# CHOICE: AWS documents no default page size for ListFindings(V2); botocore's paginator pages
# with whatever the service returns. We return at most this many when maxResults is not given.
DEFAULT_MAX_RESULTS = 100


@dataclass(frozen=True)
class Page:
    items: list[Finding]
    next_token: Optional[str]


def check_max_results(max_results: Optional[int]) -> int:
    """maxResults, defaulted (DEFAULT_MAX_RESULTS) and checked."""
    if max_results is None:
        return DEFAULT_MAX_RESULTS
    if isinstance(max_results, bool) or not isinstance(max_results, int) or max_results < 1:
        raise ValidationError("maxResults must be a positive integer")
    return max_results


def position(finding: Finding, sort: Sort) -> list:
    """Where ``finding`` stands in ``sort``'s order: ``[present, text, id]`` (what a nextToken names)."""
    return _position(finding, sort)


def page_token(fingerprint: str, last: Finding, sort: Sort) -> str:
    """The nextToken of a page whose last item is ``last``."""
    return _encode_token(fingerprint, _position(last, sort))


def token_position(next_token: str, fingerprint: str) -> list:
    """The ``[present, text, id]`` a nextToken names (ValidationError for a token that is not ours,
    or was issued for another query)."""
    after = _decode_token(next_token, fingerprint)
    present, text, finding_id = after
    if not isinstance(present, bool) or not isinstance(text, str) or not isinstance(finding_id, str):
        raise ValidationError("Invalid nextToken")
    return after


def paginate(
    ordered: Sequence[Finding], sort: Sort, fingerprint: str, max_results: Optional[int], next_token: Optional[str]
) -> Page:
    """Keyset pagination over findings in memory (the store pages in SQL, ``store.list_findings``):
    the token names the last item returned, so that findings added or removed between two calls
    neither repeat nor hide the others."""
    max_results = check_max_results(max_results)
    remaining = list(ordered)
    if next_token:
        after = token_position(next_token, fingerprint)
        descending = sort.order_by == "DESC"
        remaining = [f for f in remaining if (_position(f, sort) < after if descending else _position(f, sort) > after)]
    page = remaining[:max_results]
    token = page_token(fingerprint, page[-1], sort) if len(remaining) > max_results else None
    return Page(page, token)
