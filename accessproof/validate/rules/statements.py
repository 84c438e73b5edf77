"""Rules: redundant statements, and what a resource-based policy of a given resource type
(``validatePolicyResourceType``) may name in Action and Resource."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Optional

from ...policy import Statement
from ...policy.wildcards import has_wildcard
from ..rule import ERROR, RESOURCE_POLICY, ROLE_TRUST_POLICY, SUGGESTION, Context, Report, Reports, rule
from .resources import as_pattern, intersects, split_arn


@dataclass(frozen=True)
class ResourcePolicyShape:
    """What the policy attached to one resource type can grant.

    ``actions``: wildcard patterns (case-insensitive) of the actions the resource's policy can
    grant; ``arns``: wildcard patterns of the resource ARNs its Resource element can name (None:
    the policy takes no Resource element, reported elsewhere).
    """

    actions: tuple[str, ...]
    arns: Optional[tuple[str, ...]]


# Sources: Amazon S3 User Guide ("Bucket policies", "Configuring IAM policies for using access
# points", "Multi-Region Access Point permissions", "Object Lambda access point policies"), the
# IAM User Guide ("Role trust policies"; the actions of sts that a trust policy grants) and the
# DynamoDB Developer Guide ("Resource-based policies for DynamoDB": a table's policy covers the
# table, its indexes and its stream). Placeholders of the ARN formats are written as "*".
RESOURCE_POLICY_SHAPES: dict[str, ResourcePolicyShape] = {
    "AWS::S3::Bucket": ResourcePolicyShape(
        ("s3:*",),
        ("arn:*:s3:::*",),  # the bucket and its objects: arn:aws:s3:::bucket[/key]
    ),
    "AWS::S3::AccessPoint": ResourcePolicyShape(
        ("s3:*",),
        ("arn:*:s3:*:*:accesspoint/*",),  # the access point and accesspoint/<name>/object/<key>
    ),
    "AWS::S3::MultiRegionAccessPoint": ResourcePolicyShape(
        ("s3:*",),
        ("arn:*:s3::*:accesspoint/*",),  # no Region: arn:aws:s3::<account>:accesspoint/<alias>[/object/<key>]
    ),
    "AWS::S3ObjectLambda::AccessPoint": ResourcePolicyShape(
        ("s3-object-lambda:*",),
        ("arn:*:s3-object-lambda:*:*:accesspoint/*",),
    ),
    ROLE_TRUST_POLICY: ResourcePolicyShape(
        (
            "sts:AssumeRole", "sts:AssumeRoleWithSAML", "sts:AssumeRoleWithWebIdentity",
            "sts:TagSession", "sts:SetSourceIdentity", "sts:SetContext",
        ),
        None,  # a trust policy has no Resource (ROLE_TRUST_POLICY_SYNTAX_ERROR_RESOURCE)
    ),
    "AWS::DynamoDB::Table": ResourcePolicyShape(
        ("dynamodb:*",),
        ("arn:*:dynamodb:*:*:table/*",),  # table/<name>, table/<name>/index/*, table/<name>/stream/*
    ),
}


def _shape(ctx: Context) -> Optional[ResourcePolicyShape]:
    return RESOURCE_POLICY_SHAPES.get(ctx.resource_type) if ctx.resource_type else None


@rule(
    "UNSUPPORTED_ACTION_IN_POLICY", ERROR, "Unsupported action in policy",
    "The action {{action}} is not supported for the resource-based policy attached to the resource "
    "type {{resourceType}}.",
    policy_types=(RESOURCE_POLICY,),
)
def unsupported_action_in_policy(ctx: Context) -> Reports:
    # Only the Action element: AWS describes the check for it, and a NotAction entry that names
    # another service's actions excludes nothing that the policy could grant anyway. An entry is
    # supported when it can match at least one supported action ("*" and "s3:Get*" can).
    shape = _shape(ctx)
    if shape is None:
        return
    for st in ctx.statements:
        for text, v in Context.string_values(st.action.values if st.action else ()):
            if not any(intersects(text.lower(), ok.lower()) for ok in shape.actions):
                yield Report.at(v.loc, action=text, resourceType=ctx.resource_type)


@rule(
    "UNSUPPORTED_RESOURCE_ARN_IN_POLICY", ERROR, "Unsupported resource ARN in policy",
    "The resource ARN is not supported for the resource-based policy attached to the resource type "
    "{{resourceType}}.",
    policy_types=(RESOURCE_POLICY,),
)
def unsupported_resource_arn_in_policy(ctx: Context) -> Reports:
    # Only the Resource element (as AWS describes it). A value with wildcards or policy variables
    # is supported when some ARN it stands for has a supported shape, so "*" never fires.
    shape = _shape(ctx)
    if shape is None or shape.arns is None:
        return
    for st in ctx.statements:
        for text, v in Context.string_values(st.resource.values if st.resource else ()):
            if not any(_arn_may_match(text, ok) for ok in shape.arns):
                yield Report.at(v.loc, resourceType=ctx.resource_type)


def _arn_may_match(text: str, shape: str) -> bool:
    """Can some ARN the value stands for have the shape? Compared field by field, so that a
    wildcard in one field is not taken to span the colons of the next ones."""
    if text == "*":
        return True
    arn = split_arn(text)
    fields = format_fields_of(shape)
    if not arn.complete:
        # "arn:aws:s3:*": a trailing wildcard may stand for the remaining fields.
        n = len(arn.fields)
        if not has_wildcard(arn.fields[-1]):
            return False
        return all(intersects(as_pattern(a), b) for a, b in zip(arn.fields[:n - 1], fields)) and \
            intersects(as_pattern(arn.fields[-1]), ":".join(fields[n - 1:]))
    return all(intersects(as_pattern(a), b) for a, b in zip(arn.fields, fields))


def format_fields_of(shape: str) -> tuple[str, ...]:
    return tuple(shape.split(":", 5))


# -- redundant statements ------------------------------------------------------------------------

def _canonical(value):
    """A JSON value with list order and duplicates ignored (policy lists are sets)."""
    if isinstance(value, dict):
        return tuple(sorted((k, _canonical(v)) for k, v in value.items()))
    if isinstance(value, list):
        return ("[]", tuple(sorted({json.dumps(_canonical(v)) for v in value})))
    return ("=", json.dumps(value))


def _as_list(value):
    return value if isinstance(value, list) else [value]


def statement_key(st: Statement) -> Optional[tuple]:
    """What a statement grants or denies, independent of Sid, list order and repeated entries.

    Action names compare case-insensitively; a single value and a one-item list are the same.
    """
    if st.effect_text is None:
        return None
    parts: list = [st.effect_text]
    for e in sorted(st.elements, key=lambda e: e.name):
        if e.name == "Sid":
            continue
        value = e.node.to_python()
        if e.name in ("Action", "NotAction"):
            value = [a.lower() if isinstance(a, str) else a for a in _as_list(value)]
        elif e.name in ("Resource", "NotResource"):
            value = _as_list(value)
        elif e.name in ("Principal", "NotPrincipal") and isinstance(value, dict):
            value = {k: _as_list(v) for k, v in value.items()}
        elif e.name == "Condition" and isinstance(value, dict):
            value = {op: ({k: _as_list(v) for k, v in block.items()} if isinstance(block, dict) else block)
                     for op, block in value.items()}
        parts.append((e.name, _canonical(value)))
    return tuple(parts)


@rule(
    "REDUNDANT_STATEMENT", SUGGESTION, "Redundant statement",
    "The statements are redundant because they provide identical permissions. Update the policy to "
    "remove the redundant statement.",
)
def redundant_statement(ctx: Context) -> Reports:
    # Reported at each statement that repeats an earlier one (the earlier one is kept). Only
    # statements with the same elements and values are "identical"; a statement whose permissions
    # another one merely includes is not reported (AWS: "the same statement more than once").
    # A cheap key (effect, element names, action entries) first; the full comparison runs only
    # for statements that share it.
    rough: dict[tuple, list[Statement]] = {}
    for st in ctx.statements:
        if st.effect_text is None:
            continue
        k = (st.effect_text, tuple(sorted(e.name for e in st.elements if e.name != "Sid")),
             frozenset(a.lower() for a in st.action_patterns()))
        rough.setdefault(k, []).append(st)
    redundant = []
    for group in rough.values():
        if len(group) < 2:
            continue
        seen: set[tuple] = set()
        for st in group:
            key = statement_key(st)
            if key is None:
                continue
            if key in seen:
                redundant.append(st)
            else:
                seen.add(key)
    for st in sorted(redundant, key=lambda s: s.loc.start):
        yield st.loc
