"""Rules: condition key names and support, tag keys, paired and untrustworthy keys, key values.

Condition key names are case-insensitive. A key is valid when it is a global ``aws:`` key, a key
of the service named by its prefix (``s3:prefix``; placeholder keys such as
``s3:ExistingObjectTag/<key>`` match by pattern) or an identity-provider claim
(``accounts.google.com:aud``, ``saml:aud``). An unknown prefix is INVALID_SERVICE (actions module).
"""

from __future__ import annotations

import re
from typing import Iterator, Optional

from ...catalog import Action, Catalog, global_condition_key
from ...catalog.regions import region_pattern_matches
from ...catalog.service_reference import is_identity_provider_prefix, is_key_pattern, key_name_matcher
from ...policy import ConditionEntry, Statement
from ...policy.operators import Family
from ...policy.variables import has_variables
from ...policy.wildcards import Wildcard, has_wildcard, patterns_intersect
from ..operator_types import accepted_types_text, operator_type_text
from ..rule import (
    ERROR,
    RESOURCE_CONTROL_POLICY,
    RESOURCE_POLICY,
    SECURITY_WARNING,
    SERVICE_CONTROL_POLICY,
    SUGGESTION,
    WARNING,
    Context,
    Report,
    Reports,
    rule,
)

# -- helpers ------------------------------------------------------------------------------------

_TAG_STEMS = ("aws:resourcetag", "aws:requesttag", "aws:principaltag")
_GLOBAL_TAG_CANONICAL = {"aws:resourcetag": "aws:ResourceTag/", "aws:requesttag": "aws:RequestTag/",
                         "aws:principaltag": "aws:PrincipalTag/"}
_NEGATED_BASES = ("StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "ArnNotEquals", "ArnNotLike",
                  "NumericNotEquals", "DateNotEquals", "NotIpAddress")


def _is_negated(entry: ConditionEntry) -> bool:
    return entry.base_operator in _NEGATED_BASES


def _is_positive_match(entry: ConditionEntry) -> bool:
    """A non-negated operator without IfExists, other than Null."""
    return not entry.if_exists and entry.base_operator != "Null" and not _is_negated(entry)


# Caches keyed by the Action object's identity, not its name: catalogs of different dates (a
# validate_policy(catalog=...) caller) describe the same action differently. The cached entry
# keeps the Action alive, so its id is not reused.
_ACTION_KEYS: dict[int, tuple[Action, frozenset[str], tuple[Wildcard, ...]]] = {}
_SUPPORT_CACHE: dict[tuple[int, str], bool] = {}


def _action_keys(action: Action) -> tuple[frozenset[str], tuple[Wildcard, ...]]:
    """The keys an action supports (its own and its resource types'), exact and as patterns."""
    found = _ACTION_KEYS.get(id(action))
    if found is None:
        keys = action.all_condition_keys
        found = (action, keys, tuple(key_name_matcher(k) for k in keys if is_key_pattern(k)))
        _ACTION_KEYS[id(action)] = found
    return found[1], found[2]


def action_supports_key(action: Action, key: str) -> bool:
    """Does the action (or one of its resource types) list the condition key? Case-insensitive."""
    lower = key.lower()
    exact, patterns = _action_keys(action)
    ck = (id(action), lower)
    found = _SUPPORT_CACHE.get(ck)
    if found is None:
        found = lower in exact or any(p.matches(lower) for p in patterns)
        _SUPPORT_CACHE[ck] = found
    return found


def _key_services(catalog: Catalog, key: str) -> list[str]:
    """Services whose actions may list the key: its own service when the key is one of that
    service's keys; for identity-provider and SAML keys, the services that take them (sts)."""
    prefix = key.partition(":")[0].lower()
    if prefix == "aws":
        return []
    svc = catalog.service(prefix)
    if svc:
        return [prefix] if svc.condition_key(key) else []
    return catalog.condition_key_owners(prefix)


def _service_actions_for_key(catalog: Catalog, key: str) -> list[Action]:
    """Actions of the key's services (see ``_key_services``) that support the key, in the
    catalog's order of the services' actions."""
    cache = catalog.memo("actions supporting a condition key")
    lower = key.lower()
    if lower not in cache:
        cache[lower] = [a for prefix in _key_services(catalog, key) for a in _actions_with_key(catalog, prefix, lower)]
    return cache[lower]


def _actions_with_key(catalog: Catalog, prefix: str, lower: str) -> list[Action]:
    """The actions of service ``prefix`` for which ``action_supports_key(action, lower)`` holds, in
    the order of the service's actions: from an index of the service's keys, built once, instead of
    asking every action of the service for every key."""
    indexes = catalog.memo("actions by condition key")
    index = indexes.get(prefix)
    if index is None:
        exact: dict[str, list[tuple[int, Action]]] = {}
        patterned: list[tuple[int, Action, frozenset[str], tuple[Wildcard, ...]]] = []
        for position, action in enumerate(catalog.service(prefix).actions.values()):  # type: ignore[union-attr]
            keys, patterns = _action_keys(action)
            for k in keys:
                exact.setdefault(k, []).append((position, action))
            if patterns:
                patterned.append((position, action, keys, patterns))
        index = indexes[prefix] = (exact, patterned)
    exact, patterned = index
    found = list(exact.get(lower, ()))
    found += [(position, action) for position, action, keys, patterns in patterned
              if lower not in keys and any(p.matches(lower) for p in patterns)]
    return [action for _, action in sorted(found, key=lambda pair: pair[0])]


def _tag_stem(catalog: Catalog, key: str) -> Optional[str]:
    """For a tag key written without its tag (``aws:ResourceTag``, ``s3:ExistingObjectTag/``),
    the canonical stem to use (``aws:ResourceTag/``); else None."""
    lower = key.lower()
    bare = lower[:-1] if lower.endswith("/") else lower
    if bare in _TAG_STEMS:
        return _GLOBAL_TAG_CANONICAL[bare]
    prefix = lower.partition(":")[0]
    svc = catalog.service(prefix) if prefix != "aws" else None
    if not svc or svc.condition_key(key):
        return None
    for _pattern, ck in svc.key_patterns:
        m = re.match(r"(.*/)(\$\{[^}]+\}|<[^>]+>)$", ck.name)
        if m and "tag" in m.group(1).lower() and m.group(1).lower() == bare + "/":
            return m.group(1)
    return None


def _key_problem(catalog: Catalog, key: str) -> Optional[str]:
    """Which naming problem a key has: format | tag | arn | global | service | None."""
    prefix, sep, name = key.partition(":")
    if not sep or not prefix or not name:
        return "format"
    lower_prefix = prefix.lower()
    if _tag_stem(catalog, key):
        return "tag"
    if lower_prefix == "aws":
        if key.lower() == "aws:arn":
            return "arn"
        return None if global_condition_key(key) else "global"
    if catalog.has_service(lower_prefix):
        return None if catalog.condition_key(key) else "service"
    if is_identity_provider_prefix(lower_prefix):
        return None
    if catalog.is_condition_key_prefix(lower_prefix):
        # ``saml:...`` and other key owners that are not services.
        return None if catalog.condition_key(key) else "service"
    return None  # unknown prefix: INVALID_SERVICE (actions module)


def _entries(ctx: Context) -> Iterator[tuple[Statement, ConditionEntry]]:
    for st in ctx.statements:
        for entry in st.condition_entries():
            yield st, entry


def _string_values(entry: ConditionEntry):
    for v in entry.values:
        if v.text is not None:
            yield v.text, v


# -- key names ----------------------------------------------------------------------------------


@rule("INVALID_CONDITION_KEY_FORMAT", ERROR, "Invalid condition key format",
      "The condition key format is not valid. Use the format service:keyname.")
def invalid_condition_key_format(ctx: Context) -> Reports:
    for _st, entry in _entries(ctx):
        if _key_problem(ctx.catalog, entry.key) == "format":
            yield entry.key_loc


@rule("INVALID_GLOBAL_CONDITION_KEY", ERROR, "Invalid global condition key",
      "The condition key {{key}} does not exist. Use a valid condition key.")
def invalid_global_condition_key(ctx: Context) -> Reports:
    for _st, entry in _entries(ctx):
        if _key_problem(ctx.catalog, entry.key) == "global":
            yield Report.at(entry.key_loc, key=entry.key)


@rule("INVALID_SERVICE_CONDITION_KEY", ERROR, "Invalid service condition key",
      "The condition key {{key}} does not exist in the service {{service}}. Use a valid condition key.")
def invalid_service_condition_key(ctx: Context) -> Reports:
    # Today's catalog decides, deliberately: a key a service has dropped is still worth a finding
    # (AWS accepted firehose:ResourceTag/<tag> in 2021; the service defines no such key today).
    for _st, entry in _entries(ctx):
        if _key_problem(ctx.catalog, entry.key) == "service":
            yield Report.at(entry.key_loc, key=entry.key, service=entry.key.partition(":")[0])


# aws:ARN has two codes. AWS is silent on which applies when; our choice: in identity policies
# and SCPs aws:ARN can only mean the calling principal, so the WARNING's advice (use
# aws:PrincipalArn) is exact; in resource policies and RCPs it is ambiguous between the principal
# and the source resource, so the ERROR (use aws:PrincipalArn or aws:SourceArn) applies.
@rule("UNSUPPORTED_GLOBAL_CONDITION_KEY", ERROR, "Unsupported global condition key",
      "The condition key aws:ARN is not supported. Use aws:PrincipalArn or aws:SourceArn instead.",
      policy_types=(RESOURCE_POLICY, RESOURCE_CONTROL_POLICY))
def unsupported_global_condition_key(ctx: Context) -> Reports:
    for _st, entry in _entries(ctx):
        if entry.key.lower() == "aws:arn":
            yield entry.key_loc


@rule("DEPRECATED_GLOBAL_CONDITION_KEY", WARNING, "Deprecated global condition key",
      "We recommend that you update aws:ARN to use the newer condition key aws:PrincipalArn.",
      policy_types=("IDENTITY_POLICY", "SERVICE_CONTROL_POLICY"))
def deprecated_global_condition_key(ctx: Context) -> Reports:
    for _st, entry in _entries(ctx):
        if entry.key.lower() == "aws:arn":
            yield entry.key_loc


@rule("MISSING_TAG_KEY_IN_CONDITION", ERROR, "Missing tag key in condition",
      "The condition key {{conditionKeyName}} must include a tag key to control access based on tags. "
      "Use the format {{conditionKeyName}}tag-key and specify a key name for tag-key.")
def missing_tag_key_in_condition(ctx: Context) -> Reports:
    # {{conditionKeyName}} is the key's stem with its slash (``aws:ResourceTag/``) so that the
    # message's "Use the format {{conditionKeyName}}tag-key" reads as the documented format.
    for _st, entry in _entries(ctx):
        stem = _tag_stem(ctx.catalog, entry.key)
        if stem and ":" in entry.key:
            yield Report.at(entry.key_loc, conditionKeyName=stem)


# -- keys and the statement's actions ------------------------------------------------------------


def _service_key(ctx: Context, entry: ConditionEntry) -> bool:
    """A valid key of a catalog service (not aws:, not an identity-provider claim)."""
    prefix = entry.key.partition(":")[0].lower()
    if prefix == "aws" or not ctx.catalog.has_service(prefix):
        return False
    return ctx.catalog.service(prefix).condition_key(entry.key) is not None  # type: ignore[union-attr]


def _required_action(ctx: Context, st: Statement, entry: ConditionEntry) -> Optional[Action]:
    """For a key that only one action supports (``ec2:CreateAction`` → ``ec2:CreateTags``), that
    action when no Action pattern of the statement names it."""
    if not st.action or not _service_key(ctx, entry):
        return None
    supporting = _service_actions_for_key(ctx.catalog, entry.key)
    if len(supporting) != 1:
        return None
    needed = supporting[0]
    for text, _v in ctx.string_values(st.action.values):
        if any(a.full_name == needed.full_name for a in ctx.expand_action(text)):
            return None
    return needed


# AWS checks the key's service actions only when a single action can set the key; keys several
# actions support are UNSUPPORTED_ACTION_FOR_CONDITION_KEY's business. Statements with NotAction
# are not checked (the set of actions is open).
@rule("MISSING_ACTION_FOR_CONDITION_KEY", ERROR, "Missing action for condition key",
      "The {{actionName}} action must be in the action block to allow setting values for the condition key "
      "{{keyName}}. Add {{actionName}} to the action block.")
def missing_action_for_condition_key(ctx: Context) -> Reports:
    for st, entry in _entries(ctx):
        needed = _required_action(ctx, st, entry)
        if needed and st.action:
            yield Report.at(st.action.element.loc, actionName=needed.full_name, keyName=entry.key)


# Evaluated: each Action item without wildcards that names a catalog action, against each valid
# service key and each identity-provider or SAML key (global aws: keys are not per-action).
# Located on those items, then on the key's values — AWS's documented example (aws-cli
# ``validate-policy``: a Cognito role trust policy with sts:AssumeRole and sts:TagSession under
# cognito-identity.amazonaws.com:aud reports sts:TagSession at Action[1] and at the condition's value).
# Not run on identity policies: AWS's responses never report it there (0 of 1,323 AWS managed
# policy versions, 2021-2024, among them some 20 distinct statements whose named actions do not
# take the statement's service key, e.g. ec2:DescribeInstances under ec2:ResourceTag/<tag> and
# iam:GetRole under iam:PermissionsBoundary, with the service catalog of the observation date);
# its known reports are on resource policies (the trust policy above, a KMS key policy).
# Choices where AWS is silent: keys no action of their services lists (context keys such as
# ec2:SourceInstanceARN) are skipped; ...IfExists and Null operators are skipped because they are
# written for requests where the key may be absent; a key reported by
# MISSING_ACTION_FOR_CONDITION_KEY is not reported again here.
@rule("UNSUPPORTED_ACTION_FOR_CONDITION_KEY", ERROR, "Unsupported action for condition key",
      "The following actions: {{actions}} are not supported by the condition key {{key}}. The condition will "
      "not be evaluated for these actions. We recommend that you move these actions to a different statement "
      "without this condition key.",
      policy_types=(RESOURCE_POLICY, SERVICE_CONTROL_POLICY, RESOURCE_CONTROL_POLICY))
def unsupported_action_for_condition_key(ctx: Context) -> Reports:
    for st, entry in _entries(ctx):
        if not st.action or entry.if_exists or entry.base_operator == "Null":
            continue
        if not _service_actions_for_key(ctx.catalog, entry.key) or _required_action(ctx, st, entry):
            continue
        bad = []
        for text, v in ctx.string_values(st.action.values):
            if has_wildcard(text):
                continue
            found = ctx.expand_action(text)
            if len(found) == 1 and not action_supports_key(found[0], entry.key):
                bad.append((text, v))
        if bad:
            yield Report.at(*(v.loc for _t, v in bad), entry.loc,
                            actions=", ".join(t for t, _v in bad), key=entry.key)


# -- aws:ResourceTag and services that do not support it ----------------------------------------


def _resource_tag_entries(st: Statement) -> Iterator[ConditionEntry]:
    for entry in st.condition_entries():
        if entry.key.lower().startswith("aws:resourcetag/") and len(entry.key) > len("aws:resourcetag/") \
                and _is_positive_match(entry):
            yield entry


def _tag_key_applies(action: Action, key: str) -> bool:
    """Does the tag condition key apply to the action, as AWS decides it for these checks?

    An action applies the key when it lists it (itself or through a resource type), or when it takes
    tags in the request (aws:RequestTag/${TagKey}): AWS's responses never list such actions (52
    Action items of AWS managed policies, 2023-2024: ssm:CreateOpsItem, cloudfront:CreateDistribution,
    wisdom:CreateSession, ...), while every action they list takes no tag key at all in the catalog
    of the observation date.
    """
    tag = key.partition("/")[2]
    return action_supports_key(action, key) or action_supports_key(action, f"aws:RequestTag/{tag}")


def _unsupported_tag_services(ctx: Context, st: Statement, key: str):
    """(service prefixes, action items) whose actions ignore the tag key.

    A listed action must support the key; for an item with wildcards the service is listed only when
    none of the actions it names supports the key (some services support aws:ResourceTag for a
    subset of their actions). Items with a wildcard in the service prefix (``*``, ``*:Get*``) are
    not evaluated: they name every service.
    """
    services: list[str] = []
    locs = []
    for text, v in ctx.string_values(st.action.values if st.action else ()):
        prefix = text.partition(":")[0]
        if has_wildcard(prefix) or ":" not in text:
            continue
        found = ctx.expand_action(text)
        if not found:
            continue
        if has_wildcard(text):
            unsupported = not any(_tag_key_applies(a, key) for a in found)
        else:
            unsupported = not _tag_key_applies(found[0], key)
        if unsupported:
            locs.append(v.loc)
            svc = found[0].service
            if svc not in services:
                services.append(svc)
    return services, locs


def _tag_rule(ctx: Context, deny: bool) -> Reports:
    # Located on the unsupported action items, then on the condition key (AWS's responses).
    for st in ctx.statements:
        if (st.is_deny if deny else st.is_allow) and st.action:
            for entry in _resource_tag_entries(st):
                services, locs = _unsupported_tag_services(ctx, st, entry.key)
                if services:
                    yield Report.at(*locs, entry.key_loc, conditionKeyName=entry.key, serviceNames=", ".join(services))


def _tag_notaction_rule(ctx: Context, deny: bool) -> Reports:
    for st in ctx.statements:
        if (st.is_deny if deny else st.is_allow) and st.not_action and not st.action:
            for entry in _resource_tag_entries(st):
                yield Report.at(st.not_action.element.loc, conditionKeyName=entry.key)


# Only aws:ResourceTag/<key> with a non-negated operator without IfExists: the doc explains that
# IfExists and Not operators change the outcome (always deny / always allow), not the support.
@rule("DENY_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE", SECURITY_WARNING,
      "Deny with unsupported tag condition key for service",
      "Using the effect Deny with the tag condition key {{conditionKeyName}} and actions for services with the "
      "following prefixes can be overly permissive: {{serviceNames}}. Actions for the listed services are not "
      "denied by this statement. We recommend that you move these actions to a different statement without "
      "this condition key.")
def deny_with_unsupported_tag(ctx: Context) -> Reports:
    yield from _tag_rule(ctx, deny=True)


@rule("DENY_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE", SECURITY_WARNING,
      "Deny NotAction with unsupported tag condition key for service",
      "Using the effect Deny with NotAction and the tag condition key {{conditionKeyName}} can be overly "
      "permissive because some service actions are not denied by this statement. This is because the condition "
      "key doesn't apply to some service actions. We recommend that you use Action instead of NotAction.")
def deny_notaction_with_unsupported_tag(ctx: Context) -> Reports:
    yield from _tag_notaction_rule(ctx, deny=True)


# AWS's responses word this finding differently from the reference page ("the condition key", "The
# actions for the listed service"; 9 findings in AWS managed policies, 2023-10 to 2024-12); the
# API's wording is the one returned.
@rule("ALLOW_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE", SUGGESTION,
      "Allow with unsupported tag condition key for service",
      "Using the effect Allow with the condition key {{conditionKeyName}} and actions for services with the "
      "following prefixes does not affect the policy: {{serviceNames}}. The actions for the listed service are not "
      "allowed by this statement. We recommend that you move these actions to a different statement without "
      "this condition key.")
def allow_with_unsupported_tag(ctx: Context) -> Reports:
    yield from _tag_rule(ctx, deny=False)


@rule("ALLOW_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE", SUGGESTION,
      "Allow NotAction with unsupported tag condition key for service",
      "Using the effect Allow with NotAction and the tag condition key {{conditionKeyName}} allows only service "
      "actions that support the condition key. The condition key doesn't apply to some service actions. We "
      "recommend that you use Action instead of NotAction.")
def allow_notaction_with_unsupported_tag(ctx: Context) -> Reports:
    yield from _tag_notaction_rule(ctx, deny=False)


# -- values of particular keys ------------------------------------------------------------------

_VPC_RE = re.compile(r"vpc-(?:[a-zA-Z0-9]{8}|[a-zA-Z0-9]{17})")
_VPCE_RE = re.compile(r"vpce-(?:[a-zA-Z0-9]{8}|[a-zA-Z0-9]{17})")
_KMS_KEY_ARN = "arn:*:kms:*:*:key/*"


def _literal_values(entry: ConditionEntry):
    """String values without wildcards or policy variables (those are checked as patterns elsewhere)."""
    if entry.base_operator == "Null":
        return
    for text, v in _string_values(entry):
        if not has_wildcard(text) and not has_variables(text):
            yield text, v


@rule("INVALID_REGION", ERROR, "Invalid Region",
      "The Region {{region}} is not valid. Update the condition value to a supported Region.")
def invalid_region(ctx: Context) -> Reports:
    # Values of aws:RequestedRegion; a value with wildcards is accepted when it matches a Region.
    for _st, entry in _entries(ctx):
        if entry.key.lower() != "aws:requestedregion" or entry.base_operator == "Null":
            continue
        for text, v in _string_values(entry):
            if not has_variables(text) and not region_pattern_matches(text):
                yield Report.at(v.loc, region=text)


@rule("INVALID_VPC_FORMAT", ERROR, "Invalid vpc format",
      "The VPC identifier in the condition key value is not valid. Use the prefix 'vpc-' followed by 8 or 17 "
      "alphanumeric characters.")
def invalid_vpc_format(ctx: Context) -> Reports:
    for _st, entry in _entries(ctx):
        if entry.key.lower() == "aws:sourcevpc":
            for text, v in _literal_values(entry):
                if not _VPC_RE.fullmatch(text):
                    yield v.loc


@rule("INVALID_VPCE_FORMAT", ERROR, "Invalid vpce format",
      "The VPCE identifier in the condition key value is not valid.  Use the prefix 'vpce-' followed by 8 or 17 "
      "alphanumeric characters.")
def invalid_vpce_format(ctx: Context) -> Reports:
    for _st, entry in _entries(ctx):
        if entry.key.lower() == "aws:sourcevpce":
            for text, v in _literal_values(entry):
                if not _VPCE_RE.fullmatch(text):
                    yield v.loc


def _is_kms_key_arn_key(ctx: Context, key: str) -> bool:
    """Service keys of type ARN whose name says they hold a KMS key
    (``s3:x-amz-server-side-encryption-aws-kms-key-id``, ``sagemaker:VolumeKmsKey``)."""
    lower = key.lower()
    if "kms" not in lower.partition(":")[2] or "key" not in lower.partition(":")[2].replace("kms", "", 1):
        return False
    ck = ctx.catalog.condition_key(key)
    return bool(ck and ck.scalar_type == "ARN" and not lower.startswith("kms:"))


@rule("INVALID_KMS_KEY_VALUE", ERROR, "Invalid kms key value",
      "The {{key}} condition key value must be a valid KMS key ARN.")
def invalid_kms_key_value(ctx: Context) -> Reports:
    # A value with wildcards is accepted when it can match a key ARN (arn:*:kms:*:*:key/*).
    for _st, entry in _entries(ctx):
        if entry.base_operator == "Null" or not _is_kms_key_arn_key(ctx, entry.key):
            continue
        for text, v in _string_values(entry):
            if has_variables(text):
                continue
            if not patterns_intersect(_KMS_KEY_ARN, text) or not text.startswith("arn:"):
                yield Report.at(v.loc, key=entry.key)


# -- recommendations ----------------------------------------------------------------------------

# Documented pair: aws:VpcSourceIp with aws:SourceVpc. Also aws:Ec2InstanceSourcePrivateIPv4,
# which the IAM User Guide says to use with aws:Ec2InstanceSourceVpc. Checked in Allow statements
# only (the warning is about being overly permissive).
PAIRED_KEYS = {
    "aws:vpcsourceip": ("aws:SourceVpc",),
    "aws:ec2instancesourceprivateipv4": ("aws:Ec2InstanceSourceVpc",),
}


@rule("MISSING_PAIRED_CONDITION_KEYS", SECURITY_WARNING, "Missing paired condition keys",
      "Using the condition key {{conditionKeyName}} can be overly permissive without also using the following "
      "condition keys: {{recommendedKeys}}. Condition keys like this one are more secure when paired with a "
      "related key. We recommend that you add the related condition keys to the same condition block.")
def missing_paired_condition_keys(ctx: Context) -> Reports:
    for st in ctx.statements:
        if not st.is_allow:
            continue
        present = {e.key.lower() for e in st.condition_entries()}
        for entry in st.condition_entries():
            wanted = PAIRED_KEYS.get(entry.key.lower())
            if wanted:
                missing = [k for k in wanted if k.lower() not in present]
                if missing:
                    yield Report.at(entry.key_loc, conditionKeyName=entry.key, recommendedKeys=", ".join(missing))


# Keys whose value the caller sets in the request (HTTP headers).
UNTRUSTWORTHY_KEYS = frozenset({"aws:useragent", "aws:referer"})


@rule("UNTRUSTWORTHY_CONDITION_KEY", SECURITY_WARNING, "Untrustworthy condition key",
      "The {{key}} condition key is not recommended for access control as it can be spoofed/manipulated by the "
      "caller.")
def untrustworthy_condition_key(ctx: Context) -> Reports:
    for _st, entry in _entries(ctx):
        if entry.key.lower() in UNTRUSTWORTHY_KEYS:
            yield Report.at(entry.key_loc, key=entry.key)


_STRING_LIKE_OPERATORS = frozenset({"StringLike", "StringNotLike"})


@rule("STRING_LIKE_OPERATOR_WITH_ARN_CONDITION_KEYS", SECURITY_WARNING, "String like operator with ARN condition keys",
      "Use the operator type {{allowed}} instead of operator {{operator}} for the condition key {{key}}.")
def string_like_operator_with_arn_keys(ctx: Context) -> Reports:
    # StringLike and StringNotLike (any qualifier, with or without IfExists) on a key of type ARN.
    # AWS's message names types, not operators: "Use the operator type ARN instead of operator
    # string for the condition key ec2:CapacityReservationFleet." (validate/operator_types.py).
    # StringEquals on an ARN key is not reported (AWS's responses, 2024-12). AWS's responses carry
    # this check from 2024-11-22 on; earlier responses to the same statements do not.
    for _st, entry in _entries(ctx):
        if entry.base_operator not in _STRING_LIKE_OPERATORS:
            continue
        ck = ctx.catalog.condition_key(entry.key)
        if ck and ck.scalar_type == "ARN":
            yield Report.at(entry.key_loc, allowed=accepted_types_text(entry.key, ck),
                            operator=operator_type_text(Family.STRING), key=entry.key)


def _selects_specific_attributes(st: Statement) -> bool:
    for e in st.condition_entries():
        if e.key.lower() == "dynamodb:select" and e.base_operator == "StringEquals":
            if any(t == "SPECIFIC_ATTRIBUTES" for t, _v in _string_values(e)):
                return True
    return False


@rule("DYNAMODB_ATTRIBUTES_WITHOUT_SELECT", SECURITY_WARNING, "DynamoDB attributes without select",
      "Restricting dynamodb:Attributes without also setting dynamodb:Select to SPECIFIC_ATTRIBUTES allows all "
      "attributes to be returned on read requests that omit a projection expression. We recommend that you also "
      "set dynamodb:Select to SPECIFIC_ATTRIBUTES.")
def dynamodb_attributes_without_select(ctx: Context) -> Reports:
    # Allow statements only: a Deny on dynamodb:Attributes does not grant whole items.
    for st in ctx.statements:
        if not st.is_allow or _selects_specific_attributes(st):
            continue
        for entry in st.condition_entries():
            if entry.key.lower() == "dynamodb:attributes" and entry.base_operator != "Null":
                yield entry.key_loc


@rule("S3_PREFIX_IN_NEGATIVE_CONTEXT", SECURITY_WARNING, "S3 prefix in negative context",
      "Using the s3:prefix condition key in a Deny statement or with a negated string operator does not block "
      "listing the objects under the matching prefixes. A request that specifies a shorter prefix does not match "
      "the condition and can still list those objects. To restrict listing to specific prefixes, use s3:prefix "
      "with StringLike in an Allow statement, or use a Deny statement with StringNotLike.")
def s3_prefix_in_negative_context(ctx: Context) -> Reports:
    # Reported: Deny with a non-negated operator, Allow with a negated one (the doc's two bad patterns).
    for st in ctx.statements:
        for entry in st.condition_entries():
            if entry.key.lower() != "s3:prefix" or entry.base_operator == "Null":
                continue
            negated = _is_negated(entry)
            if (st.is_deny and not negated) or (st.is_allow and negated):
                yield entry.key_loc


# Irrelevant in S3 resource policies: s3:ResourceAccount (the doc's example; the resource's own
# account is implied by the resource the policy is attached to).
IRRELEVANT_KEYS = {
    "s3:resourceaccount": ("AWS::S3::Bucket", "AWS::S3::AccessPoint", "AWS::S3::MultiRegionAccessPoint",
                           "AWS::S3ObjectLambda::AccessPoint"),
}


@rule("IRRELEVANT_CONDITION_KEY_IN_POLICY", SUGGESTION, "Irrelevant condition key in policy",
      "The condition key {{condition-key}} is not relevant for the {{resource-type}} policy.  Use this key in an "
      "identity-based policy to govern access to this resource.",
      policy_types=(RESOURCE_POLICY,))
def irrelevant_condition_key_in_policy(ctx: Context) -> Reports:
    if not ctx.resource_type:
        return
    for _st, entry in _entries(ctx):
        types = IRRELEVANT_KEYS.get(entry.key.lower(), ())
        if ctx.resource_type in types:
            yield Report.at(entry.key_loc, **{"condition-key": entry.key, "resource-type": ctx.resource_type})


VPCE_KEYS = frozenset({"aws:vpceaccount", "aws:vpceorgid", "aws:vpceorgpaths"})


@rule("USE_CONDITION_KEY_ONLY_WITH_SUPPORTED_SERVICES", WARNING, "Use condition key only with supported services",
      "The condition key {{key}} works only with specific AWS services and must be scoped to supported services in "
      "your policies.")
def use_condition_key_only_with_supported_services(ctx: Context) -> Reports:
    # The catalog does not say which services support aws:VpceAccount/VpceOrgID/VpceOrgPaths, so we
    # report the statements that are not scoped to named services: NotAction, or an Action item
    # with a wildcard in the service prefix (``*``, ``*:Get*``).
    for st in ctx.statements:
        entries = [e for e in st.condition_entries() if e.key.lower() in VPCE_KEYS]
        if not entries:
            continue
        unscoped = bool(st.not_action) or any(
            has_wildcard(t.partition(":")[0]) for t, _v in ctx.string_values(st.action.values if st.action else ())
        )
        if not unscoped:
            continue
        for entry in entries:
            if entry.key.lower() in VPCE_KEYS:
                yield Report.at(entry.key_loc, key=entry.key)
