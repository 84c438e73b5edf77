"""Rules: service control policies (SCPs) and resource control policies (RCPs).

The legacy SCP codes SCP_SYNTAX_ERROR_ALLOW_CONDITION, SCP_SYNTAX_ERROR_ALLOW_NOTACTION,
SCP_SYNTAX_ERROR_ALLOW_RESOURCE and SCP_SYNTAX_ERROR_NOTRESOURCE are not on the current policy
check reference (SCPs now support the full IAM policy language), so they are not implemented.
UNSUPPORTED_PRINCIPAL is not SCP-specific (it is about identity policies; SCPs have their own
SCP_SYNTAX_ERROR_PRINCIPAL) and belongs to the principals rules.
"""

from __future__ import annotations

from typing import Iterator

from ...policy import Statement
from ...policy.model import ConditionEntry
from ...policy.wildcards import compile_wildcard, has_wildcard
from ..rule import (
    ERROR,
    RESOURCE_CONTROL_POLICY,
    SERVICE_CONTROL_POLICY,
    WARNING,
    Context,
    Report,
    Reports,
    rule,
)

# -- SCPs ------------------------------------------------------------------------------------


@rule(
    "SCP_SYNTAX_ERROR_ACTION_WILDCARD", ERROR, "SCP syntax error action wildcard",
    "SCP actions can include wildcards (*) only at the end of a string. Update {{action}}.",
    policy_types=(SERVICE_CONTROL_POLICY,),
)
def scp_syntax_error_action_wildcard(ctx: Context) -> Reports:
    # Only ``*`` is named by the reference; ``?`` is left alone.
    for st in ctx.statements:
        for values in (st.action, st.not_action):
            for v in values.values if values else ():
                text = v.text
                if text is not None and "*" in text.rstrip("*"):
                    yield Report.at(v.loc, action=text)


@rule(
    "SCP_SYNTAX_ERROR_PRINCIPAL", ERROR, "SCP syntax error principal",
    "SCPs do not support specifying principals. Remove the Principal or NotPrincipal element.",
    policy_types=(SERVICE_CONTROL_POLICY,),
)
def scp_syntax_error_principal(ctx: Context) -> Reports:
    # The whole element is to be removed: the finding points at its value.
    for st in ctx.statements:
        for p in (st.principal, st.not_principal):
            if p is not None:
                yield p.element.loc


# -- RCPs: syntax ----------------------------------------------------------------------------


def _is_all_principals(st: Statement) -> bool:
    p = st.principal
    return p is not None and p.wildcard is not None and p.wildcard.text == "*"


@rule(
    "RCP_SYNTAX_ERROR_PRINCIPAL", ERROR, "RCP syntax error principal",
    'The Principal element contents are not valid. RCPs only support specifying all principals ("*") in the '
    "Principal element. The NotPrincipal element is not supported for RCPs.",
    policy_types=(RESOURCE_CONTROL_POLICY,),
)
def rcp_syntax_error_principal(ctx: Context) -> Reports:
    # Choice: only the string "*" is "all principals"; {"AWS": "*"} is a map and is reported.
    for st in ctx.statements:
        if st.principal is not None and not _is_all_principals(st):
            yield st.principal.element.loc
        if st.not_principal is not None:
            yield st.not_principal.element.loc


@rule(
    "RCP_SYNTAX_ERROR_ALLOW", ERROR, "RCP syntax error allow",
    'RCPs only support specifying all principals ("*") in the Principal element, all resources ("*") in the '
    "Resource element, and no Condition element with an effect of Allow.",
    policy_types=(RESOURCE_CONTROL_POLICY,),
)
def rcp_syntax_error_allow(ctx: Context) -> Reports:
    # Choice: a Principal other than "*" is reported once, by RCP_SYNTAX_ERROR_PRINCIPAL (which
    # applies to every statement); this rule reports the Allow-only restrictions: each Resource
    # value other than "*", a NotResource element and a Condition element.
    for st in ctx.statements:
        if not st.is_allow:
            continue
        if st.resource is not None:
            for v in st.resource.values:
                if v.text != "*":
                    yield v.loc
        if st.not_resource is not None:
            yield st.not_resource.element.loc
        if st.condition is not None:
            yield st.condition.loc


@rule(
    "RCP_SYNTAX_ERROR_NOTACTION", ERROR, "RCP syntax error NotAction",
    "RCPs do not support the NotAction element. Update to use the Action element.",
    policy_types=(RESOURCE_CONTROL_POLICY,),
)
def rcp_syntax_error_notaction(ctx: Context) -> Reports:
    for st in ctx.statements:
        if st.not_action is not None:
            yield st.not_action.element.loc


@rule(
    "RCP_SYNTAX_ERROR_ACTION", ERROR, "RCP syntax error action",
    "RCPs only support specifying select service prefixes in the Action element. Learn more here.",
    policy_types=(RESOURCE_CONTROL_POLICY,),
)
def rcp_syntax_error_action(ctx: Context) -> Reports:
    supported = ctx.catalog.rcp_supported_services
    for st in ctx.statements:
        for v in st.action.values if st.action else ():
            text = v.text
            if text is None or text == "*":
                continue  # "*" is the RCPFullAWSAccess action
            prefix, sep, _ = text.partition(":")
            if not sep:
                continue  # not service:action at all: the actions rules report it
            prefix = prefix.lower()
            if has_wildcard(prefix):
                # Choice: a wildcard prefix is wrong when it can name a service RCPs do not support.
                matches = compile_wildcard(prefix, ignore_case=True).matches
                if any(matches(p) for p in ctx.catalog.service_prefixes - supported):
                    yield v.loc
            elif prefix not in supported:
                yield v.loc


# -- RCPs: condition keys that need a companion ------------------------------------------------
#
# RCPs apply to IAM principals and to AWS service principals alike. The three warnings ask that a
# statement using a key that only one kind of principal has also says which kind it is about, in
# the same Condition block. Choices where the reference is silent:
# * "principal keys" are the keys that describe an IAM principal and that a service principal does
#   not have: aws:PrincipalAccount, aws:PrincipalArn, aws:PrincipalOrgID, aws:PrincipalOrgPaths,
#   aws:PrincipalTag/<key>;
# * the service-principal keys are aws:SourceAccount, aws:SourceArn, aws:SourceOrgID and
#   aws:SourceOrgPaths (present only when a service acts on someone's behalf);
# * a key is "used" by any operator but Null (a Null check is itself the recommended companion);
# * the companion is satisfied by Bool or BoolIfExists on aws:PrincipalIsAWSService with the
#   recommended value, and by Null with "false" on aws:SourceAccount or aws:SourceArn.
# The finding points at the key that needs the companion.

_PRINCIPAL_KEYS = ("aws:principalaccount", "aws:principalarn", "aws:principalorgid", "aws:principalorgpaths")
_PRINCIPAL_TAG = "aws:principaltag/"
_SOURCE_KEYS = ("aws:sourceaccount", "aws:sourcearn", "aws:sourceorgid", "aws:sourceorgpaths")
_NULL_CHECK_KEYS = ("aws:sourceaccount", "aws:sourcearn")


def _used(st: Statement) -> Iterator[tuple[str, ConditionEntry]]:
    for entry in st.condition_entries():
        if entry.base_operator != "Null":
            yield entry.key.lower(), entry


def _values(entry: ConditionEntry) -> list[str]:
    out = []
    for v in entry.values:
        raw = v.node.value
        out.append(str(raw).lower() if not isinstance(raw, bool) else ("true" if raw else "false"))
    return out


def _has_principal_is_aws_service(st: Statement, wanted: str) -> bool:
    return any(
        e.key.lower() == "aws:principalisawsservice" and e.base_operator == "Bool" and e.qualifier is None
        and _values(e) == [wanted]
        for e in st.condition_entries()
    )


def _has_source_null_check(st: Statement) -> bool:
    return any(
        e.key.lower() in _NULL_CHECK_KEYS and e.base_operator == "Null" and _values(e) == ["false"]
        for e in st.condition_entries()
    )


@rule(
    "RCP_MISSING_RELATED_PRINCIPAL_CONDITION_KEY", WARNING, "RCP missing related principal condition key",
    "RCPs impact IAM roles, users, and AWS service principals. To prevent unintended impact to services "
    'acting on your behalf using a service principal, an additional statement should be added to the '
    'Condition block "BoolIfExists": { "aws:PrincipalIsAWSService": "false"} whenever a principal key '
    "{{conditionKeyName}} is used.",
    policy_types=(RESOURCE_CONTROL_POLICY,),
)
def rcp_missing_related_principal_condition_key(ctx: Context) -> Reports:
    for st in ctx.statements:
        if _has_principal_is_aws_service(st, "false"):
            continue
        for key, entry in _used(st):
            if key in _PRINCIPAL_KEYS or (key.startswith(_PRINCIPAL_TAG) and len(key) > len(_PRINCIPAL_TAG)):
                yield Report.at(entry.key_loc, conditionKeyName=entry.key)


@rule(
    "RCP_MISSING_RELATED_SERVICE_PRINCIPAL_CONDITION_KEY", WARNING,
    "RCP missing related service principal condition key",
    "RCPs impact IAM roles, users, and AWS service principals. To prevent unintended impact to your "
    'principals, an additional statement should be added to the Condition block "BoolIfExists": { '
    '"aws:PrincipalIsAWSService": "true"} whenever the key {{conditionKeyName}} is used.',
    policy_types=(RESOURCE_CONTROL_POLICY,),
)
def rcp_missing_related_service_principal_condition_key(ctx: Context) -> Reports:
    for st in ctx.statements:
        if _has_principal_is_aws_service(st, "true"):
            continue
        for key, entry in _used(st):
            if key in _SOURCE_KEYS:
                yield Report.at(entry.key_loc, conditionKeyName=entry.key)


@rule(
    "RCP_MISSING_SERVICE_CONDITION_KEY_NULL_CHECK", WARNING, "RCP missing service condition key null check",
    "The specified service may have a service integration that does not require the use of the "
    "{{conditionKeyName}} condition key. To prevent unintended impact to services acting on your behalf "
    'using a service principal, an additional statement should be added to the Condition block "Null": { '
    '"aws:SourceAccount": "false"} or "Null": { "aws:SourceArn": "false"} whenever the key '
    "{{conditionKeyName}} is used.",
    policy_types=(RESOURCE_CONTROL_POLICY,),
)
def rcp_missing_service_condition_key_null_check(ctx: Context) -> Reports:
    for st in ctx.statements:
        if _has_source_null_check(st):
            continue
        for key, entry in _used(st):
            if key in _SOURCE_KEYS:
                yield Report.at(entry.key_loc, conditionKeyName=entry.key)
