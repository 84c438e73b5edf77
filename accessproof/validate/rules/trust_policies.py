"""Rules: role trust policies — element restrictions, federation, OIDC and GitHub conditions.

Scope: these checks run when the caller validates a role trust policy (RESOURCE_POLICY with
``validatePolicyResourceType`` AWS::IAM::AssumeRolePolicyDocument). A plain RESOURCE_POLICY is
not treated as a trust policy even when it looks like one: AWS's aws-cli ``validate-policy``
example (a Cognito trust policy with ``sts:AssumeRole`` validated as RESOURCE_POLICY without a
resource type) reports only EMPTY_SID_VALUE, although the same statement read as a trust policy
has a mismatched action. The audience-claim qualifier checks are the exception: they are about
the condition key alone and run on every policy type.
"""

from __future__ import annotations

import re
from typing import Iterator, Optional

from ...policy.wildcards import wildcard_match
from ...policy import Statement, Value
from ..rule import (
    ERROR,
    RESOURCE_POLICY,
    SECURITY_WARNING,
    SUGGESTION,
    WARNING,
    Context,
    Report,
    Reports,
    rule,
)
from .principals import has_variable, has_wildcard

_PARTITION = r"aws(?:-cn|-us-gov|-iso(?:-[a-z])?|-eusc)?"
SAML_PROVIDER = re.compile(rf"arn:{_PARTITION}:iam::\d{{12}}:saml-provider/[\w+=,.@-]+")
OIDC_PROVIDER_ARN = re.compile(rf"arn:{_PARTITION}:iam::\d{{12}}:oidc-provider/(.+)")
# A provider named by its domain (cognito-identity.amazonaws.com, accounts.google.com,
# graph.facebook.com, www.amazon.com).
_DOMAIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+")

GITHUB = "token.actions.githubusercontent.com"
ROLES_ANYWHERE = "rolesanywhere.amazonaws.com"
ROLES_ANYWHERE_ACTIONS = ("sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession")

ASSUME_ROLE = "sts:assumerole"
WITH_SAML = "sts:assumerolewithsaml"
WITH_WEB_IDENTITY = "sts:assumerolewithwebidentity"

# Claims that a provider's role trust policy must check (IAM User Guide, "Available keys for
# AWS web identity federation"; Amazon Cognito Developer Guide: trust policies for identity
# pools must contain cognito-identity.amazonaws.com:aud). Other OIDC providers need any key
# with the provider's prefix (the check reference's wording).
_REQUIRED_CLAIMS = {
    "cognito-identity.amazonaws.com": ("aud",),
    "accounts.google.com": ("aud", "oaud", "sub"),
    "graph.facebook.com": ("app_id", "id"),
    "www.amazon.com": ("app_id", "user_id"),
}


def _trust(ctx: Context) -> bool:
    return ctx.is_trust_policy


def federated_kind(text: str) -> Optional[str]:
    """"saml", "oidc" or None (not a valid federated principal)."""
    if SAML_PROVIDER.fullmatch(text):
        return "saml"
    if OIDC_PROVIDER_ARN.fullmatch(text) or _DOMAIN.fullmatch(text):
        return "oidc"
    return None


def oidc_provider(text: str) -> Optional[str]:
    """The provider host (and path) an OIDC principal names; its condition keys use it as prefix."""
    m = OIDC_PROVIDER_ARN.fullmatch(text)
    if m:
        return m.group(1).rstrip("/")
    if _DOMAIN.fullmatch(text):
        return text
    return None


def _federated(st: Statement) -> list[Value]:
    if st.principal is None:
        return []
    return [v for v in st.principal.values("Federated") if v.text is not None]


def _principal_values(st: Statement) -> list[tuple[str, Value]]:
    if st.principal is None:
        return []
    return [(k, v) for k, v in st.principal.all_values() if v.text is not None]


# -- element restrictions ---------------------------------------------------------------------


@rule(
    "ROLE_TRUST_POLICY_SYNTAX_ERROR_NOTPRINCIPAL", ERROR, "Role trust policy syntax error notprincipal",
    "Role trust policies do not support NotPrincipal. Update the policy to use a Principal element instead.",
    policy_types=(RESOURCE_POLICY,),
)
def role_trust_policy_syntax_error_notprincipal(ctx: Context) -> Reports:
    if not _trust(ctx):
        return
    for st in ctx.statements:
        if st.not_principal is not None:
            yield st.not_principal.element.loc


@rule(
    "ROLE_TRUST_POLICY_UNSUPPORTED_WILDCARD_IN_PRINCIPAL", ERROR, "Role trust policy unsupported wildcard in principal",
    '"Principal:" "*" is not supported in the principal element of a role trust policy. '
    "Replace the wildcard with a valid principal value.",
    policy_types=(RESOURCE_POLICY,),
)
def role_trust_policy_unsupported_wildcard_in_principal(ctx: Context) -> Reports:
    # Only the string form "Principal": "*" (the reference's wording); {"AWS": "*"} is accepted
    # by IAM in trust policies (usually with an aws:PrincipalOrgID condition).
    if not _trust(ctx):
        return
    for st in ctx.statements:
        p = st.principal
        if p is not None and p.wildcard is not None and p.wildcard.text == "*":
            yield p.wildcard.loc


@rule(
    "ROLE_TRUST_POLICY_SYNTAX_ERROR_RESOURCE", ERROR, "Role trust policy syntax error resource",
    "Role trust policies apply to the role that they are attached to. You cannot specify a resource. "
    "Remove the Resource or NotResource element.",
    policy_types=(RESOURCE_POLICY,),
)
def role_trust_policy_syntax_error_resource(ctx: Context) -> Reports:
    # The element is to be removed: the finding points at its value.
    if not _trust(ctx):
        return
    for st in ctx.statements:
        for values in (st.resource, st.not_resource):
            if values is not None:
                yield values.element.loc


# -- federation -------------------------------------------------------------------------------


@rule(
    "INVALID_FEDERATED_PRINCIPAL_SYNTAX_IN_ROLE_TRUST_POLICY", ERROR,
    "Invalid federated principal syntax in role trust policy",
    "The principal value specifies a federated principal that does not match the expected format. "
    "Update the federated principal to a domain name or a SAML metadata ARN.",
    policy_types=(RESOURCE_POLICY,),
)
def invalid_federated_principal_syntax(ctx: Context) -> Reports:
    # Valid: a SAML provider ARN, an OIDC provider ARN, or a domain name. Values with wildcards
    # (UNSUPPORTED_WILDCARD_IN_PRINCIPAL) or variables are left to their own rules.
    if not _trust(ctx):
        return
    for st in ctx.statements:
        for v in _federated(st):
            text = v.text
            if has_wildcard(text) or has_variable(text):
                continue
            if federated_kind(text) is None:
                yield v.loc


def _mismatched(action: str, principals: list[tuple[str, Value]]) -> list[str]:
    """Principal values that the (lowercased) assume-role action cannot be used with."""
    out = []
    for kind, v in principals:
        text = v.text
        fed = federated_kind(text) if kind == "Federated" else None
        if action == WITH_SAML:
            bad = fed != "saml"
        elif action == WITH_WEB_IDENTITY:
            bad = fed != "oidc"
        else:  # sts:AssumeRole
            bad = kind == "Federated" and fed is not None
        if bad and not (kind == "Federated" and fed is None):
            out.append(text)
    return out


@rule(
    "MISMATCHED_ACTION_FOR_PRINCIPAL", ERROR, "Mismatched action for principal",
    "The {{actionName}} action is invalid with the following principal(s): {{principalNames}}. Use a SAML "
    "provider principal with the sts:AssumeRoleWithSAML action or use an OIDC provider principal with the "
    "sts:AssumeRoleWithWebIdentity action. Ensure the provider is Federated if you use either of the two options.",
    policy_types=(RESOURCE_POLICY,),
)
def mismatched_action_for_principal(ctx: Context) -> Reports:
    # Each of sts:AssumeRole, sts:AssumeRoleWithSAML and sts:AssumeRoleWithWebIdentity named
    # exactly (wildcards are not judged) is checked against the statement's principals:
    # AssumeRoleWithSAML needs SAML providers, AssumeRoleWithWebIdentity OIDC providers, and
    # AssumeRole no federated provider. sts:TagSession, sts:SetSourceIdentity and sts:SetContext
    # go with any principal. Federated values that are not valid are left to
    # INVALID_FEDERATED_PRINCIPAL_SYNTAX_IN_ROLE_TRUST_POLICY. Reported at the action.
    if not _trust(ctx):
        return
    for st in ctx.statements:
        if st.action is None or st.principal is None or not st.principal.is_map:
            continue
        principals = _principal_values(st)
        for v in st.action.values:
            text = v.text
            if text is None or text.lower() not in (ASSUME_ROLE, WITH_SAML, WITH_WEB_IDENTITY):
                continue
            bad = _mismatched(text.lower(), principals)
            if bad:
                yield Report.at(v.loc, actionName=text, principalNames=", ".join(bad))


@rule(
    "MISSING_ACTION_FOR_ROLES_ANYWHERE_TRUST_POLICY", ERROR, "Missing action for roles anywhere trust policy",
    "The rolesanywhere.amazonaws.com service principal requires the sts:AssumeRole, sts:SetSourceIdentity, "
    "and sts:TagSession permissions to assume a role. Add the missing permissions to the policy.",
    policy_types=(RESOURCE_POLICY,),
)
def missing_action_for_roles_anywhere(ctx: Context) -> Reports:
    # The permissions may come from several Allow statements that trust the Roles Anywhere
    # principal ("add them to your policy"); the finding points at the Action element of the
    # first such statement. Wildcard actions (sts:*) count.
    if not _trust(ctx):
        return
    statements = [
        st for st in ctx.statements
        if st.is_allow and st.principal is not None
        and any(v.text == ROLES_ANYWHERE for v in st.principal.values("Service"))
    ]
    if not statements:
        return
    granted = [a for st in statements for a in st.action_patterns()]
    missing = [a for a in ROLES_ANYWHERE_ACTIONS if not any(wildcard_match(g, a, ignore_case=True) for g in granted)]
    if not missing:
        return
    for st in statements:
        if st.action is not None:
            yield st.action.element.loc
            return


# -- OIDC and GitHub conditions -----------------------------------------------------------------


def _has_key_with_prefix(st: Statement, prefix: str, claims: Optional[tuple[str, ...]] = None) -> bool:
    lower = prefix.lower() + ":"
    for entry in st.condition_entries():
        key = entry.key.lower()
        if key.startswith(lower) and (claims is None or key[len(lower):] in claims):
            return True
    return False


def _is_github(provider: str) -> bool:
    return provider.lower() == GITHUB


@rule(
    "MISSING_CONDITION_KEY_FOR_OIDC_PRINCIPAL", SECURITY_WARNING, "Missing condition key for oidc principal",
    "Using an Open ID Connect principal without a condition can be overly permissive. Add condition keys with a "
    "prefix that matches your federated OIDC principals to ensure that only the intended identity provider "
    "assumes the role.",
    policy_types=(RESOURCE_POLICY,),
)
def missing_condition_key_for_oidc_principal(ctx: Context) -> Reports:
    # An Allow statement trusting an OIDC provider needs a condition key with the provider's
    # prefix; for the built-in web identity providers it must be one of the identifying claims
    # (cognito-identity.amazonaws.com:aud, ...). GitHub has its own, more specific check
    # (MISSING_GITHUB_REPO_CONDITION_KEY). Reported at the Federated value.
    if not _trust(ctx):
        return
    for st in ctx.statements:
        if not st.is_allow:
            continue
        for v in _federated(st):
            if federated_kind(v.text) != "oidc":
                continue
            provider = oidc_provider(v.text)
            if provider is None or _is_github(provider):
                continue
            claims = _REQUIRED_CLAIMS.get(provider.lower())
            if not _has_key_with_prefix(st, provider, claims):
                yield v.loc


def _github_values(st: Statement) -> list[Value]:
    out = []
    for v in _federated(st):
        provider = oidc_provider(v.text) if federated_kind(v.text) == "oidc" else None
        if provider is not None and _is_github(provider):
            out.append(v)
    return out


@rule(
    "MISSING_GITHUB_REPO_CONDITION_KEY", SECURITY_WARNING, "Missing github repo condition key",
    "Granting a federated GitHub principal permissions without a condition key can allow more sources to assume "
    "the role than you intended. Add the token.actions.githubusercontent.com:sub condition key and specify the "
    "branch and repository name in the value.",
    policy_types=(RESOURCE_POLICY,),
)
def missing_github_repo_condition_key(ctx: Context) -> Reports:
    # An Allow statement trusting GitHub's OIDC provider without a
    # token.actions.githubusercontent.com:sub key (an :aud key alone does not name a repository).
    if not _trust(ctx):
        return
    for st in ctx.statements:
        if not st.is_allow:
            continue
        for v in _github_values(st):
            if not _has_key_with_prefix(st, GITHUB, ("sub",)):
                yield v.loc


_GITHUB_SUB = GITHUB + ":sub"
_GITHUB_REF = GITHUB + ":ref"
_REPO = re.compile(r"repo:([^:]*)")


@rule(
    "SPECIFIC_GITHUB_REPO_AND_BRANCH_RECOMMENDED", WARNING, "Specific github repo and branch recommended",
    "Using a wildcard (*) in token.actions.githubusercontent.com:sub can allow requests from more sources than "
    "you intended. Specify the value of token.actions.githubusercontent.com:sub with the repository and branch "
    "name. If the subject claim does not include the branch, specify it in a "
    "token.actions.githubusercontent.com:ref condition key.",
    policy_types=(RESOURCE_POLICY,),
)
def specific_github_repo_and_branch_recommended(ctx: Context) -> Reports:
    # A wildcard in a :sub value matched with a Like operator (with StringEquals "*" is literal).
    # Choice: a wildcard in the repository part ("repo:org/*") is always reported; a wildcard only
    # after the repository ("repo:org/app:*") is accepted when the statement names the branch in a
    # token.actions.githubusercontent.com:ref key, as the reference recommends.
    if not _trust(ctx):
        return
    for st in ctx.statements:
        has_ref = any(e.key.lower() == _GITHUB_REF for e in st.condition_entries())
        for entry in st.condition_entries():
            if entry.key.lower() != _GITHUB_SUB or entry.base_operator != "StringLike":
                continue
            for v in entry.values:
                text = v.text
                if text is None or not has_wildcard(text):
                    continue
                m = _REPO.match(text)
                repo_wild = m is None or has_wildcard(m.group(1)) or "/" not in m.group(1)
                if repo_wild or not has_ref:
                    yield v.loc


# -- redundant principals -------------------------------------------------------------------------

_ROLE_ARN = re.compile(rf"arn:({_PARTITION}):iam::(\d{{12}}):role/(?:.*/)?([^/]+)")
_ASSUMED_ROLE_ARN = re.compile(rf"arn:({_PARTITION}):sts::(\d{{12}}):assumed-role/([^/]+)/[^/]+")


@rule(
    "REDUNDANT_PRINCIPAL_IN_ROLE_TRUST_POLICY", SUGGESTION, "Redundant principal in role trust policy",
    "The assumed-role principal {{redundant_principal}} is redundant with its parent role {{parent_role}}. "
    "Remove the assumed-role principal.",
    policy_types=(RESOURCE_POLICY,),
)
def redundant_principal_in_role_trust_policy(ctx: Context) -> Reports:
    # Within one statement's Principal: an STS assumed-role ARN whose role (same partition,
    # account and role name — a session ARN carries no path) is also named. Reported at the
    # assumed-role value. Wildcard values are not compared.
    if not _trust(ctx):
        return
    for st in ctx.statements:
        if st.principal is None:
            continue
        values = [v for v in st.principal.values("AWS") if v.text is not None and not has_wildcard(v.text)]
        roles = {}
        for v in values:
            m = _ROLE_ARN.fullmatch(v.text)
            if m:
                roles.setdefault((m.group(1), m.group(2), m.group(3)), v.text)
        for v in values:
            m = _ASSUMED_ROLE_ARN.fullmatch(v.text)
            if m:
                parent = roles.get((m.group(1), m.group(2), m.group(3)))
                if parent is not None:
                    yield Report.at(v.loc, redundant_principal=v.text, parent_role=parent)


# -- audience claims ------------------------------------------------------------------------------

# Audience claim keys of identity providers: "<provider>:aud" ("accounts.google.com:oaud" too).
_AUDIENCE_CLAIMS = ("aud", "oaud")


def _audience_entries(ctx: Context, qualifier: str) -> Iterator:
    for st in ctx.statements:
        for entry in st.condition_entries():
            if entry.qualifier != qualifier:
                continue
            prefix, sep, claim = entry.key.rpartition(":")
            # An identity-provider prefix names a host ("accounts.google.com"), not a service.
            if sep and ("." in prefix or "/" in prefix) and claim.lower() in _AUDIENCE_CLAIMS:
                yield entry, claim.lower()


@rule(
    "FORANYVALUE_WITH_AUDIENCE_CLAIM_TYPE", SECURITY_WARNING, "ForAnyValue with audience claim type",
    "Using ForAnyValue qualifier with the single-valued condition key {{key}} can be overly permissive. "
    "We recommend that you remove ForAnyValue:.",
)
def foranyvalue_with_audience_claim_type(ctx: Context) -> Reports:
    # An identity provider's audience claim key (…:aud) under ForAnyValue. Reported at the key,
    # like FORALLVALUES_WITH_SINGLE_VALUED_KEY.
    for entry, _claim in _audience_entries(ctx, "ForAnyValue"):
        yield Report.at(entry.key_loc, key=entry.key)


@rule(
    "CONFIRM_AUDIENCE_CLAIM_TYPE", SUGGESTION, "Confirm audience claim type",
    'The "{{key}}" ({{audienceType}}) claim key identifies the recipients that the JSON web token is intended '
    "for. Because this claim is single-valued, do not use a qualifier.",
)
def confirm_audience_claim_type(ctx: Context) -> Reports:
    # The audience claim under ForAllValues (ForAnyValue has the security warning above).
    # Choice: {{audienceType}} is the claim name after the provider prefix ("aud").
    for entry, claim in _audience_entries(ctx, "ForAllValues"):
        yield Report.at(entry.key_loc, key=entry.key, audienceType=claim)
