"""Policies compiled for evaluation, and the matching of Action, Resource and Principal.

A policy is compiled once (``compile_policy``) into statements whose action, resource and
principal tests are precomputed (regular expressions indexed by service prefix), so that one
decision costs a dictionary look-up and a few regex matches per statement.

Matching rules (IAM User Guide, "IAM JSON policy elements": Action, NotAction, Resource,
NotResource, Principal, NotPrincipal):

- action names are case-insensitive; ``*`` and ``?`` are wildcards;
- resource ARNs are case-sensitive and matched component by component (see ``patterns``);
  policy variables may appear in ``Resource`` (``Version`` 2012-10-17 only);
- principals: ``"*"`` (everyone, anonymous included); an account id or its ``root`` ARN (every
  principal of that account); a user, role, assumed-role session or federated-user ARN (that
  principal; a role ARN also covers the role's sessions); service principals, federated
  identity providers and canonical user ids by name. Wildcards inside a principal ARN are not
  supported by IAM ("You cannot use a wildcard to match part of a principal name or ARN"), so
  they are compared literally here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Mapping, Optional

from ..policy.jsontext import ARRAY, BOOLEAN, NUMBER, OBJECT, STRING, Node
from ..policy.model import Policy, Statement
from ..policy.parse import parse_policy
from ..policy.jsontext import JsonSyntaxError
from ..untrusted import JsonLimitError
from .conditions import Condition, compile_condition, evaluate_conditions
from .errors import MalformedPolicy
from .patterns import compile_pieces, has_variables, resolve, static_regex
from .request import ContextValue, Principal, PrincipalKind

VARIABLES_VERSION = "2012-10-17"
KNOWN_VERSIONS = ("2012-10-17", "2008-10-17")

# Policy types, named as the IAM simulator's result names them where it has a name.
IDENTITY = "IAM Policy"
RESOURCE = "Resource Policy"
BOUNDARY = "Permissions Boundary Policy"
SESSION = "Session Policy"
SCP = "Service Control Policy"
RCP = "Resource Control Policy"
PRINCIPAL_FREE_TYPES = (IDENTITY, BOUNDARY, SESSION, SCP)


class PrincipalMatch(IntEnum):
    """How specifically a ``Principal`` element names the caller (higher is more specific)."""

    NONE = 0
    ACCOUNT = 1  # the caller's account (account id or :root ARN)
    ROLE = 2  # the role of a role session (the role ARN, not the session ARN)
    DIRECT = 3  # the caller itself, or "*"


# ----------------------------------------------------------------------------- actions


@dataclass(frozen=True, slots=True)
class ActionMatcher:
    everything: bool
    exact: frozenset[str]  # lower-cased "service:action"
    by_service: Mapping[str, re.Pattern[str]]  # service prefix → regex of the action part
    other: Optional[re.Pattern[str]]  # patterns with a wildcard in the service prefix

    def matches(self, action_lower: str, service_lower: str, name_lower: str) -> bool:
        if self.everything or action_lower in self.exact:
            return True
        regex = self.by_service.get(service_lower)
        if regex is not None and regex.fullmatch(name_lower) is not None:
            return True
        return self.other is not None and self.other.fullmatch(action_lower) is not None


def _alternation(patterns: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{static_regex(p, False).pattern})" for p in patterns), re.DOTALL)


def compile_actions(patterns: list[str]) -> ActionMatcher:
    exact: set[str] = set()
    per_service: dict[str, list[str]] = {}
    other: list[str] = []
    everything = False
    for pattern in patterns:
        p = pattern.lower()
        if p == "*":
            everything = True
            continue
        service, colon, name = p.partition(":")
        if not colon or "*" in service or "?" in service:
            other.append(p)
        elif "*" in name or "?" in name:
            per_service.setdefault(service, []).append(name)
        else:
            exact.add(p)
    return ActionMatcher(
        everything,
        frozenset(exact),
        {service: _alternation(names) for service, names in per_service.items()},
        _alternation(other) if other else None,
    )


# --------------------------------------------------------------------------- resources


@dataclass(frozen=True, slots=True)
class ResourceMatcher:
    everything: bool
    static: Optional[re.Pattern[str]]
    with_variables: tuple[str, ...]

    def matches(self, resource: str, context: Mapping[str, ContextValue]) -> Optional[bool]:
        """Does a pattern match? None when a policy variable cannot be resolved."""
        if self.everything:
            return True
        found = self.static is not None and self.static.fullmatch(resource) is not None
        for pattern in self.with_variables:
            pieces = resolve(pattern, context)
            if pieces is None:
                return None
            if not found and compile_pieces(pieces, True).fullmatch(resource) is not None:
                found = True
        return found


def compile_resources(patterns: list[str], variables: bool) -> ResourceMatcher:
    static: list[str] = []
    dynamic: list[str] = []
    for p in patterns:
        if p == "*":
            return ResourceMatcher(True, None, ())
        (dynamic if variables and has_variables(p) else static).append(p)
    regex = (re.compile("|".join(f"(?:{static_regex(p, True).pattern})" for p in static), re.DOTALL)
             if static else None)
    return ResourceMatcher(False, regex, tuple(dynamic))


# -------------------------------------------------------------------------- principals

_ACCOUNT_ID = re.compile(r"^\d{12}$")
_ROOT_ARN = re.compile(r"^arn:[a-z-]+:iam::(\d{12}):root$")
_ROLE_ARN = re.compile(r"^arn:[a-z-]+:iam::(\d{12}):role/(?:.*/)?([^/]+)$")


def match_principal_value(kind: str, value: str, principal: Principal) -> PrincipalMatch:
    if kind == "AWS":
        if value == "*":
            return PrincipalMatch.DIRECT
        account = value if _ACCOUNT_ID.match(value) else None
        if account is None:
            m = _ROOT_ARN.match(value)
            account = m.group(1) if m else None
        if account is not None:
            if principal.account != account:
                return PrincipalMatch.NONE
            return PrincipalMatch.DIRECT if principal.kind == PrincipalKind.ROOT else PrincipalMatch.ACCOUNT
        if principal.arn is not None and value == principal.arn and principal.is_iam_identity:
            return PrincipalMatch.DIRECT
        if principal.kind == PrincipalKind.ROLE_SESSION:
            m = _ROLE_ARN.match(value)
            if m and m.group(1) == principal.account and m.group(2) == principal.name:
                return PrincipalMatch.ROLE
        return PrincipalMatch.NONE
    if kind == "Service":
        if principal.kind == PrincipalKind.SERVICE and principal.arn is not None and value.lower() == principal.arn.lower():
            return PrincipalMatch.DIRECT
        return PrincipalMatch.NONE
    if kind == "Federated":
        if principal.kind == PrincipalKind.FEDERATED and value == principal.arn:
            return PrincipalMatch.DIRECT
        return PrincipalMatch.NONE
    if kind == "CanonicalUser":
        if principal.kind == PrincipalKind.CANONICAL_USER and principal.arn is not None and value.lower() == principal.arn.lower():
            return PrincipalMatch.DIRECT
        return PrincipalMatch.NONE
    return PrincipalMatch.NONE


@dataclass(frozen=True, slots=True)
class PrincipalMatcher:
    everyone: bool  # the element is the string "*"
    values: tuple[tuple[str, str], ...]  # (principal type, value)

    def level(self, principal: Principal) -> PrincipalMatch:
        if self.everyone:
            return PrincipalMatch.DIRECT
        best = PrincipalMatch.NONE
        for kind, value in self.values:
            level = match_principal_value(kind, value, principal)
            if level > best:
                best = level
        return best


# -------------------------------------------------------------------------- statements


@dataclass(frozen=True, slots=True)
class CompiledStatement:
    policy_id: str
    policy_type: str
    index: int  # position in the policy's statement list (0-based)
    sid: Optional[str]
    allow: bool
    start: int  # character offsets of the statement object in the policy text
    end: int
    actions: ActionMatcher
    not_action: bool
    resources: Optional[ResourceMatcher]  # None: no Resource element (trust policies)
    not_resource: bool
    principal: Optional[PrincipalMatcher]
    not_principal: bool
    conditions: tuple[Condition, ...]

    @property
    def effect(self) -> str:
        return "Allow" if self.allow else "Deny"

    def action_matches(self, action_lower: str, service_lower: str, name_lower: str) -> bool:
        return self.actions.matches(action_lower, service_lower, name_lower) != self.not_action

    def resource_matches(self, resource: str, context: Mapping[str, ContextValue]) -> bool:
        if self.resources is None:
            return True
        found = self.resources.matches(resource, context)
        # "If AWS cannot resolve a variable this might cause the entire statement to be invalid"
        # (IAM User Guide, "IAM policy elements: Variables and tags"): the statement then applies
        # to nothing, whether the element is Resource or NotResource.
        if found is None:
            return False
        return found != self.not_resource

    def conditions_hold(self, context: Mapping[str, ContextValue]) -> bool:
        return not self.conditions or evaluate_conditions(self.conditions, context)


@dataclass(frozen=True)
class CompiledPolicy:
    policy_id: str
    policy_type: str
    policy: Policy = field(repr=False)
    statements: tuple[CompiledStatement, ...] = field(repr=False)
    by_service: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    def candidates(self, service_lower: str) -> tuple[CompiledStatement, ...]:
        """The statements that can match an action of this service (others are skipped)."""
        found = self.by_service.get(service_lower)
        if found is None:
            found = tuple(s for s in self.statements if s.not_action or _may_name_service(s.actions, service_lower))
            self.by_service[service_lower] = found
        return found

    def line_column(self, offset: int) -> tuple[int, int]:
        """1-based line and column, as the IAM simulator reports statement positions."""
        line, column = self.policy.index.line_col(offset)
        return line, column + 1


def _may_name_service(actions: ActionMatcher, service_lower: str) -> bool:
    if actions.everything or actions.other is not None or service_lower in actions.by_service:
        return True
    prefix = service_lower + ":"
    return any(a.startswith(prefix) for a in actions.exact)


def _strings(node: Node, what: str) -> list[str]:
    items = node.items() if node.kind == ARRAY else [node]
    out = []
    for item in items:
        if item.kind != STRING:
            raise MalformedPolicy(f"{what} must be a string or an array of strings")
        out.append(item.value)  # type: ignore[arg-type]
    return out


def _scalar_text(node: Node, what: str) -> str:
    if node.kind == STRING:
        return node.value  # type: ignore[return-value]
    if node.kind == BOOLEAN:
        return "true" if node.value else "false"
    if node.kind == NUMBER:
        return node.raw or str(node.value)
    raise MalformedPolicy(f"{what}: condition values must be strings, numbers or booleans")


def _principal(statement: Statement, negated: bool) -> PrincipalMatcher:
    element = statement.not_principal if negated else statement.principal
    assert element is not None
    name = "NotPrincipal" if negated else "Principal"
    if not element.is_map:
        if element.wildcard is None or element.wildcard.text != "*":
            raise MalformedPolicy(f'{name} must be "*" or a map of principal types')
        return PrincipalMatcher(True, ())
    values: list[tuple[str, str]] = []
    for entry in element.entries:
        for value in _strings(entry.values.element.node, f"{name}.{entry.kind}"):
            values.append((entry.kind, value))
    return PrincipalMatcher(False, tuple(values))


def compile_statement(statement: Statement, position: int, policy_id: str, policy_type: str,
                      variables: bool) -> CompiledStatement:
    where = f"{policy_id} statement {position + 1}"
    effect = statement.effect_text
    if effect not in ("Allow", "Deny"):
        raise MalformedPolicy(f"{where}: Effect must be Allow or Deny")
    if (statement.action is None) == (statement.not_action is None):
        raise MalformedPolicy(f"{where}: a statement needs exactly one of Action and NotAction")
    if statement.resource is not None and statement.not_resource is not None:
        raise MalformedPolicy(f"{where}: a statement cannot have both Resource and NotResource")
    has_principal = statement.principal is not None or statement.not_principal is not None
    if policy_type in PRINCIPAL_FREE_TYPES:
        if has_principal:
            raise MalformedPolicy(f"{where}: a {policy_type} cannot have a Principal or NotPrincipal")
        if statement.resource is None and statement.not_resource is None:
            raise MalformedPolicy(f"{where}: a statement needs Resource or NotResource")
    else:
        if not has_principal:
            raise MalformedPolicy(f"{where}: a {policy_type} statement needs a Principal or NotPrincipal")
        if statement.principal is not None and statement.not_principal is not None:
            raise MalformedPolicy(f"{where}: a statement cannot have both Principal and NotPrincipal")
    action_list = statement.action or statement.not_action
    assert action_list is not None
    actions = compile_actions(_strings(action_list.element.node, "Action"))
    resource_list = statement.resource or statement.not_resource
    resources = (compile_resources(_strings(resource_list.element.node, "Resource"), variables)
                 if resource_list is not None else None)
    principal = None
    if has_principal:
        principal = _principal(statement, statement.principal is None)
    conditions: list[Condition] = []
    if statement.condition is not None:
        if statement.condition.node.kind != OBJECT:
            raise MalformedPolicy(f"{where}: Condition must be an object")
        for block in statement.conditions:
            if block.node.kind != OBJECT:
                raise MalformedPolicy(f"{where}: Condition {block.operator} must be an object")
            for entry in block.entries:
                values = [_scalar_text(v.node, f"{where}: {entry.key}") for v in entry.values]
                condition = compile_condition(block.operator, entry.key, values, variables)
                conditions.append(condition)
    sid = statement.sid_text
    return CompiledStatement(
        policy_id, policy_type, position, sid, effect == "Allow", statement.loc.start, statement.loc.end,
        actions, statement.not_action is not None,
        resources, statement.not_resource is not None,
        principal, statement.not_principal is not None,
        tuple(conditions),
    )


def compile_policy(policy: Policy, policy_id: str, policy_type: str) -> CompiledPolicy:
    version = policy.version_text
    if policy.version is not None and version not in KNOWN_VERSIONS:
        raise MalformedPolicy(f"{policy_id}: Version must be 2012-10-17 or 2008-10-17")
    if policy.root.kind != OBJECT:
        raise MalformedPolicy(f"{policy_id}: a policy must be a JSON object")
    if policy.statement_element is None:
        raise MalformedPolicy(f"{policy_id}: the policy has no Statement")
    node = policy.statement_element.node
    if node.kind == ARRAY and any(item.kind != OBJECT for item in node.items()):
        raise MalformedPolicy(f"{policy_id}: every statement must be a JSON object")
    if node.kind not in (ARRAY, OBJECT):
        raise MalformedPolicy(f"{policy_id}: Statement must be an object or an array of objects")
    # Policy variables are replaced only in policies of Version 2012-10-17; otherwise "${...}"
    # is plain text (IAM User Guide, "IAM policy elements: Variables and tags").
    variables = version == VARIABLES_VERSION
    statements = tuple(
        compile_statement(s, i, policy_id, policy_type, variables) for i, s in enumerate(policy.statements)
    )
    return CompiledPolicy(policy_id, policy_type, policy, statements)


def compile_policy_text(text: str, policy_id: str, policy_type: str) -> CompiledPolicy:
    """Parse and compile policy text. Raises ``MalformedPolicy`` with a one-line message."""
    try:
        policy = parse_policy(text)
    except JsonLimitError as e:
        raise MalformedPolicy(f"{policy_id}: {e.message}") from None
    except JsonSyntaxError as e:
        raise MalformedPolicy(f"{policy_id}: not valid JSON: {e.message}") from None
    return compile_policy(policy, policy_id, policy_type)
