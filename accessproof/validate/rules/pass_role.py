"""Rules: iam:PassRole allowed too broadly (and the shared factory for the iam:CreateServiceLinkedRole family).

Both families have the same six shapes, decided per ``Allow`` statement of an identity policy:

=====================================  ==============================  ==========================
How the statement reaches the action    ``NotResource``                 a resource covering all roles
=====================================  ==============================  ==========================
named in ``Action`` (no wildcard)       ``*_WITH_NOT_RESOURCE``         ``*_WITH_STAR_IN_RESOURCE``
a wildcard in ``Action`` matches it     ``*_STAR_IN_ACTION_AND_NOT_..`` ``*_STAR_IN_ACTION_AND_RESOURCE``
``NotAction`` does not exclude it       ``*_NOT_ACTION_AND_NOT_..``     ``*_STAR_IN_RESOURCE_AND_NOT_ACTION``
=====================================  ==============================  ==========================

Choices where the AWS reference is silent (each is marked where it is made):

* Only identity policies are checked. SCPs and RCPs grant nothing (the default ``FullAWSAccess``
  SCP is ``Allow * on *`` and would always fire), and IAM roles take no resource-based policy
  other than the trust policy, so ``iam:PassRole`` in a resource policy grants nothing either.
* "Star in resource" means a ``Resource`` value that covers every role name of an account
  (``*``, ``arn:aws:iam::*:*``, ``arn:aws:iam::*:role/*``, ``arn:aws:iam::123456789012:role/*``).
  A pattern with a fixed name prefix such as ``role/Service*`` follows a service's naming
  convention and is not reported (the reference: such an ARN "might not generate a finding").
  For service-linked roles the covered set is ``role/aws-service-role/*``.
* When an action is both named explicitly and matched by a wildcard in one statement, the
  explicit shape is reported (one finding per statement and family).
* ``NotResource`` is reported unless one of its values already excludes every role.
* The location is the resource side, the part the recommendation asks to change: the
  ``NotResource`` element, or the ``Resource`` value that covers all roles.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Optional

from ...policy.wildcards import pattern_covers, wildcard_match
from ...policy import Location, Statement
from ..rule import ANCHOR_KIND as _KIND
from ..rule import IDENTITY_POLICY, SECURITY_WARNING, Context, Reports, Rule, kebab, rule

# The six shapes, in the order of the issue-code suffixes.
NOT_RESOURCE = "NOT_RESOURCE"
STAR_IN_ACTION_AND_NOT_RESOURCE = "STAR_IN_ACTION_AND_NOT_RESOURCE"
NOT_ACTION_AND_NOT_RESOURCE = "NOT_ACTION_AND_NOT_RESOURCE"
STAR_IN_RESOURCE = "STAR_IN_RESOURCE"
STAR_IN_ACTION_AND_RESOURCE = "STAR_IN_ACTION_AND_RESOURCE"
STAR_IN_RESOURCE_AND_NOT_ACTION = "STAR_IN_RESOURCE_AND_NOT_ACTION"
SHAPES = (
    NOT_RESOURCE, STAR_IN_ACTION_AND_NOT_RESOURCE, NOT_ACTION_AND_NOT_RESOURCE,
    STAR_IN_RESOURCE, STAR_IN_ACTION_AND_RESOURCE, STAR_IN_RESOURCE_AND_NOT_ACTION,
)

# How a statement reaches the action.
EXPLICIT, STAR, NOT_ACTION = "explicit", "star", "not_action"

_SHAPE = {
    (EXPLICIT, True): NOT_RESOURCE,
    (STAR, True): STAR_IN_ACTION_AND_NOT_RESOURCE,
    (NOT_ACTION, True): NOT_ACTION_AND_NOT_RESOURCE,
    (EXPLICIT, False): STAR_IN_RESOURCE,
    (STAR, False): STAR_IN_ACTION_AND_RESOURCE,
    (NOT_ACTION, False): STAR_IN_RESOURCE_AND_NOT_ACTION,
}

_HAS_WILDCARD = re.compile(r"[*?]")


@dataclass(frozen=True)
class ShapeText:
    """Title, message and anchor of one shape of a family (anchors use ``not-resource``)."""

    title: str
    message: str
    anchor: str


def reach(st: Statement, action: str) -> Optional[str]:
    """How the statement's Action/NotAction reaches ``action`` (EXPLICIT, STAR, NOT_ACTION) or None."""
    service = action.partition(":")[0].lower()
    if st.action is not None:
        explicit = star = False
        for text in st.action.strings():
            head, sep, _ = text.partition(":")
            if sep and head.lower() != service and not _HAS_WILDCARD.search(head):
                continue  # another service's action (the common case; skips the regex)
            if _HAS_WILDCARD.search(text):
                if wildcard_match(text, action, ignore_case=True):
                    star = True
            elif text.lower() == action.lower():
                explicit = True
        return EXPLICIT if explicit else STAR if star else None
    if st.not_action is not None:
        excluded = any(
            wildcard_match(t, action, ignore_case=True)
            for t in st.not_action.strings()
            if not (":" in t and t.partition(":")[0].lower() != service and not _HAS_WILDCARD.search(t.partition(":")[0]))
        )
        return None if excluded else NOT_ACTION
    return None


def covers_all_roles(value: str, role_part: str) -> bool:
    """Does a Resource pattern cover every role whose resource part matches ``role_part``?

    ``role_part`` is ``role/*`` (all roles of an account) or ``role/aws-service-role/*``.
    Any account (or ``*``) counts: ``arn:aws:iam::123456789012:role/*`` is all roles of that account.
    """
    if value == "*":
        return True
    fields = value.split(":", 5)
    if len(fields) == 6:
        arn, _partition, service, region, _account, resource = fields
        return (
            wildcard_match(arn, "arn", ignore_case=True)
            and wildcard_match(service, "iam", ignore_case=True)
            and wildcard_match(region, "")
            and pattern_covers(resource, role_part)
        )
    # Fewer fields: a wildcard has to stand for the rest of the ARN (``arn:aws:iam::*``).
    return pattern_covers(value, f"arn:aws:iam::123456789012:{role_part}", ignore_case=True)


def not_resource_excludes_all(st: Statement, role_part: str) -> bool:
    return st.not_resource is not None and any(
        covers_all_roles(t, role_part) for t in st.not_resource.strings()
    )


def has_condition_key(st: Statement, key: str) -> bool:
    key = key.lower()
    return any(e.key.lower() == key for e in st.condition_entries())


def broad_resource_findings(
    ctx: Context, action: str, role_part: str, suppress_star_resource: Callable[[Statement], bool],
) -> list[tuple[str, Location]]:
    """(shape, location) for each Allow statement that grants ``action`` too broadly."""
    out: list[tuple[str, Location]] = []
    for st in ctx.statements:
        if not st.is_allow:
            continue
        how = reach(st, action)
        if how is None:
            continue
        if st.not_resource is not None:
            if not not_resource_excludes_all(st, role_part):
                out.append((_SHAPE[(how, True)], st.not_resource.element.loc))
        elif st.resource is not None and not suppress_star_resource(st):
            for v in st.resource.values:
                if v.text is not None and covers_all_roles(v.text, role_part):
                    out.append((_SHAPE[(how, False)], v.loc))
                    break  # one finding per statement: the first value that covers all roles
    return out


def make_family(
    code_prefix: str,
    action: str,
    finding_type: str,
    texts: dict[str, ShapeText],
    role_part: str,
    suppress_star_resource: Callable[[Statement], bool] = lambda st: False,
) -> dict[str, Rule]:
    """Register the six rules of one family (``PASS_ROLE_WITH`` / ``CREATE_SLR_WITH``) for ``action``.

    The statements are classified once per policy and family; each rule picks its shape.
    """
    cache_attr = f"_broad_{code_prefix.lower()}"

    def classified(ctx: Context) -> list[tuple[str, Location]]:
        memo = ctx.memo("broad resource findings")
        found = memo.get(cache_attr)
        if found is None:
            found = memo[cache_attr] = broad_resource_findings(ctx, action, role_part, suppress_star_resource)
        return found

    rules: dict[str, Rule] = {}
    for shape in SHAPES:
        text = texts[shape]

        def check(ctx: Context, _shape: str = shape) -> Reports:
            for found_shape, loc in classified(ctx):
                if found_shape == _shape:
                    yield loc

        code = f"{code_prefix}_{shape}"
        derived = f"access-analyzer-reference-policy-checks-{_KIND[finding_type]}-{kebab(text.title)}"
        rules[code] = rule(
            code, finding_type, text.title, text.message,
            policy_types=(IDENTITY_POLICY,), anchor=None if text.anchor == derived else text.anchor,
        )(check)
    return rules


_ANCHOR = "access-analyzer-reference-policy-checks-security-warning-pass-role-with-"
_ARNS = "We recommend that you specify resource ARNs instead."
_ARNS_OR_KEY = "We recommend that you specify resource ARNs or add the iam:PassedToService condition key to your statement."

PASS_ROLE_TEXTS = {
    NOT_RESOURCE: ShapeText(
        "Pass role with NotResource",
        "Using the iam:PassRole action with NotResource can be overly permissive because it can allow "
        "iam:PassRole permissions on multiple resources. " + _ARNS,
        _ANCHOR + "not-resource",
    ),
    STAR_IN_ACTION_AND_NOT_RESOURCE: ShapeText(
        "Pass role with star in action and NotResource",
        "Using an action with a wildcard (*) and NotResource can be overly permissive because it can allow "
        "iam:PassRole permissions on multiple resources. " + _ARNS,
        _ANCHOR + "star-in-action-and-not-resource",
    ),
    NOT_ACTION_AND_NOT_RESOURCE: ShapeText(
        "Pass role with NotAction and NotResource",
        # The doubled period is in AWS's message.
        "Using NotAction with NotResource can be overly permissive because it can allow iam:PassRole "
        "permissions on multiple resources.. " + _ARNS,
        _ANCHOR + "not-action-and-not-resource",
    ),
    STAR_IN_RESOURCE: ShapeText(
        "Pass role with star in resource",
        "Using the iam:PassRole action with wildcards (*) in the resource can be overly permissive because it "
        "allows iam:PassRole permissions on multiple resources. " + _ARNS_OR_KEY,
        _ANCHOR + "star-in-resource",
    ),
    STAR_IN_ACTION_AND_RESOURCE: ShapeText(
        "Pass role with star in action and resource",
        "Using wildcards (*) in the action and the resource can be overly permissive because it allows "
        "iam:PassRole permissions on all resources. " + _ARNS_OR_KEY,
        _ANCHOR + "star-in-action-and-resource",
    ),
    STAR_IN_RESOURCE_AND_NOT_ACTION: ShapeText(
        "Pass role with star in resource and NotAction",
        "Using a resource with wildcards (*) and NotAction can be overly permissive because it allows "
        "iam:PassRole permissions on all resources. " + _ARNS_OR_KEY,
        _ANCHOR + "star-in-resource-and-not-action",
    ),
}


def _limited_to_services(st: Statement) -> bool:
    # The three star-in-resource messages offer the iam:PassedToService condition key as the
    # alternative fix, so a statement that already limits the services it passes roles to is
    # not reported for them (the NotResource messages ask for resource ARNs only).
    return has_condition_key(st, "iam:PassedToService")


PASS_ROLE_RULES = make_family(
    "PASS_ROLE_WITH", "iam:PassRole", SECURITY_WARNING, PASS_ROLE_TEXTS, "role/*",
    suppress_star_resource=_limited_to_services,
)
