"""AWS's policy evaluation logic: a request and a set of policies → a decision.

Source: IAM User Guide, "Policy evaluation logic" and its pages "How AWS enforcement code logic
evaluates requests to allow or deny access", "Policy evaluation for requests within a single
account", "Cross-account policy evaluation logic", "Permissions boundaries for IAM entities"
(section "Evaluating effective permissions with boundaries") and "Session policies".

1. An explicit ``Deny`` in any applicable policy (SCP, RCP, resource-based, identity-based,
   permissions boundary, session) decides ``explicitDeny``.
2. RCPs: ``RCPFullAWSAccess`` is attached to every root, OU and account and cannot be detached,
   so the RCPs given here only ever deny; an allow in them changes nothing.
3. SCPs apply to the principals of the accounts they are attached to: every level of the
   hierarchy (root, each OU, the account) must allow the request, else ``implicitDeny``. SCPs
   and RCPs do not restrict service-linked roles.
4. Same account: an allow in either the identity-based side (identity policies, limited by the
   permissions boundary and the session policy) or the resource-based policy allows, except:
   - a resource-based policy that names the caller's *account* delegates to IAM: the identity
     side must allow too;
   - it names an IAM user, the account root, or a role session / federated user session
     directly: allowed, not limited by an implicit deny in identity policies or boundaries
     (a session policy still limits a grant to a user ARN: the session is made from the user);
   - it names the *role* of a role session: the grant is limited by an implicit deny in the
     permissions boundary or the session policy;
   - IAM role trust policies and KMS key policies must allow the principal themselves ("Role
     trust policies and KMS key policies are exceptions to this logic").
   The account root user has full access within its account ("all requests are implicitly
   denied with the exception of the AWS account root user").
5. Cross-account: the resource-based policy must allow the principal (by any principal match,
   the account included) *and* the identity side of the principal's account must allow.
6. Requests without an IAM identity (anonymous, a service principal, a federated identity
   provider, an S3 canonical user) can be allowed only by a resource-based policy naming them
   (or ``"*"``); identity policies, boundaries, session policies and SCPs do not apply to them.
7. Some requests AWS decides whatever the policies say (``service_rules``, each rule with its
   source): ``sts:GetCallerIdentity`` is allowed even against an explicit deny; changes to AWS
   managed policies, service-linked roles, IAM Identity Center's roles and AWS managed KMS
   aliases are denied to the account's principals, after explicit denies.

Choices where the documentation is silent:
- ``Principal: "*"`` names every caller directly, so it counts like a direct grant.
- With no resource-based policy in the set, a cross-account request is implicitly denied (no
  resource policy can allow it), and the role-trust/KMS exception does not apply (the set then
  describes the principal side alone, as the IAM simulator does without ``ResourcePolicy``).
- Several permissions boundaries or session policies given together act as one policy (the
  union of their statements): AWS attaches one boundary, and a session's inline and managed
  session policies together form its session policy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Optional

from .matching import (
    BOUNDARY,
    IDENTITY,
    RCP,
    RESOURCE,
    SCP,
    SESSION,
    CompiledPolicy,
    CompiledStatement,
    PrincipalMatch,
)
from .request import ContextValue, Principal, PrincipalKind, Request
from .service_rules import RULE_ACTIONS, rule_for

ALLOWED = "allowed"
EXPLICIT_DENY = "explicitDeny"
IMPLICIT_DENY = "implicitDeny"

ROLE_TRUST_ACTIONS = frozenset({
    "sts:assumerole", "sts:assumerolewithsaml", "sts:assumerolewithwebidentity", "sts:tagsession",
    "sts:setsourceidentity", "sts:setcontext",
})


@dataclass(frozen=True)
class PolicySet:
    """The policies that apply to a request, by type.

    ``boundary`` and ``session`` are None when there is none (an empty tuple would deny all).
    ``scp_levels`` and ``rcp_levels`` list the policies attached at each level of the
    organization's hierarchy (root first); empty when there are none.
    """

    identity: tuple[CompiledPolicy, ...] = ()
    resource: Optional[CompiledPolicy] = None
    boundary: Optional[tuple[CompiledPolicy, ...]] = None
    session: Optional[tuple[CompiledPolicy, ...]] = None
    scp_levels: tuple[tuple[CompiledPolicy, ...], ...] = ()
    rcp_levels: tuple[tuple[CompiledPolicy, ...], ...] = ()


@dataclass(frozen=True, slots=True)
class MatchedStatement:
    policy: CompiledPolicy
    statement: CompiledStatement

    @property
    def policy_id(self) -> str:
        return self.policy.policy_id

    @property
    def policy_type(self) -> str:
        return self.policy.policy_type

    @property
    def start(self) -> tuple[int, int]:
        return self.policy.line_column(self.statement.start)

    @property
    def end(self) -> tuple[int, int]:
        return self.policy.line_column(self.statement.end)

    def describe(self) -> str:
        sid = f" (Sid {self.statement.sid})" if self.statement.sid else ""
        line, _ = self.start
        return (f"{self.statement.effect} statement {self.statement.index + 1}{sid} of "
                f"{self.policy_type} {self.policy_id}, line {line}")


@dataclass(frozen=True)
class Decision:
    decision: str  # allowed | explicitDeny | implicitDeny
    matched: tuple[MatchedStatement, ...]  # the deny statements, or the allow statements that allowed
    reason: str  # one sentence: which statement or which missing allow decided
    details: Mapping[str, str] = field(default_factory=dict)  # policy type → its own decision
    allowed_by_boundary: Optional[bool] = None  # None: no boundary applies
    allowed_by_organizations: Optional[bool] = None  # None: no SCP applies
    missing_context_keys: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        return self.decision == ALLOWED


@dataclass(slots=True)
class _Matches:
    allows: list[tuple[MatchedStatement, PrincipalMatch]] = field(default_factory=list)
    denies: list[MatchedStatement] = field(default_factory=list)

    @property
    def allowed(self) -> bool:
        return bool(self.allows)

    def best_level(self) -> PrincipalMatch:
        return max((level for _, level in self.allows), default=PrincipalMatch.NONE)


class _Evaluation:
    """The per-request state: normalized action parts, context, and missing-key collection."""

    __slots__ = ("request", "action", "service", "name", "context", "missing", "boundary_attached")

    def __init__(self, request: Request, explain: bool, boundary_attached: bool):
        self.request = request
        self.action = request.action.lower()
        self.service, _, self.name = self.action.partition(":")
        self.context: Mapping[str, ContextValue] = request.context
        self.missing: Optional[dict[str, str]] = {} if explain else None
        self.boundary_attached = boundary_attached

    def scan(self, policies: tuple[CompiledPolicy, ...], into: _Matches) -> _Matches:
        request, context, principal = self.request, self.context, self.request.principal
        for policy in policies:
            for statement in policy.candidates(self.service):
                if not statement.action_matches(self.action, self.service, self.name):
                    continue
                if not statement.resource_matches(request.resource, context):
                    continue
                level = PrincipalMatch.DIRECT
                if statement.principal is not None:
                    level = self._principal_level(statement, principal)
                    if level == PrincipalMatch.NONE:
                        continue
                if statement.conditions:
                    if self.missing is not None:
                        for condition in statement.conditions:
                            key = condition.key_lower
                            if key not in context:
                                self.missing.setdefault(key, condition.key)
                    if not statement.conditions_hold(context):
                        continue
                matched = MatchedStatement(policy, statement)
                if statement.allow:
                    into.allows.append((matched, level))
                else:
                    into.denies.append(matched)
        return into

    def _principal_level(self, statement: CompiledStatement, principal: Principal) -> PrincipalMatch:
        assert statement.principal is not None
        level = statement.principal.level(principal)
        if not statement.not_principal:
            return level
        # "The NotPrincipal element with a Deny effect will always deny any IAM principal that
        # has a permissions boundary policy attached, regardless of the values specified in the
        # NotPrincipal element." (IAM User Guide, "Permissions boundaries for IAM entities")
        if not statement.allow and self.boundary_attached and principal.kind in (
                PrincipalKind.USER, PrincipalKind.ROLE, PrincipalKind.ROLE_SESSION):
            return PrincipalMatch.DIRECT
        return PrincipalMatch.DIRECT if level == PrincipalMatch.NONE else PrincipalMatch.NONE


def _union(levels: tuple[tuple[CompiledPolicy, ...], ...]) -> tuple[CompiledPolicy, ...]:
    return tuple(p for level in levels for p in level)


def _type_decision(m: _Matches) -> str:
    return EXPLICIT_DENY if m.denies else ALLOWED if m.allows else IMPLICIT_DENY


def _requires_resource_policy(request: Request) -> bool:
    """Role trust policies and KMS key policies must allow the principal themselves."""
    resource = request.resource
    if resource.startswith("arn:") and ":kms:" in resource and ":key/" in resource:
        return True
    return request.action.lower() in ROLE_TRUST_ACTIONS and ":role/" in resource


def evaluate(request: Request, policies: PolicySet, explain: bool = True) -> Decision:
    """Decide ``request`` under ``policies`` (``explain``: also collect missing context keys)."""
    principal = request.principal
    kind = principal.kind
    has_identity = principal.is_iam_identity
    exempt_from_organizations = principal.is_service_linked_role
    boundary = policies.boundary if has_identity and kind != PrincipalKind.ROOT else None
    session = policies.session if has_identity else None
    ev = _Evaluation(request, explain, boundary is not None)

    identity = ev.scan(policies.identity, _Matches()) if has_identity else _Matches()
    resource = ev.scan((policies.resource,), _Matches()) if policies.resource is not None else _Matches()
    boundary_m = ev.scan(boundary, _Matches()) if boundary is not None else None
    session_m = ev.scan(session, _Matches()) if session is not None else None
    scp_applies = has_identity and bool(policies.scp_levels) and not exempt_from_organizations
    scp_levels = [ev.scan(level, _Matches()) for level in policies.scp_levels] if scp_applies else []
    rcp = (ev.scan(_union(policies.rcp_levels), _Matches())
           if policies.rcp_levels and not exempt_from_organizations else _Matches())

    by_type: list[tuple[str, Optional[_Matches]]] = [
        (SCP, _merge(scp_levels) if scp_applies else None),
        (RCP, rcp if policies.rcp_levels else None),
        (RESOURCE, resource if policies.resource is not None else None),
        (IDENTITY, identity if has_identity else None),
        (BOUNDARY, boundary_m),
        (SESSION, session_m),
    ]
    details = {name: _type_decision(m) for name, m in by_type if m is not None and name != RCP}
    if policies.rcp_levels:
        details[RCP] = EXPLICIT_DENY if rcp.denies else ALLOWED  # RCPFullAWSAccess allows
    missing = tuple(sorted(ev.missing.values())) if ev.missing else ()
    allowed_by_boundary = boundary_m.allowed if boundary_m is not None else None
    allowed_by_orgs = all(m.allowed for m in scp_levels) if scp_applies else None

    def decide(decision: str, matched: list[MatchedStatement], reason: str) -> Decision:
        return Decision(decision, tuple(matched), reason, details, allowed_by_boundary, allowed_by_orgs, missing)

    rule = rule_for(request, ev.action) if ev.action in RULE_ACTIONS else None
    if rule is not None and rule.allows:
        return decide(ALLOWED, [m for m, _ in identity.allows], f"allowed: {rule.reason} ({rule.source})")
    denies = [d for _, m in by_type if m is not None for d in m.denies]
    if denies:
        return decide(EXPLICIT_DENY, denies, f"explicitly denied by the {denies[0].describe()}")
    if rule is not None:
        return decide(IMPLICIT_DENY, [], f"implicitly denied: {rule.reason} ({rule.source})")
    if scp_applies:
        for number, level in enumerate(scp_levels, 1):
            if not level.allowed:
                return decide(IMPLICIT_DENY, [], f"implicitly denied: no service control policy at level {number} "
                                                 f"of the organization allows {request.action}")

    resource_level = resource.best_level()
    resource_allows = [m for m, _ in resource.allows]
    if not has_identity:
        if resource_level == PrincipalMatch.DIRECT:
            return decide(ALLOWED, resource_allows, f"allowed by the {resource_allows[0].describe()}")
        return decide(IMPLICIT_DENY, [], f"implicitly denied: a {kind.value} caller can only be allowed by a "
                                         "resource-based policy that names it, and none does")

    boundary_ok = boundary_m is None or boundary_m.allowed
    session_ok = session_m is None or session_m.allowed
    identity_allowed = identity.allowed or kind == PrincipalKind.ROOT
    identity_side = identity_allowed and boundary_ok and session_ok
    identity_allows = [m for m, _ in identity.allows]
    limits = ([m for m, _ in boundary_m.allows] if boundary_m else []) + \
             ([m for m, _ in session_m.allows] if session_m else [])

    if request.is_cross_account:
        if resource_level == PrincipalMatch.NONE:
            return decide(IMPLICIT_DENY, [], "implicitly denied: cross-account access needs the resource-based "
                                             "policy to allow the principal, and it does not")
        if not identity_side:
            return decide(IMPLICIT_DENY, [], "implicitly denied: the resource-based policy allows, but cross-account "
                                             f"access also needs the principal's own account to allow; {_why_not(identity_allowed, boundary_ok, session_ok)}")
        return decide(ALLOWED, identity_allows + limits + resource_allows,
                      "allowed cross-account by both the resource-based policy and the principal's policies")

    # Same account.
    if resource_level >= PrincipalMatch.ROLE and _direct_grant_suffices(kind, resource_level, boundary_ok, session_ok):
        return decide(ALLOWED, resource_allows, f"allowed by the {resource_allows[0].describe()}")
    strict = policies.resource is not None and _requires_resource_policy(request)
    if strict:
        if resource_level == PrincipalMatch.NONE:
            return decide(IMPLICIT_DENY, [], "implicitly denied: role trust policies and KMS key policies must allow "
                                             "the principal themselves, and this one does not")
        if identity_side:
            return decide(ALLOWED, identity_allows + limits + resource_allows,
                          "allowed: the resource-based policy allows the account and the principal's policies allow")
        return decide(IMPLICIT_DENY, [], "implicitly denied: the resource-based policy delegates to the account, "
                                         f"and {_why_not(identity_allowed, boundary_ok, session_ok)}")
    if identity_side:
        if kind == PrincipalKind.ROOT and not identity.allowed:
            return decide(ALLOWED, limits, "allowed: the account root user has full access within its account")
        return decide(ALLOWED, identity_allows + limits, f"allowed by the {identity_allows[0].describe()}")
    if resource_level >= PrincipalMatch.ROLE:
        return decide(IMPLICIT_DENY, [], "implicitly denied: the resource-based policy names the role, and a grant to "
                                         f"a role is limited by its boundary and session policy; {_why_not(True, boundary_ok, session_ok)}")
    return decide(IMPLICIT_DENY, [], f"implicitly denied: {_why_not(identity_allowed, boundary_ok, session_ok)}")


def _direct_grant_suffices(kind: PrincipalKind, level: PrincipalMatch, boundary_ok: bool, session_ok: bool) -> bool:
    """Does a same-account resource-based grant at ``level`` allow without the identity side?"""
    if level == PrincipalMatch.DIRECT:
        if kind in (PrincipalKind.ROLE_SESSION, PrincipalKind.FEDERATED_USER, PrincipalKind.ROOT):
            return True
        if kind == PrincipalKind.USER:
            return session_ok
        if kind == PrincipalKind.ROLE:
            return boundary_ok and session_ok
        return True
    # The role of a role session: "Resource-based policies that grant permissions to an IAM role
    # ARN are limited by an implicit deny in a permissions boundary or session policy."
    return boundary_ok and session_ok


def _why_not(identity_allowed: bool, boundary_ok: bool, session_ok: bool) -> str:
    if not identity_allowed:
        return "no identity-based policy allows the action"
    if not boundary_ok:
        return "the permissions boundary does not allow the action"
    if not session_ok:
        return "the session policy does not allow the action"
    return "no policy allows the action"


def _merge(levels: list[_Matches]) -> _Matches:
    merged = _Matches()
    for m in levels:
        merged.allows.extend(m.allows)
        merged.denies.extend(m.denies)
    return merged
