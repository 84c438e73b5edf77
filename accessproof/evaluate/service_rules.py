"""Requests AWS decides whatever the policies say: one rule object per documented case, with its source.

A rule names exact actions and the resources they act on. It applies to a caller that is an IAM
identity of the account the request is made in (a request for another account's resource is
decided by the policies alone: none of these resources can be shared across accounts by a
resource-based policy). ``ALWAYS_ALLOWED`` rules win over every policy, explicit denies included;
``NEVER_ALLOWED`` rules deny what no explicit deny already denies, whatever allows it.

Choices where the documentation is silent:
- ``sts:GetCallerIdentity`` acts on no resource, so its rule decides requests whose resource is
  ``"*"`` (the IAM simulator's default); a request naming some ARN is decided by the policies.
- The roles that only AWS may change are changed by AWS through a service-linked role (the
  policy ``AWSSSOServiceRolePolicy`` of IAM Identity Center's service-linked role allows the
  changes of ``/aws-reserved/sso.amazonaws.com/`` roles), so a service-linked role as caller is
  exempt from the ``NEVER_ALLOWED`` rules: denying it would report less access than AWS grants.
- Only operations documented as impossible are listed. A role "only modifiable by AWS" is
  read as: every operation that changes an existing role (its policies, boundary, trust policy,
  settings, tags, or its deletion); passing it, or the operations that create roles, are left
  to the policies. For service-linked roles the list is exactly the operations that document
  ``UnmodifiableEntityException`` for every call (editing the description is allowed).

The symbolic engine encodes the same rules (``reason.encode.service_rule_terms``) from these
objects, so the two engines cannot drift apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from .patterns import static_regex
from .request import Request

ALWAYS_ALLOWED = "alwaysAllowed"
NEVER_ALLOWED = "neverAllowed"
NO_RESOURCE = "*"


@dataclass(frozen=True)
class ServiceRule:
    name: str
    effect: str  # ALWAYS_ALLOWED | NEVER_ALLOWED
    actions: frozenset[str]  # lower-case "service:action"
    resources: tuple[str, ...]  # ARN patterns (``*``, ``?``); empty: the request names no resource ("*")
    reason: str  # completes "allowed: ..." / "implicitly denied: ..."
    source: str

    @property
    def allows(self) -> bool:
        return self.effect == ALWAYS_ALLOWED

    def resource_matches(self, resource: str) -> bool:
        if not self.resources:
            return resource == NO_RESOURCE
        return any(regex.fullmatch(resource) for regex in _regexes(self))


def _rule(name: str, effect: str, actions: tuple[str, ...], resources: tuple[str, ...], reason: str,
          source: str) -> ServiceRule:
    return ServiceRule(name, effect, frozenset(a.lower() for a in actions), resources, reason, source)


_ROLE_PERMISSIONS = ("iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:PutRolePolicy", "iam:DeleteRolePolicy",
                     "iam:UpdateAssumeRolePolicy", "iam:PutRolePermissionsBoundary",
                     "iam:DeleteRolePermissionsBoundary", "iam:DeleteRole")

RULES: tuple[ServiceRule, ...] = (
    _rule("GetCallerIdentity", ALWAYS_ALLOWED, ("sts:GetCallerIdentity",), (),
          "sts:GetCallerIdentity needs no permission and cannot be denied",
          # "No permissions are required to perform this operation. If an administrator attaches a
          # policy to your identity that explicitly denies access to the sts:GetCallerIdentity
          # action, you can still perform this operation."
          "https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html"),
    _rule("AwsManagedPolicy", NEVER_ALLOWED,
          ("iam:CreatePolicy", "iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion",
           "iam:SetDefaultPolicyVersion", "iam:TagPolicy", "iam:UntagPolicy"),
          ("arn:*:iam::aws:policy/*",),
          "AWS managed policies are created and managed by AWS; an account can use them but not change them",
          # "You cannot change the permissions defined in AWS managed policies" (IAM User Guide,
          # "AWS managed policies"); "AWS managed policies are created and managed by AWS, and you
          # can use them but not manage them" (IAM User Guide, "Define custom IAM permissions with
          # customer managed policies"); TagPolicy and UntagPolicy act on "an IAM customer managed
          # policy" (IAM API Reference).
          "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-vs-inline.html#aws-managed-policies"),
    _rule("ServiceLinkedRole", NEVER_ALLOWED, _ROLE_PERMISSIONS,
          ("arn:*:iam::*:role/aws-service-role/*",),
          "service-linked roles are protected: only the service that depends on the role can change or delete it",
          # UnmodifiableEntityException: "service-linked roles are protected AWS resources. Only the
          # service that depends on the service-linked role can modify or delete the role on your
          # behalf." -- among the errors of exactly these operations (and of UpdateRole and
          # UpdateRoleDescription, which only some parameters trigger: a service-linked role's
          # description can be edited). "You cannot modify the permissions policy for a
          # service-linked role in IAM" (IAM User Guide, "Update permissions for a role").
          "https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutRolePolicy.html#API_PutRolePolicy_Errors"),
    _rule("IdentityCenterRole", NEVER_ALLOWED,
          _ROLE_PERMISSIONS + ("iam:UpdateRole", "iam:UpdateRoleDescription", "iam:TagRole", "iam:UntagRole"),
          ("arn:*:iam::*:role/aws-reserved/sso.amazonaws.com/*",),
          "roles created by IAM Identity Center (AWSReservedSSO_...) are protected: only AWS can change them",
          # "Cannot perform the operation on the protected role 'AWSReservedSSO_...' - this role is
          # only modifiable by AWS" (AWS re:Post Knowledge Center, identity-center-aws-reserved-sso;
          # IAM Identity Center User Guide, "IAM roles created by IAM Identity Center").
          "https://docs.aws.amazon.com/singlesignon/latest/userguide/identity-center-and-iam-roles.html"),
    _rule("AwsManagedKmsAlias", NEVER_ALLOWED, ("kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias"),
          ("arn:*:kms:*:*:alias/aws/*",),
          "aliases that begin with alias/aws/ belong to AWS managed keys, whose aliases an account cannot manage",
          # "The alias/aws/ prefix is reserved for AWS managed key." ... "You cannot manage aliases
          # for AWS managed keys or AWS owned keys." (AWS KMS Developer Guide, "Create aliases")
          "https://docs.aws.amazon.com/kms/latest/developerguide/alias-create.html"),
)

RULE_ACTIONS = frozenset(a for rule in RULES for a in rule.actions)
_REGEXES: dict[str, tuple[re.Pattern[str], ...]] = {}


def _regexes(rule: ServiceRule) -> tuple[re.Pattern[str], ...]:
    found = _REGEXES.get(rule.name)
    if found is None:
        found = _REGEXES[rule.name] = tuple(static_regex(p, arn=True) for p in rule.resources)
    return found


def applies_to_caller(request: Request) -> bool:
    """Is the caller an IAM identity acting in its own account (the callers the rules are about)?"""
    return request.principal.is_iam_identity and not request.is_cross_account


def rule_for(request: Request, action: Optional[str] = None) -> Optional[ServiceRule]:
    """The rule that decides ``request`` whatever the policies say, if one does.

    ``action``: the request's action already lower-cased (the evaluator has it)."""
    action = action if action is not None else request.action.lower()
    if action not in RULE_ACTIONS or not applies_to_caller(request):
        return None
    for rule in RULES:
        if action not in rule.actions or not rule.resource_matches(request.resource):
            continue
        if not rule.allows and request.principal.is_service_linked_role:
            continue
        return rule
    return None
