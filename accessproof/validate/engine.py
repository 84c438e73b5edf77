"""ValidatePolicy: run every registered rule over one policy document."""

from __future__ import annotations

from typing import Optional

from ..catalog import Catalog, default_catalog
from ..policy import JsonSyntaxError, TextIndex, parse_policy
from ..policy.model import location_dict
from ..runtime import without_cycle_collection
from ..untrusted import JsonLimitError
from . import rules as _rules  # noqa: F401  (importing the package registers every rule)
from .rule import (  # noqa: F401  (REGISTRY: the rules, for whoever imports the engine)
    POLICY_TYPES, REGISTRY, RESOURCE_POLICY, VALIDATE_RESOURCE_TYPES, Context, Finding, rules_for,
)
from .rules.size import REFUSED_POLICY_MESSAGE, is_refused
from .rules.syntax import json_syntax_error


class InvalidRequest(ValueError):
    """The request itself is wrong (AWS answers these with a ValidationException)."""


def validate_policy(
    policy_document: str,
    policy_type: str,
    validate_policy_resource_type: Optional[str] = None,
    catalog: Optional[Catalog] = None,
) -> tuple[list[Finding], Optional[TextIndex]]:
    """All findings for one policy, ordered by position; plus the text index for spans."""
    if policy_type not in POLICY_TYPES:
        raise InvalidRequest(
            f"Invalid policyType {policy_type!r}: expected one of {', '.join(POLICY_TYPES)}"
        )
    if validate_policy_resource_type is not None:
        if validate_policy_resource_type not in VALIDATE_RESOURCE_TYPES:
            raise InvalidRequest(
                f"Invalid validatePolicyResourceType {validate_policy_resource_type!r}: expected one of "
                + ", ".join(VALIDATE_RESOURCE_TYPES)
            )
        if policy_type != RESOURCE_POLICY:
            raise InvalidRequest("validatePolicyResourceType is only supported with policyType RESOURCE_POLICY")
    if is_refused(policy_document):
        raise InvalidRequest(REFUSED_POLICY_MESSAGE)
    # The parse tree is freed when ``_run_rules`` returns, before collection is enabled again.
    with without_cycle_collection():
        return _run_rules(policy_document, policy_type, validate_policy_resource_type, catalog or default_catalog())


def _run_rules(
    text: str, policy_type: str, resource_type: Optional[str], catalog: Catalog
) -> tuple[list[Finding], TextIndex]:
    try:
        policy = parse_policy(text)
    except JsonLimitError as e:
        # Past accessproof's resource limits, not a property of the policy: the request is refused,
        # as an oversized document is.
        line, column = TextIndex(text).line_col(e.offset)
        raise InvalidRequest(f"policyDocument: {e.message} (line {line}, column {column + 1})") from None
    except JsonSyntaxError as e:
        return [json_syntax_error(text, e)], TextIndex(text)
    ctx = Context(policy, policy_type, resource_type, catalog)
    findings: list[Finding] = []
    for rule in rules_for(policy_type):  # ``Rule.run`` for each, without a generator around each check
        for found in rule.check(ctx):
            findings.append(rule.finding(found))
    findings.sort(key=Finding.sort_key)
    return findings, policy.index


def finding_dict(finding: Finding, index: TextIndex) -> dict:
    """A finding in ValidatePolicy's response shape."""
    return {
        "findingDetails": finding.details,
        "findingType": finding.finding_type,
        "issueCode": finding.issue_code,
        "learnMoreLink": finding.learn_more_link,
        "locations": [location_dict(loc, index) for loc in finding.locations],
    }
