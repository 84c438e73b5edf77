"""CheckAccessNotGranted: does the policy allow any of the listed actions or resources?"""

from __future__ import annotations

import re

from ..reason import ACTION, RESOURCE as RESOURCE_DIM, Encoder, Matches, action_pattern, conj, disj, opaque_keys, resource_pattern
from ..reason.solver import accepts
from ..runtime import cycle_collection_off
from .common import (
    FAIL, PASS, CheckInputError, CheckResult, Concrete, _compile, _session, _statement_reasons, caller_grants,
    find_witness, replay, witness_dict,
)

# The API's limits (IAM Access Analyzer API Reference, "Access" data type).
MAX_ACCESS_ITEMS = 1
MAX_ACTIONS = 100
MAX_RESOURCES = 100

_ARN = re.compile(r"^arn:([^:]*):([^:]*):([^:]*):([^:]*):(.+)$", re.DOTALL)


def validate_access(access: object) -> tuple[list[str], list[str]]:
    """The actions and resources of the ``access`` argument, checked against the API's limits."""
    if not isinstance(access, list):
        raise CheckInputError("access must be a list")
    if len(access) > MAX_ACCESS_ITEMS:
        raise CheckInputError(f"access must contain at most {MAX_ACCESS_ITEMS} item")
    if not access:
        raise CheckInputError("access must contain one item with actions or resources")
    item = access[0]
    if not isinstance(item, dict) or set(item) - {"actions", "resources"}:
        raise CheckInputError("each access item is an object with 'actions' and/or 'resources'")
    actions = item.get("actions") or []
    resources = item.get("resources") or []
    if not isinstance(actions, list) or not all(isinstance(a, str) and a for a in actions):
        raise CheckInputError("access actions must be a list of non-empty strings")
    if not isinstance(resources, list) or not all(isinstance(r, str) and r for r in resources):
        raise CheckInputError("access resources must be a list of non-empty strings")
    if not actions and not resources:
        raise CheckInputError("access must list at least one action or one resource")
    if len(actions) > MAX_ACTIONS:
        raise CheckInputError(f"access may list at most {MAX_ACTIONS} actions")
    if len(resources) > MAX_RESOURCES:
        raise CheckInputError(f"access may list at most {MAX_RESOURCES} resources")
    for action in actions:
        if ":" not in action:
            raise CheckInputError(f"invalid action {action!r}: expected service:action")
    for resource in resources:
        m = _ARN.match(resource)
        if m is None:
            raise CheckInputError(f"invalid resource {resource!r}: expected an ARN")
        # "You can use wildcards in the resource ID portion of the ARN" (IAM Access Analyzer API
        # Reference, Access): the first five components must be written out.
        if any(ch in part for part in m.groups()[:4] for ch in "*?"):
            raise CheckInputError(f"invalid resource {resource!r}: wildcards are allowed only in the resource ID")
    return actions, resources


@cycle_collection_off
def check_access_not_granted(policyDocument: str, access: list, policyType: str,
                             string_semantics: bool = False) -> CheckResult:
    """``string_semantics``: any action string with any resource string, not only real requests (``common``)."""
    policy = _compile(policyDocument, "policyDocument", policyType)
    actions, resources = validate_access(access)
    encoder = Encoder(opaque_keys((policy,)))
    action_patterns = [action_pattern(a) for a in actions]
    resource_patterns = [resource_pattern(r) for r in resources]
    wanted = conj([disj(Matches(ACTION, p) for p in action_patterns) if actions else conj([]),
                   disj(Matches(RESOURCE_DIM, p) for p in resource_patterns) if resources else conj([])])
    grants = caller_grants(encoder, policy, policyType)
    session = _session([policy], [grants, wanted, encoder.allows(policy), encoder.denies(policy)], policyType, encoder,
                       string_semantics)

    def in_access(c: Concrete) -> bool:
        return ((not actions or any(accepts(p, c.action.lower()) for p in action_patterns)) and
                (not resources or any(accepts(p, c.resource) for p in resource_patterns)))

    witness = find_witness(session, conj([grants, wanted]), lambda c: in_access(c) and replay(policy, c, policyType).allowed)
    listed = ("actions and resources" if actions and resources else "actions" if actions else "resources")
    if witness is None:
        return CheckResult(PASS, f"The policy document does not grant access to perform the listed {listed}.", (), None)
    reasons = _statement_reasons(session, encoder, policy, wanted, in_access, policyType, witness,
                                 lambda i: f"One or more of the listed {listed} in the statement with index: {i}.")
    return CheckResult(FAIL, f"The policy document grants access to perform one or more of the listed {listed}.",
                       tuple(reasons), witness_dict(witness))


