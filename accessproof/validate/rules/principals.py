"""Rules: the Principal and NotPrincipal elements — shape, keys, values, service principals.

Scope (choices where the policy check reference is silent):

- Identity policies report a Principal/NotPrincipal once, as UNSUPPORTED_PRINCIPAL; SCPs and RCPs
  have their own principal codes (organizations rules). The value checks below therefore run on
  resource policies only (role trust policies included).
- A Federated principal is only reported as FEDERATED_PRINCIPAL_NOT_SUPPORTED when the caller
  named a resource type other than a role trust policy: a plain RESOURCE_POLICY may be a trust
  policy (AWS's aws-cli example validates a Cognito trust policy as RESOURCE_POLICY and gets
  only EMPTY_SID_VALUE).
"""

from __future__ import annotations

import re
from typing import Iterator

from ...policy import Statement, Value
from ...policy.jsontext import STRING
from ..rule import (
    ERROR,
    IDENTITY_POLICY,
    RESOURCE_POLICY,
    ROLE_TRUST_POLICY,
    SECURITY_WARNING,
    SUGGESTION,
    WARNING,
    Context,
    Report,
    Reports,
    rule,
)

PRINCIPAL_KEYS = ("AWS", "CanonicalUser", "Federated", "Service")

_PARTITION = r"aws(?:-cn|-us-gov|-iso(?:-[a-z])?|-eusc)?"
# IAM principals that a policy may name (IAM User Guide, "AWS JSON policy elements: Principal").
# ``iam::cloudfront:user/CloudFront Origin Access Identity ...`` is the legacy CloudFront OAI form.
_AWS_PRINCIPAL_ARN = re.compile(
    rf"arn:{_PARTITION}:iam::(?:\d{{12}}|cloudfront):(?:root|user/.+|role/.+)"
    rf"|arn:{_PARTITION}:(?:sts|iam)::\d{{12}}:(?:assumed-role/[^/]+/.+|federated-user/.+)"
)
_ACCOUNT_ID = re.compile(r"\d{12}")
_CANONICAL_USER = re.compile(r"[0-9a-fA-F]{64}")
# IAM unique IDs (IAM User Guide, "IAM identifiers": unique ID prefixes AROA = role, AIDA = user).
_ROLE_ID = re.compile(r"AROA[A-Z0-9]{12,}")
_USER_ID = re.compile(r"AIDA[A-Z0-9]{12,}")
# ``<service-name>.amazonaws.com`` in lowercase; regional (``logs.us-east-1.amazonaws.com``) and
# multi-label (``ops.apigateway.amazonaws.com``) names, the China partition suffix
# (``ec2.amazonaws.com.cn``) and the few ``*.amazon.com`` principals (``alexa-appkit.amazon.com``)
# are valid too.
_LABEL = r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
SERVICE_PRINCIPAL = re.compile(rf"{_LABEL}(?:\.{_LABEL})*\.(?:amazonaws\.com(?:\.cn)?|amazon\.com)")
_REGIONAL_SERVICE_PRINCIPAL = re.compile(
    rf"{_LABEL}(?:\.{_LABEL})*\.[a-z]{{2}}(?:-[a-z]+)+-\d+\.amazonaws\.com(?:\.cn)?"
)
SERVICE_FORMAT = "{service-name}.amazonaws.com"
REGIONAL_SERVICE_FORMAT = "{service-name.AWS_region}.amazonaws.com"

# Condition keys whose values are service principals, and the format each expects.
_SERVICE_PRINCIPAL_KEYS = {
    "aws:principalservicename": (SERVICE_PRINCIPAL, SERVICE_FORMAT),
    "aws:principalservicenameslist": (SERVICE_PRINCIPAL, SERVICE_FORMAT),
    "aws:calledvia": (SERVICE_PRINCIPAL, SERVICE_FORMAT),
    "aws:calledviafirst": (SERVICE_PRINCIPAL, SERVICE_FORMAT),
    "aws:calledvialast": (SERVICE_PRINCIPAL, SERVICE_FORMAT),
    "iam:passedtoservice": (SERVICE_PRINCIPAL, SERVICE_FORMAT),
    "kms:viaservice": (_REGIONAL_SERVICE_PRINCIPAL, REGIONAL_SERVICE_FORMAT),
}

# The keys that tie a service principal to a source (the check reference, "Restrict access to
# service principal").
SOURCE_KEYS = frozenset({"aws:sourcearn", "aws:sourceaccount", "aws:sourceorgid", "aws:sourceorgpaths"})
# Keys that describe the calling client rather than the resource the service acts for; used with a
# service principal instead of a source key (the reference's example: aws:Referer).
_NOT_RECOMMENDED_KEYS = frozenset({"aws:referer", "aws:sourceip", "aws:sourcevpc", "aws:sourcevpce", "aws:useragent"})
# Keys that describe an IAM principal and are absent from a service principal's request context
# (IAM User Guide, global condition keys, "Availability"; the reference's example: aws:PrincipalOrgID).
_PRINCIPAL_ONLY_KEYS = frozenset({
    "aws:principalorgid", "aws:principalorgpaths", "aws:principalaccount", "aws:principalarn", "aws:username",
})


def has_wildcard(text: str) -> bool:
    return "*" in text or "?" in text


def has_variable(text: str) -> bool:
    return "${" in text


def _principals(st: Statement):
    return tuple(p for p in (st.principal, st.not_principal) if p is not None)


def is_trust_statement(st: Statement) -> bool:
    """A statement that only names ``sts:`` actions reads as a role trust statement."""
    actions = st.action_patterns()
    return bool(actions) and all(a.lower().startswith("sts:") for a in actions)


def service_values(st: Statement) -> list[tuple[str, Value]]:
    """The Service principal values (strings) of a statement's Principal element."""
    if st.principal is None:
        return []
    return [(v.text, v) for v in st.principal.values("Service") if v.text is not None]


def only_service_principals(st: Statement) -> bool:
    """The Principal element names service principals and nothing else."""
    p = st.principal
    if p is None or not p.is_map or not p.entries:
        return False
    return all(e.kind == "Service" for e in p.entries) and bool(service_values(st))


def statement_keys(st: Statement) -> set[str]:
    return {e.key.lower() for e in st.condition_entries()}


# -- element shape ----------------------------------------------------------------------------


@rule(
    "UNSUPPORTED_PRINCIPAL", ERROR, "Unsupported principal",
    "The policy type {{policy_type}} does not support the Principal element. Remove the Principal element.",
    policy_types=(IDENTITY_POLICY,),
)
def unsupported_principal(ctx: Context) -> Reports:
    # NotPrincipal is a principal element too and is equally unsupported; both point at the value.
    for st in ctx.statements:
        for p in _principals(st):
            yield Report.at(p.element.loc, policy_type=ctx.policy_type)


@rule(
    "INVALID_PRINCIPAL_FORMAT", ERROR, "Invalid principal format",
    "The Principal element contents are not valid. Specify a key-value pair in the Principal element.",
    policy_types=(RESOURCE_POLICY,),
)
def invalid_principal_format(ctx: Context) -> Reports:
    # A string other than "*" (arrays and numbers are DATA_TYPE_MISMATCH). Choice: an AWS value
    # that is none of "*", an account ID, an IAM user/role/root ARN, an STS assumed-role or
    # federated-user ARN, or a unique ID (those have their own warnings), and a CanonicalUser
    # value that is not 64 hex digits, are reported here too, at the value. Values with wildcards
    # (UNSUPPORTED_WILDCARD_IN_PRINCIPAL) or policy variables are left to their own rules.
    for st in ctx.statements:
        for p in _principals(st):
            if p.wildcard is not None:
                if p.wildcard.node.kind == STRING and p.wildcard.text != "*":
                    yield p.element.loc
                continue
            for kind, v in p.all_values():
                text = v.text
                if text is None or has_wildcard(text) or has_variable(text):
                    continue
                if kind == "AWS" and not _valid_aws_value(text):
                    yield v.loc
                elif kind == "CanonicalUser" and not _CANONICAL_USER.fullmatch(text):
                    yield v.loc


def _valid_aws_value(text: str) -> bool:
    return bool(
        _ACCOUNT_ID.fullmatch(text) or _AWS_PRINCIPAL_ARN.fullmatch(text)
        or _ROLE_ID.fullmatch(text) or _USER_ID.fullmatch(text)
    )


@rule(
    "INVALID_PRINCIPAL_KEY", ERROR, "Invalid principal key",
    "The principal key {{principal-key}} is not valid.",
    policy_types=(RESOURCE_POLICY,),
)
def invalid_principal_key(ctx: Context) -> Reports:
    # The key itself is wrong, so the finding points at the key. Keys are case sensitive
    # ("aws" is not "AWS"), as in the IAM policy grammar.
    for st in ctx.statements:
        for p in _principals(st):
            for e in p.entries:
                if e.kind not in PRINCIPAL_KEYS:
                    yield Report.at(e.key_loc, **{"principal-key": e.kind})


@rule(
    "UNSUPPORTED_WILDCARD_IN_PRINCIPAL", ERROR, "Unsupported wildcard in principal",
    "Wildcards (*, ?) are not supported with the principal key {{principal_key}}. "
    "Replace the wildcard with a valid principal value.",
    policy_types=(RESOURCE_POLICY,),
)
def unsupported_wildcard_in_principal(ctx: Context) -> Reports:
    # "AWS": "*" (everyone) is valid; any other wildcard, partial or under another key, is not.
    for st in ctx.statements:
        for p in _principals(st):
            for kind, v in p.all_values():
                text = v.text
                if text is None or kind not in PRINCIPAL_KEYS or not has_wildcard(text):
                    continue
                if kind == "AWS" and text == "*":
                    continue
                yield Report.at(v.loc, principal_key=kind)


@rule(
    "FEDERATED_PRINCIPAL_NOT_SUPPORTED", ERROR, "Federated principal not supported",
    "The policy type does not support a federated identity provider in the principal element. "
    "Use a supported principal.",
    policy_types=(RESOURCE_POLICY,),
)
def federated_principal_not_supported(ctx: Context) -> Reports:
    # Only when the resource type is known and is not a role trust policy (see module docstring).
    # The principal type is what is wrong, so the finding points at the "Federated" key.
    if ctx.resource_type is None or ctx.resource_type == ROLE_TRUST_POLICY:
        return
    for st in ctx.statements:
        for p in _principals(st):
            for e in p.entries:
                if e.kind == "Federated":
                    yield e.key_loc


@rule(
    "ALLOW_WITH_NOT_PRINCIPAL", SECURITY_WARNING, "Allow with NotPrincipal",
    "Using Allow with NotPrincipal can be overly permissive. We recommend that you use Principal instead.",
    policy_types=(RESOURCE_POLICY,),
    anchor="access-analyzer-reference-policy-checks-security-warning-allow-with-not-principal",
)
def allow_with_not_principal(ctx: Context) -> Reports:
    # Role trust policies reject NotPrincipal outright (ROLE_TRUST_POLICY_SYNTAX_ERROR_NOTPRINCIPAL),
    # so this warning is for the other resource policies.
    if ctx.is_trust_policy:
        return
    for st in ctx.statements:
        if st.is_allow and st.not_principal is not None:
            yield st.not_principal.element.loc


# -- unique IDs -------------------------------------------------------------------------------


def _aws_values(ctx: Context) -> Iterator[tuple[str, Value]]:
    for st in ctx.statements:
        for p in _principals(st):
            for v in p.values("AWS"):
                if v.text is not None:
                    yield v.text, v


@rule(
    "INVALID_ROLE_REFERENCE", WARNING, "Invalid role reference",
    "The Principal element includes the IAM role ID {{roleid}}. We recommend that you use a role ARN instead.",
    policy_types=(RESOURCE_POLICY,),
)
def invalid_role_reference(ctx: Context) -> Reports:
    for text, v in _aws_values(ctx):
        if _ROLE_ID.fullmatch(text):
            yield Report.at(v.loc, roleid=text)


@rule(
    "INVALID_USER_REFERENCE", WARNING, "Invalid user reference",
    "The Principal element includes the IAM user ID {{userid}}. We recommend that you use a user ARN instead.",
    policy_types=(RESOURCE_POLICY,),
)
def invalid_user_reference(ctx: Context) -> Reports:
    for text, v in _aws_values(ctx):
        if _USER_ID.fullmatch(text):
            yield Report.at(v.loc, userid=text)


# -- service principals -----------------------------------------------------------------------


@rule(
    "INVALID_SERVICE_PRINCIPAL_FORMAT", ERROR, "Invalid service principal format",
    "The service principal does not match the expected format. Use the format {{expectedFormat}}.",
)
def invalid_service_principal_format(ctx: Context) -> Reports:
    # Service principal values (resource policies) and the values of condition keys that hold
    # service principals (any policy type; kms:ViaService takes the regional form). Choice: the
    # {{expectedFormat}} text is the doc's format with one pair of braces. Values with wildcards
    # or policy variables are not judged.
    for st in ctx.statements:
        if ctx.is_resource:
            for p in _principals(st):
                for v in p.values("Service"):
                    text = v.text
                    if text is None or has_wildcard(text) or has_variable(text):
                        continue
                    if not SERVICE_PRINCIPAL.fullmatch(text):
                        yield Report.at(v.loc, expectedFormat=SERVICE_FORMAT)
        for entry in st.condition_entries():
            spec = _SERVICE_PRINCIPAL_KEYS.get(entry.key.lower())
            if spec is None or not entry.base_operator.startswith("String"):
                continue  # Null takes true/false; other operator families are type errors
            pattern, expected = spec
            for v in entry.values:
                text = v.text
                if text is None or has_wildcard(text) or has_variable(text):
                    continue
                if not pattern.fullmatch(text):
                    yield Report.at(v.loc, expectedFormat=expected)


def _service_statements(ctx: Context) -> Iterator[Statement]:
    """Allow statements of a resource policy whose principals are all service principals."""
    for st in ctx.statements:
        if st.is_allow and only_service_principals(st):
            yield st


@rule(
    "RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL", SECURITY_WARNING, "Restrict access to service principal",
    "Granting access to a service principal without specifying a source is overly permissive. Use "
    "aws:SourceArn, aws:SourceAccount, aws:SourceOrgID, or aws:SourceOrgPaths condition key to grant "
    "fine-grained access.",
    policy_types=(RESOURCE_POLICY,),
)
def restrict_access_to_service_principal(ctx: Context) -> Reports:
    # Choices: role trust policies (and trust-shaped statements, sts: actions only) are left out —
    # a service role trusting ec2.amazonaws.com has no source to name. A statement that uses a
    # client-side key instead (aws:Referer, ...) gets the more specific
    # RECOMMENDED_CONDITION_KEY_FOR_SERVICE_PRINCIPAL. Each service principal value is reported.
    if ctx.is_trust_policy:
        return
    for st in _service_statements(ctx):
        if is_trust_statement(st):
            continue
        keys = statement_keys(st)
        if keys & SOURCE_KEYS or keys & _NOT_RECOMMENDED_KEYS:
            continue
        for _text, v in service_values(st):
            yield v.loc


@rule(
    "RECOMMENDED_CONDITION_KEY_FOR_SERVICE_PRINCIPAL", SUGGESTION, "Recommended condition key for service principal",
    "To restrict access to the service principal {{servicePrincipalPrefix}} operating on your behalf, we "
    "recommend aws:SourceArn, aws:SourceAccount, aws:SourceOrgID, or aws:SourceOrgPaths instead of {{key}}.",
    policy_types=(RESOURCE_POLICY,),
)
def recommended_condition_key_for_service_principal(ctx: Context) -> Reports:
    # Fires for a client-side key (aws:Referer, aws:SourceIp, aws:SourceVpc, aws:SourceVpce,
    # aws:UserAgent) when no source key is present. Choice: {{servicePrincipalPrefix}} is the first
    # label of the service principal ("cloudfront" for cloudfront.amazonaws.com); one finding per
    # service principal and key, at the key.
    for st in _service_statements(ctx):
        if statement_keys(st) & SOURCE_KEYS:
            continue
        for entry in st.condition_entries():
            if entry.key.lower() not in _NOT_RECOMMENDED_KEYS:
                continue
            for text, _v in service_values(st):
                yield Report.at(entry.key_loc, servicePrincipalPrefix=text.split(".", 1)[0], key=entry.key)


@rule(
    "UNSUPPORTED_CONDITION_KEY_FOR_SERVICE_PRINCIPAL", ERROR, "Unsupported condition key for service principal",
    "The following condition keys are not supported when used with the service principal: {{conditionKeys}}.",
    policy_types=(RESOURCE_POLICY,),
)
def unsupported_condition_key_for_service_principal(ctx: Context) -> Reports:
    # Keys that only describe IAM principals (aws:PrincipalOrgID, aws:PrincipalOrgPaths,
    # aws:PrincipalAccount, aws:PrincipalArn, aws:PrincipalTag/..., aws:username) in an Allow
    # statement whose principals are all service principals: one finding per statement, listing
    # the keys, located at each key. Choice: ...IfExists operators are not reported (a missing
    # key then matches, which is what the author asked for).
    for st in _service_statements(ctx):
        found = []
        for entry in st.condition_entries():
            lower = entry.key.lower()
            if entry.if_exists:
                continue
            if lower in _PRINCIPAL_ONLY_KEYS or lower.startswith("aws:principaltag/"):
                found.append(entry)
        if found:
            names = list(dict.fromkeys(e.key for e in found))
            yield Report.at(*(e.key_loc for e in found), conditionKeys=", ".join(names))


__all__ = [
    "PRINCIPAL_KEYS", "SERVICE_PRINCIPAL", "has_wildcard", "has_variable", "is_trust_statement",
    "only_service_principals", "service_values", "statement_keys",
]
