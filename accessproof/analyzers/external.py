"""The external access analyzer: who outside the zone of trust can reach each resource.

For one resource, its module (``accessproof.resources``) turns the configuration (policy, ACL
grants, access points, KMS grants, share attributes) into one resource-based policy whose
statements keep their source. The symbolic engine then enumerates the callers that the policy
can name (``reason.solver.principal_candidates``: the root of every named account, every named
principal, a session of every named role, a user of an account the policy never names, and the
anonymous caller) and keeps those outside the zone of trust. For each of them it solves, again
and again,

    the policy grants the request (to a caller whose own account allows it)
    and the action belongs to the resource's services and the resource is this resource
    and the caller is this candidate, with the context keys that describe it set accordingly
    and no Allow statement already reported for this candidate matches

until no request is left. Each answer is replayed through ``accessproof.evaluate`` with the
resource's real owner; the Allow statements that allowed it become findings (the principal as
the policy names it — an account as its bare id, as AWS's findings show it —, the statement's
conditions, every action of the resource's services that the candidate can perform there, the
statement's source), each with that replayed request as its witness. A request reaches a bucket
directly, through one of its access points (S3_ACCESS_POINT), or through an access point of
another account its policy delegates to (S3_ACCESS_POINT_ACCOUNT); each is a path. When the
loop ends, every request from outside the zone that the configuration allows is covered by a
finding: the set is complete (in the spirit of AWS's "stratified abstraction"). A resource whose
configuration could not be read, in part, also gets an ``ACCESS_DENIED`` error finding.

Where AWS is silent: service principals are not reported (AWS: "Access Analyzer does not
currently report findings from AWS service principals"); a canonical user other than the bucket
owner is external; ``isPublic`` uses ``checks.public``'s definition (the statement alone fails
CheckNoPublicAccess for the resource's type), and for types outside CheckNoPublicAccess's list
(ECR, Lambda layers, EBS and RDS snapshots) a grant to everyone is public.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Iterable, Optional

from ..catalog import default_catalog
from ..checks import check_no_public_access
from ..checks.common import CALLER_IDENTITY
from ..evaluate import (
    RESOURCE, CompiledPolicy, ContextValue, MalformedPolicy, PolicySet, PrincipalKind, Request, compile_policy_text,
    evaluate, parse_principal,
)
from ..evaluate.matching import PrincipalMatch, match_principal_value
from ..findings import FreshFinding, ResourceAnalysis
from ..inventory.model import Account, Resource, S3Bucket, Snapshot
from ..parallel import Executor, split
from ..reason import ACTION, RESOURCE as RESOURCE_DIM, Concrete, Encoder, Matches, Session, Undecided, conj, disj, neg, opaque_keys
from ..reason.encode import action_pattern, resource_pattern
from ..reason.solver import accepts, opaque_condition_map, principal_candidates
from ..reason.strings import literal_pattern, wildcard_pattern
from ..checks.public import is_public_federated_provider, is_public_statement_shape
from ..reason.terms import TRUE, KeyPresent, PrincipalNamed, SomeScalar, SomeValue, Term, atoms
from ..resources import ACCESS_DENIED, SourcedStatement, access_denied, module_for, policy_text, s3_bucket

ACCOUNT, ORGANIZATION = "ACCOUNT", "ORGANIZATION"
ZONE_TYPES = (ACCOUNT, ORGANIZATION)
WITNESS_NAME = "accessproof-witness"
# ResourceType → the CheckNoPublicAccess type whose definition of "public" applies.
_PUBLIC_CHECK_TYPE = {
    "AWS::S3::Bucket": "AWS::S3::Bucket", "AWS::S3Express::DirectoryBucket": "AWS::S3Express::DirectoryBucket",
    "AWS::IAM::Role": "AWS::IAM::AssumeRolePolicyDocument", "AWS::KMS::Key": "AWS::KMS::Key",
    "AWS::Lambda::Function": "AWS::Lambda::Function", "AWS::SQS::Queue": "AWS::SQS::Queue",
    "AWS::SNS::Topic": "AWS::SNS::Topic", "AWS::SecretsManager::Secret": "AWS::SecretsManager::Secret",
    "AWS::EFS::FileSystem": "AWS::EFS::FileSystem", "AWS::DynamoDB::Table": "AWS::DynamoDB::Table",
    "AWS::DynamoDB::Stream": "AWS::DynamoDB::Stream",
}
_GENERIC_PUBLIC_TYPE = "AWS::SQS::Queue"  # its rule has only the global restricting keys
# Context keys that describe the caller: set from the candidate, never chosen freely.
PRINCIPAL_ACCOUNT, PRINCIPAL_ARN, PRINCIPAL_ORG_ID = "aws:principalaccount", "aws:principalarn", "aws:principalorgid"
PRINCIPAL_IS_SERVICE, PRINCIPAL_TYPE = "aws:principalisawsservice", "aws:principaltype"
KMS_CALLER_ACCOUNT = "kms:calleraccount"  # the caller's account, for KMS (AWS KMS Developer Guide, condition keys)
ACCOUNT_KEYS = (PRINCIPAL_ACCOUNT, KMS_CALLER_ACCOUNT)
_DESCRIBING = frozenset({*ACCOUNT_KEYS, PRINCIPAL_ARN, PRINCIPAL_ORG_ID, PRINCIPAL_IS_SERVICE, PRINCIPAL_TYPE})
# Set only when an AWS service principal calls on behalf of a resource (IAM User Guide, global
# condition keys, aws:SourceAccount: "included in the request context only when a call to your
# resource is made directly by an AWS service principal"): absent for every caller reported here.
_SERVICE_ONLY = frozenset({"aws:sourceaccount", "aws:sourcearn", "aws:sourceowner", "aws:sourceorgid",
                           "aws:sourceorgpaths"})
# aws:PrincipalType values (IAM User Guide, "AWS global condition context keys").
_PRINCIPAL_TYPES = {PrincipalKind.ROOT: "Account", PrincipalKind.USER: "User", PrincipalKind.ROLE: "AssumedRole",
                    PrincipalKind.ROLE_SESSION: "AssumedRole", PrincipalKind.FEDERATED_USER: "FederatedUser"}


@dataclass(frozen=True)
class ZoneOfTrust:
    """``ACCOUNT``: the resource's account; ``ORGANIZATION``: every member account of its organization."""

    type: str
    account_id: str
    organization_id: Optional[str] = None
    member_accounts: frozenset[str] = frozenset()  # the accounts inside the zone
    organization_members: frozenset[str] = frozenset()  # the organization's accounts, when known

    @classmethod
    def of(cls, account: Account, zone_type: str) -> "ZoneOfTrust":
        if zone_type not in ZONE_TYPES:
            raise ValueError(f"zone of trust must be one of {', '.join(ZONE_TYPES)}; got {zone_type!r}")
        members = frozenset(account.member_account_ids) | {account.account_id}
        if zone_type == ORGANIZATION and account.organization_id is None:
            raise ValueError("an ORGANIZATION zone of trust needs the organization id in account.json")
        return cls(zone_type, account.account_id, account.organization_id,
                   members if zone_type == ORGANIZATION else frozenset({account.account_id}), members)

    def contains(self, account_id: Optional[str]) -> bool:
        return account_id is not None and account_id in self.member_accounts

    def in_organization(self, account_id: Optional[str]) -> bool:
        return self.organization_id is not None and account_id is not None and account_id in self.organization_members


# --------------------------------------------------------------------------------- callers


@dataclass(frozen=True)
class Caller:
    """One candidate caller outside the zone, with what it determines of the request context."""

    index: int  # in the session's candidate list
    text: str  # as parse_principal reads it
    public: bool  # anonymous, or a user of an account the policy never names
    fixed: dict  # context key → ContextValue the caller determines
    absent: frozenset[str]  # context keys the caller cannot have
    other_organization: bool  # its aws:PrincipalOrgID, if any, is not the zone's organization
    extra: Term = TRUE  # further facts about the keys that describe it


@dataclass(frozen=True)
class _CallerFacts:
    """Atoms about the keys that describe a caller, registered with the session up front."""

    account_in_zone: tuple[SomeValue, ...]  # aws:PrincipalAccount (kms:CallerAccount) is a zone account
    arn_in_zone: Optional[SomeValue]  # aws:PrincipalArn is an ARN of a zone account
    arn_in_account: dict  # account → SomeValue "aws:PrincipalArn is an ARN of this account"

    @classmethod
    def build(cls, mentioned: set, zone: ZoneOfTrust, named_accounts: Iterable[str]) -> "_CallerFacts":
        def arn_of(accounts) -> tuple:
            return tuple(wildcard_pattern(f"arn:*:*::{a}:*", arn=True) for a in sorted(accounts))
        zone_accounts = sorted(zone.member_accounts)
        return cls(
            tuple(SomeValue(key, tuple(literal_pattern(a) for a in zone_accounts), False)
                  for key in ACCOUNT_KEYS if key in mentioned),
            SomeValue(PRINCIPAL_ARN, arn_of(zone_accounts), False) if PRINCIPAL_ARN in mentioned else None,
            {a: SomeValue(PRINCIPAL_ARN, arn_of([a]), False) for a in named_accounts} if PRINCIPAL_ARN in mentioned else {})

    def terms(self) -> list[Term]:
        return [t for t in (*self.account_in_zone, self.arn_in_zone, *self.arn_in_account.values()) if t is not None]


def _callers(session: Session, zone: ZoneOfTrust, owner_canonical_id: Optional[str], facts: _CallerFacts) -> list[Caller]:
    """The session's candidates that lie outside the zone. A user of an account the policy never
    names stands for every such caller: the keys that describe it are free but for lying outside
    the zone. The root of a named account stands for every principal of that account."""
    out: list[Caller] = []
    fresh = session.candidates[0]
    for index, text in enumerate(session.candidates):
        principal = parse_principal(text)
        kind = principal.kind
        if kind == PrincipalKind.SERVICE:
            continue  # not reported by Access Analyzer
        if kind == PrincipalKind.CANONICAL_USER:
            if text != owner_canonical_id:
                out.append(Caller(index, text, False, {}, _SERVICE_ONLY, False))
            continue
        if text == "anonymous":
            out.append(Caller(index, text, True, {PRINCIPAL_TYPE: ContextValue(("Anonymous",))},
                              (_DESCRIBING - {PRINCIPAL_TYPE}) | _SERVICE_ONLY, True))
            continue
        if kind == PrincipalKind.FEDERATED:
            # a web identity or SAML session: described by its provider's keys, not the caller keys
            out.append(Caller(index, text, is_public_federated_provider(text), {}, _DESCRIBING | _SERVICE_ONLY, True))
            continue
        account = principal.account
        if zone.contains(account):
            continue
        fixed = {PRINCIPAL_IS_SERVICE: ContextValue(("false",))}
        extra: list[Term] = []
        if text == fresh:
            extra += [neg(f) for f in (*facts.account_in_zone, facts.arn_in_zone) if f is not None]
            extra += [KeyPresent(f.key) for f in facts.account_in_zone]
        else:
            fixed.update({key: ContextValue((account,)) for key in ACCOUNT_KEYS})
            if kind == PrincipalKind.ROOT:
                if account in facts.arn_in_account:
                    extra.append(facts.arn_in_account[account])
            else:
                fixed[PRINCIPAL_TYPE] = ContextValue((_PRINCIPAL_TYPES[kind],))
                fixed[PRINCIPAL_ARN] = ContextValue((principal.role_arn or principal.arn,))
        in_org = zone.in_organization(account)
        if in_org:
            fixed[PRINCIPAL_ORG_ID] = ContextValue((zone.organization_id,))
        # Outside the organization for sure: a named account the member list leaves out, or any
        # caller of an ORGANIZATION zone. An account the policy never names may, in an ACCOUNT
        # zone, be another member of the organization (aws:PrincipalOrgID left free).
        outside_org = zone.type == ORGANIZATION or (text != fresh and len(zone.organization_members) > 1)
        out.append(Caller(index, text, text == fresh, fixed, _SERVICE_ONLY, not in_org and outside_org, conj(extra)))
    return out


def known_context_term(session_atoms: Iterable, fixed: dict, absent: frozenset[str]) -> Term:
    """What ``fixed`` values and ``absent`` keys make of every atom on those keys."""
    parts: list[Term] = []
    for atom in session_atoms:
        key = getattr(atom, "key", None)
        if key in absent and isinstance(atom, (KeyPresent, SomeValue, SomeScalar)):
            parts.append(neg(atom))
        elif key in fixed:
            values = fixed[key].values
            if isinstance(atom, KeyPresent):
                truth = bool(values)
            elif isinstance(atom, SomeValue):
                truth = any(atom.holds_for(tuple(accepts(p, v) for p in atom.patterns)) for v in values)
            elif isinstance(atom, SomeScalar):
                truth = any(atom.holds_for(tuple(t.outcome(v) for t in atom.tests)) for v in values)
            else:
                continue  # an opaque fact: the replay checks it
            parts.append(atom if truth else neg(atom))
    return conj(parts)


# ------------------------------------------------------------------------------- analysis


def _condition_of(policy: CompiledPolicy, index: int) -> dict[str, str]:
    """The statement's conditions as a finding's ``condition`` map (key → value; values joined)."""
    out: dict[str, str] = {}
    for condition in policy.statements[index].conditions:
        out[condition.key] = ",".join(condition.values)
    return out


_ROOT_ARN = re.compile(r"^arn:[a-z-]+:iam::(\d{12}):root$")


def finding_principal(kind: str, value: str) -> dict[str, str]:
    """A finding's ``principal`` for a policy's principal value: an account — its id or its
    ``:root`` ARN — is the bare account id, as AWS's findings show it (GetFinding, EventBridge
    and Security Hub examples: ``"principal": {"AWS": "111122223333"}``); any other value as
    written."""
    if kind == "AWS" and (m := _ROOT_ARN.match(value)):
        return {kind: m.group(1)}
    return {kind: value}


def _principal_of(policy: CompiledPolicy, index: int, caller: str) -> dict[str, str]:
    """The principal value of the statement that names ``caller`` (``{"AWS": "*"}`` for everyone)."""
    statement = policy.statements[index]
    matcher = statement.principal
    if matcher is None or matcher.everyone or statement.not_principal:
        return {"AWS": "*"}
    principal = parse_principal(caller)
    best: Optional[tuple[str, str]] = None
    for kind, value in matcher.values:
        if match_principal_value(kind, value, principal) != PrincipalMatch.NONE:
            if best is None or value != "*":
                best = (kind, value)
    return finding_principal(*best) if best else {"AWS": "*"}


def _concrete_resources(patterns: Iterable[str]) -> list[str]:
    return [p.replace("*", WITNESS_NAME).replace("?", "x") for p in patterns]


@lru_cache(maxsize=64)
def _service_actions(prefixes: tuple[str, ...]) -> tuple:
    catalog = default_catalog()
    out = []
    for prefix in prefixes:
        service = catalog.service(prefix)
        if service is not None:
            out.extend(service.actions.values())
    return tuple(out)


def _applies_to(action, arn: str) -> bool:
    service = default_catalog().service(action.service)
    return service is not None and any(
        # The service reference keys resource types in lower case; actions name them as written
        # ("Secret"), so Secrets Manager's actions were matched to no resource type.
        (rt := service.resource_types.get(ref.name) or service.resource_types.get(ref.name.lower())) is not None
        and rt.matches_arn(arn) for ref in action.resource_types)


ACCESS_POINT_KEYS = ("s3:dataaccesspointarn", "s3:dataaccesspointaccount")


@dataclass
class _Path:
    """One way a request reaches the resource. ``policy`` holds the statements reported as
    findings (aligned with ``statements``); ``gate``, when set, must allow the request too: a
    request through an S3 access point needs both the access point's policy and the bucket's
    ("both the access point and the underlying bucket must permit the request", S3 User Guide,
    "Configuring IAM policies for using access points")."""

    resource: Resource
    policy: CompiledPolicy
    statements: list[SourcedStatement]
    gate: Optional[CompiledPolicy]
    resource_patterns: tuple[str, ...]
    service_prefixes: tuple[str, ...]
    fixed: dict  # context the path determines (the access point's ARN and account)
    absent: frozenset[str]  # context keys the path cannot have
    through_access_point: bool = False
    # Further facts about the path's context (atoms built here, registered with the session).
    constraints: tuple[Term, ...] = ()
    # Block Public Access keeps the public out of this path (a cross-account access point
    # under RestrictPublicBuckets): no anonymous caller, no finding is public.
    public_blocked: bool = False
    # Allow statements searched on this path (None: all of them).
    searched: Optional[frozenset[int]] = None

    def request(self, caller: str, action: str, resource: str, context: dict) -> Request:
        return Request(parse_principal(caller), action, resource, dict(context), self.resource.account_id)

    def decide(self, caller: str, action: str, resource: str, context: dict):
        request = self.request(caller, action, resource, context)
        decision = evaluate(request, PolicySet(identity=(CALLER_IDENTITY,), resource=self.policy), explain=False)
        if decision.allowed and self.gate is not None and not evaluate(
                request, PolicySet(identity=(CALLER_IDENTITY,), resource=self.gate), explain=False).allowed:
            return replace(decision, decision="implicitDeny")
        return decision


def _compiled(part: list[SourcedStatement], name: str) -> CompiledPolicy:
    return compile_policy_text(policy_text(part), name, RESOURCE)


def _paths(resource: Resource, statements: list[SourcedStatement]) -> list[_Path]:
    """The direct path, one path per S3 access point whose statements the module produced, and
    for a bucket policy that delegates to access points, one path per other account whose
    access points it may delegate to (``_access_point_account_paths``)."""
    module = module_for(resource)
    patterns, prefixes = module.request_resources(resource), module.service_prefixes
    access_points = list(dict.fromkeys(s.source.access_point_arn for s in statements if s.source.access_point_arn))
    direct = [s for s in statements if not s.source.access_point_arn]
    delegated = _access_point_account_paths(resource) if isinstance(resource, S3Bucket) else []
    if not access_points and not delegated:
        return [_Path(resource, _compiled(statements, resource.arn), statements, None, patterns, prefixes, {}, frozenset())]
    bucket = _compiled(direct, resource.arn)
    out = [_Path(resource, bucket, direct, None, patterns, prefixes, {}, frozenset(ACCESS_POINT_KEYS))]
    for arn in access_points:
        part = [s for s in statements if s.source.access_point_arn == arn]
        account = next((s.source.access_point_account for s in part if s.source.access_point_account), None)
        fixed = {ACCESS_POINT_KEYS[0]: ContextValue((arn,)),
                 ACCESS_POINT_KEYS[1]: ContextValue((account or resource.account_id,))}
        out.append(_Path(resource, _compiled(part, arn), part, bucket, patterns, prefixes, fixed, frozenset(),
                         through_access_point=True))
    return out + delegated


def _access_point_arn_of(accounts: Iterable[str]) -> SomeValue:
    """"s3:DataAccessPointArn is the ARN of an access point of one of ``accounts``"."""
    return SomeValue(ACCESS_POINT_KEYS[0], tuple(wildcard_pattern(f"arn:*:s3:*:{a}:accesspoint/*", arn=True)
                                                for a in sorted(accounts)), False)


def _access_point_account_paths(bucket: S3Bucket) -> list[_Path]:
    """Requests through the access points of other accounts that the bucket policy delegates to
    (S3_ACCESS_POINT_ACCOUNT). Their access point policies are not in the snapshot and may admit
    anyone, so the bucket policy alone decides (``s3_bucket.access_point_account_statements``).
    Without Block Public Access and without a Deny that tests the access point keys, only the
    Allow statements that test them are searched: the others meet such a request exactly as they
    meet a direct one, and the direct path reports them. Otherwise every Allow is searched (a
    Deny may leave the access points as the only way in; RestrictPublicBuckets keeps a public
    grant from direct callers but not from the access point's account), and a grant an earlier
    path reported for the same principal is not reported again."""
    module = module_for(bucket)
    patterns, prefixes = module.request_resources(bucket), module.service_prefixes
    named = s3_bucket.named_access_point_accounts(bucket)
    restricted = s3_bucket.public_access_points_restricted(bucket)
    out = []
    for account in s3_bucket.access_point_accounts(bucket):
        part = s3_bucket.access_point_account_statements(bucket, account)
        searched: Optional[frozenset[int]] = None
        if not restricted and not any(not s.is_allow and s3_bucket.mentions_access_points(s.statement) for s in part):
            searched = frozenset(i for i, s in enumerate(part)
                                 if s.is_allow and s3_bucket.mentions_access_points(s.statement))
        if account is not None:
            fixed = {ACCESS_POINT_KEYS[1]: ContextValue((account,))}
            constraints: tuple[Term, ...] = (_access_point_arn_of([account]),)
        else:  # an account the policy does not name: neither its access point account nor ARN is named
            fixed = {}
            constraints = (KeyPresent(ACCESS_POINT_KEYS[0]), KeyPresent(ACCESS_POINT_KEYS[1]),
                           neg(SomeValue(ACCESS_POINT_KEYS[1], tuple(literal_pattern(a) for a in sorted(named)), False)),
                           neg(_access_point_arn_of(named)))
        out.append(_Path(bucket, _compiled(part, f"{bucket.arn} through access points of {account or 'other accounts'}"),
                         part, None, patterns, prefixes, fixed, frozenset(), through_access_point=True,
                         constraints=constraints, public_blocked=restricted, searched=searched))
    return out


def _public_statement(ctx: _Path, index: int) -> bool:
    if ctx.public_blocked:
        return False
    statement = ctx.statements[index].statement
    if ctx.through_access_point:  # its own scoping to the access point confines nothing
        statement = _without_keys(statement, ACCESS_POINT_KEYS)
    check_type = _PUBLIC_CHECK_TYPE.get(ctx.resource.resource_type)
    if check_type is None:
        # No CheckNoPublicAccess type (ECR, Lambda layers, snapshots): the global restricting
        # keys decide, read syntactically on the statement.
        return is_public_statement_shape(_GENERIC_PUBLIC_TYPE, statement)
    document = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    return check_no_public_access(document, check_type).result == "FAIL"


def _without_keys(statement: dict, keys: Iterable[str]) -> dict:
    lowered = set(keys)
    condition = {op: {k: v for k, v in block.items() if k.lower() not in lowered}
                 for op, block in (statement.get("Condition") or {}).items()}
    out = {k: v for k, v in statement.items() if k != "Condition"}
    condition = {op: block for op, block in condition.items() if block}
    if condition:
        out["Condition"] = condition
    return out


def _actions(ctx: _Path, caller: str, context: dict, index: int, witness_action: str) -> tuple[str, ...]:
    """Every action of the resource's services that the caller can perform on the resource
    through statement ``index`` (same context as the witness)."""
    found = {witness_action}
    for resource in _concrete_resources(ctx.resource_patterns):
        for action in _service_actions(ctx.service_prefixes):
            if not _applies_to(action, resource):
                continue
            decision = ctx.decide(caller, action.full_name, resource, context)
            if decision.allowed and any(m.policy is ctx.policy and m.statement.index == index for m in decision.matched):
                found.add(action.full_name)
    return tuple(sorted(found))


def _first_action(ctx: _Path, w: Concrete, index: int, actions: tuple[str, ...]) -> str:
    """The first of the finding's actions (in order) that the witness's request makes through
    statement ``index``: the solver's model may pick any of them, and the same configuration
    must give the same finding every time it is analyzed."""
    by_name = {a.full_name: a for a in _service_actions(ctx.service_prefixes)}
    for name in actions:
        if name == w.action:
            return name
        action = by_name.get(name)
        if action is None or not _applies_to(action, w.resource):
            continue
        decision = ctx.decide(w.principal, name, w.resource, w.context)
        if decision.allowed and any(m.policy is ctx.policy and m.statement.index == index for m in decision.matched):
            return name
    return w.action


def _witness(caller: str, action: str, resource: str, context: dict) -> dict:
    return {"principal": caller, "action": action, "resource": resource,
            "context": {k: (list(v.values) if v.multivalued else v.values[0]) for k, v in context.items()}}


def analyze_resource(resource: Resource, zone: ZoneOfTrust) -> ResourceAnalysis:
    """Every class of access to ``resource`` from outside ``zone``: one FreshFinding per
    (principal value, statement) with its actions, condition, isPublic, sources and a witness
    request the evaluator replayed. Complete: no external request is allowed that no finding covers."""
    return _analyze(resource, _sourced_statements(resource), zone)


def _sourced_statements(resource: Resource) -> list[SourcedStatement]:
    def policy_is_public(text: str) -> bool:
        check_type = _PUBLIC_CHECK_TYPE.get(resource.resource_type, "AWS::S3::Bucket")
        return check_no_public_access(text, check_type).result == "FAIL"

    return module_for(resource).statements(resource, policy_is_public)


def _analyze(resource: Resource, statements: list[SourcedStatement], zone: ZoneOfTrust) -> ResourceAnalysis:
    def analysis(findings: Iterable[FreshFinding]) -> ResourceAnalysis:
        return ResourceAnalysis(resource.arn, resource.resource_type, resource.account_id, tuple(findings))

    def error(message: str) -> FreshFinding:
        return FreshFinding(resource.arn, resource.resource_type, resource.account_id, error=message)

    # What could not be read: an error finding, and the rest analysed as read (its findings are
    # real access; what was not read may hold more, which the error finding says).
    errors = [error(ACCESS_DENIED)] if access_denied(resource) else []
    if not any(s.is_allow for s in statements):
        return analysis(errors)
    try:
        paths = _paths(resource, statements)
    except MalformedPolicy as e:
        return analysis([error(f"INVALID_POLICY: {e}")])
    findings: list[FreshFinding] = []
    reported: set[tuple[str, str]] = set()  # (principal, statement origin) of the findings so far
    try:
        for path in paths:
            findings += _findings(path, zone, getattr(resource, "acl_owner_id", None), reported)
    except Undecided as e:
        return analysis([error(f"INTERNAL_ERROR: accessproof could not decide this resource: {e}")])
    return analysis(errors + findings)


_SELF = "@@accessproof-self@@"  # stands for the resource's own ARN in a cache key


def configuration_key(resource: Resource, statements: list[SourcedStatement], zone: ZoneOfTrust) -> str:
    """A cache key for the analysis of these statements on this resource, the same for two
    resources whose configurations differ only by the resource's own ARN — when renaming the ARN
    cannot change what the policy means: every Resource value is "*" or starts with the ARN."""
    text = policy_text(statements)
    relative = text.replace(resource.arn, _SELF)
    for statement in json.loads(relative).get("Statement", []):
        for element in ("Resource", "NotResource"):
            values = statement.get(element, [])
            for value in [values] if isinstance(values, str) else values:
                if value != "*" and not value.startswith(_SELF):
                    relative = text  # the ARN is part of the meaning: no sharing
                    break
    requested = [r.replace(resource.arn, _SELF) for r in module_for(resource).request_resources(resource)]
    # Beyond the statements: what could not be read, and for a bucket whether Block Public Access
    # restricts requests through other accounts' access points (``_access_point_account_paths``).
    restricted = isinstance(resource, S3Bucket) and s3_bucket.public_access_points_restricted(resource)
    material = json.dumps([resource.resource_type, resource.account_id, getattr(resource, "acl_owner_id", None),
                           zone.type, sorted(zone.member_accounts), zone.organization_id,
                           sorted(zone.organization_members), requested, relative, resource.unreadable, restricted])
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def _renamed(analysis: ResourceAnalysis, arn: str) -> ResourceAnalysis:
    """A cached analysis of another resource with the same relative configuration, for ``arn``."""
    old = analysis.resource

    def swap(text: str) -> str:
        return text.replace(old, arn)

    findings = tuple(replace(
        f, resource=arn, condition={k: swap(v) for k, v in f.condition.items()},
        witness={**f.witness, "resource": swap(f.witness["resource"])} if f.witness else f.witness)
        for f in analysis.findings)
    return replace(analysis, resource=arn, findings=findings)


def _findings(ctx: _Path, zone: ZoneOfTrust, owner_canonical_id: Optional[str],
              reported_before: Optional[set[tuple[str, str]]] = None) -> list[FreshFinding]:
    """The findings of one path. ``reported_before`` (updated): the (principal, statement origin)
    of earlier paths' findings; a path through other accounts' access points does not report
    again a grant that an earlier path reported for the same principal."""
    seen = reported_before if reported_before is not None else set()
    policy = ctx.policy
    policies = (policy,) if ctx.gate is None else (policy, ctx.gate)
    encoder = Encoder(opaque_keys(policies))
    grants = conj([encoder.grants(p) for p in policies])
    wanted = conj([disj(Matches(ACTION, action_pattern(f"{p}:*")) for p in ctx.service_prefixes),
                   disj(Matches(RESOURCE_DIM, resource_pattern(r)) for r in ctx.resource_patterns)])
    allow_terms = {s.index: encoder.allows(policy, only=s.index) for s in policy.statements if s.allow}
    org_literal = (SomeValue(PRINCIPAL_ORG_ID, (literal_pattern(zone.organization_id),), False)
                   if zone.organization_id else None)
    mentioned = {getattr(a, "key", None) for a in atoms(grants)}
    named_accounts = {parse_principal(c).account for c in principal_candidates(
        a for a in atoms(grants) if isinstance(a, PrincipalNamed))} - {None}
    facts = _CallerFacts.build(mentioned, zone, named_accounts)
    terms = [grants, wanted, *allow_terms.values(), *([org_literal] if org_literal else []), *facts.terms(),
             *ctx.constraints]
    # Real requests only (reason.requests): each finding's witness is a request AWS can receive,
    # an action of the resource's services acting on this resource.
    session = Session(terms, None, opaque_condition_map(policies), real_requests=True)
    found: dict[tuple, FreshFinding] = {}
    not_searched = [i for i in allow_terms if ctx.searched is not None and i not in ctx.searched]
    for caller in _callers(session, zone, owner_canonical_id, facts):
        if ctx.public_blocked and caller.text == "anonymous":
            continue
        caller = replace(caller, fixed={**caller.fixed, **ctx.fixed}, absent=caller.absent | ctx.absent)
        known = conj([known_context_term(session.atoms, caller.fixed, caller.absent), caller.extra, *ctx.constraints])
        other_org = neg(org_literal) if org_literal is not None and caller.other_organization else conj([])
        reported: list[int] = list(not_searched)
        while True:
            term = conj([grants, wanted, known, other_org, *(neg(allow_terms[i]) for i in reported)])

            def replays(c, caller=caller) -> bool:
                decision = ctx.decide(c.principal, c.action, c.resource, c.context)
                return decision.allowed and any(accepts(action_pattern(f"{p}:*"), c.action.lower())
                                                for p in ctx.service_prefixes)

            outcome = session.solve(term, replays, candidate=caller.index, fixed=caller.fixed)
            if outcome.witness is None:
                if outcome.unsure:
                    raise Undecided(f"the access of {caller.text} could not be settled exactly")
                break
            w = outcome.witness
            decision = ctx.decide(w.principal, w.action, w.resource, w.context)
            matched = sorted({m.statement.index for m in decision.matched if m.policy is policy and m.statement.allow})
            new = [i for i in matched if i not in reported]
            if not new:  # cannot happen: the term excludes reported statements
                raise Undecided("a witness matched only statements already reported")
            for index in new:
                reported.append(index)
                principal = _principal_of(policy, index, w.principal)
                key = (json.dumps(principal, sort_keys=True), index)
                grant = (key[0], ctx.statements[index].origin)
                if key in found or (ctx.searched is not None and grant in seen):
                    continue
                seen.add(grant)
                actions = _actions(ctx, w.principal, w.context, index, w.action)
                found[key] = FreshFinding(
                    ctx.resource.arn, ctx.resource.resource_type, ctx.resource.account_id,
                    principal=principal, action=actions,
                    condition=_condition_of(policy, index),
                    is_public=caller.public and _public_statement(ctx, index),
                    sources=(ctx.statements[index].source.to_api(),),
                    witness=_witness(w.principal, _first_action(ctx, w, index, actions), w.resource, w.context))
    return list(found.values())


# Below this many resources a snapshot is analysed in this process: starting workers costs more.
PARALLEL_MIN_RESOURCES = 1000
# Shards per worker: several, so that a worker that drew costly configurations does not hold the rest up.
SHARDS_PER_WORKER = 4


def _keys_of(payload: tuple[ZoneOfTrust, list[Resource]]) -> list[str]:
    """A worker's first task: the configuration key of each resource of its shard."""
    zone, resources = payload
    return [configuration_key(resource, _sourced_statements(resource), zone) for resource in resources]


def _analyses_of(payload: tuple[ZoneOfTrust, list[Resource]]) -> list[ResourceAnalysis]:
    """A worker's second task: the analysis of each distinct configuration of its shard."""
    zone, resources = payload
    return [_analyze(resource, _sourced_statements(resource), zone) for resource in resources]


def _shard_names(shards: list[list[Resource]], what: str):
    def describe(index: int) -> str:
        shard = shards[index]
        return f"{len(shard)} {what} from {shard[0].arn}"
    return describe


class ExternalAccessAnalyzer:
    """Analyzes snapshots for one zone of trust; identical configurations are analyzed once
    (``configuration_key``), so a snapshot of many resources sharing a few policies costs the
    analysis of the few."""

    def __init__(self, zone: ZoneOfTrust) -> None:
        self.zone = zone
        self._cache: dict[str, ResourceAnalysis] = {}
        self.hits = 0

    def analyze(self, resource: Resource) -> ResourceAnalysis:
        statements = _sourced_statements(resource)
        key = configuration_key(resource, statements, self.zone)
        cached = self._cache.get(key)
        if cached is not None:
            self.hits += 1
            return cached if cached.resource == resource.arn else _renamed(cached, resource.arn)
        analysis = _analyze(resource, statements, self.zone)
        self._cache[key] = analysis
        return analysis

    def analyze_snapshot(self, snapshot: Snapshot, progress=None, executor: Optional[Executor] = None,
                         min_parallel: int = PARALLEL_MIN_RESOURCES) -> list[ResourceAnalysis]:
        """``progress``: called with each resource after its analysis (e.g. to advance a progress bar).
        ``executor`` (``accessproof.parallel``): the work spread over its workers, with the same
        analyses in the same order as in one process."""
        resources = list(snapshot.resources)
        if executor is not None and executor.workers > 1 and len(resources) >= min_parallel:
            return self._analyze_in_parallel(resources, executor, progress)
        out = []
        for resource in resources:
            out.append(self.analyze(resource))
            if progress is not None:
                progress(resource)
        return out

    def _analyze_in_parallel(self, resources: list[Resource], executor: Executor, progress) -> list[ResourceAnalysis]:
        """Two rounds over the workers: the configuration keys of shards of the resources, then the
        analysis of the first resource of each configuration not in the cache; each resource then
        takes its configuration's analysis (renamed), as ``analyze`` does one by one."""
        shards = split(resources, executor.workers * SHARDS_PER_WORKER)
        keys = [key for part in executor.map(_keys_of, [(self.zone, shard) for shard in shards],
                                             _shard_names(shards, "resources")) for key in part]
        first: dict[str, Resource] = {}
        for resource, key in zip(resources, keys):
            if key not in self._cache:
                first.setdefault(key, resource)
        todo = split(list(first.values()), executor.workers * SHARDS_PER_WORKER)
        analyses = [a for part in executor.map(_analyses_of, [(self.zone, shard) for shard in todo],
                                               _shard_names(todo, "configurations")) for a in part]
        self._cache.update(zip(first, analyses))
        out = []
        for resource, key in zip(resources, keys):
            cached = self._cache[key]
            if first.get(key) is not resource:
                self.hits += 1
            out.append(cached if cached.resource == resource.arn else _renamed(cached, resource.arn))
            if progress is not None:
                progress(resource)
        return out
