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
* A statement whose condition already limits the action through one of the action's own
  condition keys (``iam:PassedToService``, ``iam:AssociatedResourceArn``;
  ``iam:AWSServiceName``) is not reported for the star-in-resource shapes, the fix their messages
  offer. Observed in the dev file: never reported with ``StringEquals``/``StringLike`` on such a
  key (dozens of AWS managed policies), reported with ``StringEqualsIfExists`` (the key may be
  absent: AWSServiceRoleForAmazonEKSNodegroup) and with a value that begins with a wildcard
  (``*a4b.amazonaws.com`` can end any service's name: AlexaForBusinessFullAccess).
* When an action is both named explicitly and matched by a wildcard in one statement, the
  explicit shape is reported (one finding per statement and family).
* ``NotResource`` is reported unless one of its values already excludes every role.
* Two locations, as in every PASS_ROLE and CREATE_SLR finding of the dev file: the entry of
  ``Action`` that grants the action (``Action`` index 14 for ``"iam:PassRole"``, ``Action`` itself
  for ``"Action": "*"``), then the ``Resource`` value that covers all roles. For the shapes AWS
  has not shown, the ``NotAction`` element stands for the action side and the ``NotResource``
  element for the resource side.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from ...catalog import pattern_covers, wildcard_match
from ...policy import Location, Statement
from ...policy.operators import Family, parse_operator
from ..rule import ANCHOR_KIND as _KIND
from ..rule import IDENTITY_POLICY, SECURITY_WARNING, Context, Report, Reports, Rule, kebab, rule

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


def reach(st: Statement, action: str) -> Optional[tuple[str, Location]]:
    """How the statement's Action/NotAction reaches ``action`` (EXPLICIT, STAR, NOT_ACTION) and
    where: the entry that names it (the first explicit one, else the first matching wildcard),
    or the NotAction element. None when the statement does not grant the action."""
    service = action.partition(":")[0].lower()
    if st.action is not None:
        explicit: Optional[Location] = None
        star: Optional[Location] = None
        for v in st.action.values:
            text = v.text
            if text is None:
                continue
            head, sep, _ = text.partition(":")
            if sep and head.lower() != service and not _HAS_WILDCARD.search(head):
                continue  # another service's action (the common case; skips the regex)
            if _HAS_WILDCARD.search(text):
                if star is None and wildcard_match(text, action, ignore_case=True):
                    star = v.loc
            elif explicit is None and text.lower() == action.lower():
                explicit = v.loc
        if explicit is not None:
            return EXPLICIT, explicit
        return (STAR, star) if star is not None else None
    if st.not_action is not None:
        excluded = any(
            wildcard_match(t, action, ignore_case=True)
            for t in st.not_action.strings()
            if not (":" in t and t.partition(":")[0].lower() != service and not _HAS_WILDCARD.search(t.partition(":")[0]))
        )
        return None if excluded else (NOT_ACTION, st.not_action.element.loc)
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


def limited_by_own_keys(ctx: Context, st: Statement, action: str) -> bool:
    """Does the statement's condition require one of ``action``'s own condition keys (from the
    catalog: ``iam:PassedToService`` and ``iam:AssociatedResourceArn`` for ``iam:PassRole``) to
    match values that each fix a name?

    Only a positive string or ARN test that needs the key counts: not ``...IfExists`` (a request
    without the key passes), not a negated operator, not ``ForAllValues`` (true when the key is
    absent), not ``Null``; and every value must begin with a literal character (``*a4b...``
    could end any name).
    """
    found = ctx.catalog.action(action)
    own = {k.lower() for k in found.condition_keys} if found else set()
    for entry in st.condition_entries():
        if entry.key.lower() not in own:
            continue
        op = parse_operator(entry.operator)
        if (op is None or op.if_exists or op.negated or op.for_all_values
                or op.family not in (Family.STRING, Family.ARN)):
            continue
        texts = [v.text for v in entry.values]
        if texts and all(t and not _HAS_WILDCARD.match(t) for t in texts):
            return True
    return False


def broad_resource_findings(
    ctx: Context, action: str, role_part: str,
) -> list[tuple[str, tuple[Location, Location]]]:
    """(shape, locations) for each Allow statement that grants ``action`` too broadly."""
    out: list[tuple[str, tuple[Location, Location]]] = []
    for st in ctx.statements:
        if not st.is_allow:
            continue
        reached = reach(st, action)
        if reached is None:
            continue
        how, where = reached
        if st.not_resource is not None:
            if not not_resource_excludes_all(st, role_part):
                out.append((_SHAPE[(how, True)], (where, st.not_resource.element.loc)))
        elif st.resource is not None and not limited_by_own_keys(ctx, st, action):
            broad = next((v for v in st.resource.values
                          if v.text is not None and covers_all_roles(v.text, role_part)), None)
            if broad is not None:
                out.append((_SHAPE[(how, False)], (where, broad.loc)))
    return out


def make_family(
    code_prefix: str,
    action: str,
    finding_type: str,
    texts: dict[str, ShapeText],
    role_part: str,
) -> dict[str, Rule]:
    """Register the six rules of one family (``PASS_ROLE_WITH`` / ``CREATE_SLR_WITH``) for ``action``.

    The statements are classified once per policy and family; each rule picks its shape.
    """
    cache_attr = f"_broad_{code_prefix.lower()}"

    def classified(ctx: Context) -> list[tuple[str, tuple[Location, Location]]]:
        memo = ctx.memo("broad resource findings")
        found = memo.get(cache_attr)
        if found is None:
            found = memo[cache_attr] = broad_resource_findings(ctx, action, role_part)
        return found

    rules: dict[str, Rule] = {}
    for shape in SHAPES:
        text = texts[shape]

        def check(ctx: Context, _shape: str = shape) -> Reports:
            for found_shape, locations in classified(ctx):
                if found_shape == _shape:
                    yield Report.at(*locations)

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


PASS_ROLE_RULES = make_family("PASS_ROLE_WITH", "iam:PassRole", SECURITY_WARNING, PASS_ROLE_TEXTS, "role/*")
