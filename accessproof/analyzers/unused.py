"""The unused access analyzer: unused roles, access keys, passwords and permissions.

AWS's behaviour (IAM User Guide, "Findings for unused access" and "Create an unused access
analyzer"; API Reference, ``UnusedAccessConfiguration``, ``FindingDetails``):

- analyzer types ``ACCOUNT_UNUSED_ACCESS`` / ``ORGANIZATION_UNUSED_ACCESS``; the tracking period
  ``unusedAccessAge`` is 1–365 days (default 90); ``analysisRule.exclusions`` leave out accounts
  (organization analyzers only, never the owner account) and principals with given tags (an empty
  tag value matches any value);
- "only evaluate permissions for IAM entities ... that have existed for the entire tracking
  period ... only permissions that are at least 90 days old will be analyzed" (User Guide, "Create
  an unused access analyzer"): a role or user created inside the period is not analysed, nor an
  access key created or a password set inside it, nor a permission granted inside it
  (``unused_age``: policies attached, written or changed since the period began);
- "Service-linked roles are not analyzed by unused access analyzers" (User Guide, "Findings for
  external and unused access"): roles under ``/aws-service-role/`` are skipped;
- ``UnusedIAMRole``: "Roles with no access activity within the specified usage window"
  (``unusedIamRoleDetails.lastAccessed``);
- ``UnusedIAMUserAccessKey``: one finding per user, one ``unusedIamUserAccessKeyDetails`` entry
  (``accessKeyId``, ``lastAccessed``) per access key not used within the period;
- ``UnusedIAMUserPassword``: a console password not used within the period;
- ``UnusedPermission``: "Service-level and action-level permissions that weren't used by active
  roles [and users]": one finding per active role or user, with one ``unusedPermissionDetails``
  entry per service namespace that is granted and unused (``serviceNamespace``, ``lastAccessed``)
  or used but with granted, tracked actions unused (``actions[{action, lastAccessed}]``) — the
  EventBridge event of this finding counts ``numberOfUnusedServices`` / ``numberOfUnusedActions``;
- findings resolve when the entity or permission is used again (the store's lifecycle: a
  re-analysis that no longer reports it resolves it).

Only permissions the policies actually grant count (``unused_grants``: engine and evaluator).

Where AWS is silent (CHOICE):
- the boundary: an access *at* the cutoff (now − age) is inside the period (used); an entity
  created at the cutoff existed for the whole period (evaluated);
- an unused role gets only its ``UnusedIAMRole`` finding (its permissions are all unused anyway);
- service-linked roles (path ``/aws-service-role/``) are not analysed: they cannot be changed;
- a role or user without any last-accessed data (no file, no trail activity) gets no
  ``UnusedPermission`` finding: nothing is known about its permissions' use;
- a service with service-level data only has no tracked action: it is unused as a whole or not
  at all (AWS reports action-level findings only where IAM tracks actions);
- a wholly unused service's entry has no ``actions`` list (every granted action of it is unused),
  unless some of its granted actions are too young to be analysed: the entry then lists the old
  ones, so that the finding (and a recommendation made from it) never covers a young permission;
- only active access keys are reported (an inactive key grants no access); the access-key
  finding of a user is one finding whose details change as keys are used or left unused;
- a password set (``password_last_changed``) inside the period is skipped, like a young entity;
- excluded and skipped entities are not in the analysis, so a complete re-analysis resolves
  their earlier findings.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Iterable, Mapping, Optional, Sequence

from ..findings import FreshFinding, ResourceAnalysis
from ..findings.model import UNUSED_ACCESS_ANALYZER_TYPES, ACTIVE, Finding
from ..findings.filters import FilterValue, register_filter_key
from ..findings.statistics import register_statistics, status_totals
from ..inventory.activity import AccountActivity, Identity, PrincipalActivity, ROLE, ServiceActivity, USER, policies_of
from .unused_age import policies_at_cutoff, same_policies
from .unused_grants import Grants, granted_actions

ACCOUNT_UNUSED_ACCESS, ORGANIZATION_UNUSED_ACCESS = UNUSED_ACCESS_ANALYZER_TYPES
DEFAULT_UNUSED_ACCESS_AGE = 90
MIN_UNUSED_ACCESS_AGE, MAX_UNUSED_ACCESS_AGE = 1, 365
MAX_EXCLUDED_ACCOUNTS = 2000  # AnalysisRuleCriteria.accountIds (IAM User Guide, unused access analyzer)

UNUSED_ROLE = "UnusedIAMRole"
UNUSED_ACCESS_KEY = "UnusedIAMUserAccessKey"
UNUSED_PASSWORD = "UnusedIAMUserPassword"
UNUSED_PERMISSION = "UnusedPermission"
UNUSED_FINDING_TYPES = (UNUSED_ROLE, UNUSED_ACCESS_KEY, UNUSED_PASSWORD, UNUSED_PERMISSION)


class UnusedConfigurationError(ValueError):
    """An invalid ``configuration.unusedAccess`` (the API reports a ValidationException)."""


# ------------------------------------------------------------------------ configuration


@dataclass(frozen=True)
class Exclusion:
    """One ``AnalysisRuleCriteria``: every part given must match (CHOICE: AND across parts,
    any-of within ``accountIds`` and within ``resourceTags``)."""

    account_ids: frozenset[str] = frozenset()
    resource_tags: tuple[Mapping[str, str], ...] = ()

    def matches(self, identity: Identity) -> bool:
        if self.account_ids and identity.account_id not in self.account_ids:
            return False
        if self.resource_tags and not any(tags_match(wanted, identity.tags) for wanted in self.resource_tags):
            return False
        return bool(self.account_ids or self.resource_tags)

    def to_aws(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.account_ids:
            out["accountIds"] = sorted(self.account_ids)
        if self.resource_tags:
            out["resourceTags"] = [dict(tags) for tags in self.resource_tags]
        return out


def tags_match(wanted: Mapping[str, str], tags: Mapping[str, str]) -> bool:
    """Every wanted tag is present; "If the specified tag value is 0 characters, the rule is applied
    to all principals with the specified tag key" (API Reference, AnalysisRuleCriteria)."""
    return all(key in tags and (value == "" or tags[key] == value) for key, value in wanted.items())


@dataclass(frozen=True)
class UnusedAccessSettings:
    unused_access_age: int = DEFAULT_UNUSED_ACCESS_AGE
    exclusions: tuple[Exclusion, ...] = ()

    def excludes(self, identity: Identity) -> bool:
        return any(rule.matches(identity) for rule in self.exclusions)

    def excludes_account(self, account_id: str) -> bool:
        """A rule that names accounts only leaves the whole account out (organization analyzers)."""
        return any(rule.account_ids and not rule.resource_tags and account_id in rule.account_ids
                   for rule in self.exclusions)

    def to_configuration(self) -> dict[str, Any]:
        """AnalyzerConfiguration."""
        unused: dict[str, Any] = {"unusedAccessAge": self.unused_access_age}
        if self.exclusions:
            unused["analysisRule"] = {"exclusions": [rule.to_aws() for rule in self.exclusions]}
        return {"unusedAccess": unused}


def settings_from_configuration(configuration: Optional[Mapping[str, Any]], analyzer_type: str,
                                owner_account: Optional[str] = None) -> UnusedAccessSettings:
    """Validate CreateAnalyzer's / UpdateAnalyzer's ``configuration`` for an unused access analyzer."""
    if analyzer_type not in UNUSED_ACCESS_ANALYZER_TYPES:
        raise UnusedConfigurationError(f"{analyzer_type} is not an unused access analyzer type")
    if not configuration:
        return UnusedAccessSettings()
    if not isinstance(configuration, Mapping) or set(configuration) - {"unusedAccess"}:
        raise UnusedConfigurationError("configuration of an unused access analyzer has only unusedAccess")
    unused = configuration.get("unusedAccess") or {}
    if not isinstance(unused, Mapping) or set(unused) - {"unusedAccessAge", "analysisRule"}:
        raise UnusedConfigurationError("unusedAccess has unusedAccessAge and analysisRule")
    age = unused.get("unusedAccessAge", DEFAULT_UNUSED_ACCESS_AGE)
    if isinstance(age, bool) or not isinstance(age, int) or not MIN_UNUSED_ACCESS_AGE <= age <= MAX_UNUSED_ACCESS_AGE:
        raise UnusedConfigurationError(
            f"unusedAccessAge must be an integer from {MIN_UNUSED_ACCESS_AGE} to {MAX_UNUSED_ACCESS_AGE} days, not {age!r}")
    rule = unused.get("analysisRule") or {}
    if not isinstance(rule, Mapping) or set(rule) - {"exclusions"}:
        raise UnusedConfigurationError("analysisRule has only exclusions")
    exclusions = [_exclusion(raw, i, analyzer_type, owner_account) for i, raw in enumerate(rule.get("exclusions") or [])]
    return UnusedAccessSettings(age, tuple(exclusions))


def _exclusion(raw: Any, index: int, analyzer_type: str, owner_account: Optional[str]) -> Exclusion:
    where = f"analysisRule.exclusions[{index}]"
    if not isinstance(raw, Mapping) or set(raw) - {"accountIds", "resourceTags"}:
        raise UnusedConfigurationError(f"{where} has accountIds and/or resourceTags")
    accounts = raw.get("accountIds") or []
    tags = raw.get("resourceTags") or []
    if not isinstance(accounts, list) or not all(isinstance(a, str) and len(a) == 12 and a.isdigit() for a in accounts):
        raise UnusedConfigurationError(f"{where}.accountIds must be a list of 12-digit account ids")
    if len(accounts) > MAX_EXCLUDED_ACCOUNTS:
        raise UnusedConfigurationError(f"{where}.accountIds has more than {MAX_EXCLUDED_ACCOUNTS} accounts")
    if accounts and analyzer_type != ORGANIZATION_UNUSED_ACCESS:
        # "Account IDs can only be applied to the analysis rule criteria for organization-level
        # analyzers" (API Reference, AnalysisRuleCriteria).
        raise UnusedConfigurationError(f"{where}.accountIds: only organization analyzers can exclude accounts")
    if owner_account is not None and owner_account in accounts:
        raise UnusedConfigurationError(f"{where}.accountIds: the analyzer's own account {owner_account} cannot be excluded")
    if not isinstance(tags, list) or not all(isinstance(t, Mapping) and all(isinstance(k, str) and isinstance(v, str)
                                                                            for k, v in t.items()) for t in tags):
        raise UnusedConfigurationError(f"{where}.resourceTags must be a list of tag maps (string to string)")
    # "the tag key ... 1 to 128 characters in length and cannot be prefixed with aws:"; "the tag
    # value ... 0 to 256 characters" (API Reference, AnalysisRuleCriteria). CHOICE: the character
    # set it lists is not enforced (IAM tags themselves also allow ":" and "@").
    for t in tags:
        for key, value in t.items():
            if not 1 <= len(key) <= 128 or key.lower().startswith("aws:"):
                raise UnusedConfigurationError(f"{where}.resourceTags: invalid tag key {key!r} (1-128 characters, "
                                               "not aws:)")
            if len(value) > 256:
                raise UnusedConfigurationError(f"{where}.resourceTags: the value of tag {key!r} is longer than "
                                               "256 characters")
    if not accounts and not tags:
        raise UnusedConfigurationError(f"{where} must give accountIds or resourceTags")
    return Exclusion(frozenset(accounts), tuple(dict(t) for t in tags))


# ----------------------------------------------------------------------------- analysis


def iso(moment: Optional[datetime]) -> Optional[str]:
    return moment.isoformat() if moment is not None else None


def cutoff_of(now: datetime, age_days: int) -> datetime:
    return now - timedelta(days=age_days)


def unused_since(last: Optional[datetime], cutoff: datetime) -> bool:
    """Not used within the period: never, or strictly before the cutoff."""
    return last is None or last < cutoff


def existed_whole_period(created: Optional[datetime], cutoff: datetime) -> bool:
    """CHOICE: an unknown creation date counts as old enough (the snapshot omits it rarely)."""
    return created is None or created <= cutoff


@dataclass(frozen=True)
class Skipped:
    arn: str
    reason: str


def _finding(identity: Identity, finding_type: str, identity_key: str, entries: list[dict]) -> FreshFinding:
    return FreshFinding(resource=identity.arn, resource_type=identity.resource_type,
                        resource_owner_account=identity.account_id, finding_type=finding_type,
                        details={"findingDetails": entries}, identity=identity_key)


def role_finding(identity: Identity, cutoff: datetime) -> Optional[FreshFinding]:
    if not unused_since(identity.last_used, cutoff):
        return None
    entry = {"unusedIamRoleDetails": _without_none({"lastAccessed": iso(identity.last_used)})}
    return _finding(identity, UNUSED_ROLE, "role", [entry])


def access_key_finding(identity: Identity, cutoff: datetime) -> Optional[FreshFinding]:
    """One finding for the user, one details entry per unused access key (in the user's key order)."""
    entries = [{"unusedIamUserAccessKeyDetails": _without_none({"accessKeyId": key.access_key_id,
                                                                "lastAccessed": iso(key.last_used)})}
               for key in identity.access_keys
               if key.active and existed_whole_period(key.created_at, cutoff) and unused_since(key.last_used, cutoff)]
    return _finding(identity, UNUSED_ACCESS_KEY, "accessKeys", entries) if entries else None


def password_finding(identity: Identity, cutoff: datetime) -> Optional[FreshFinding]:
    if not identity.password_enabled or not existed_whole_period(identity.password_created_at, cutoff):
        return None
    if not unused_since(identity.password_last_used, cutoff):
        return None
    entry = {"unusedIamUserPasswordDetails": _without_none({"lastAccessed": iso(identity.password_last_used)})}
    return _finding(identity, UNUSED_PASSWORD, "password", [entry])


def unused_permission_details(grants: Grants, activity: PrincipalActivity, cutoff: datetime,
                              young: frozenset[str] = frozenset()) -> list[dict]:
    """One UnusedPermissionDetails per analysed service that is unused, or used with unused
    tracked actions; sorted by namespace. ``grants``: the analysed (old enough) actions;
    ``young``: actions granted now but too young to be analysed."""
    entries = []
    for namespace in grants.services:
        service = activity.service(namespace)
        last = service.last_accessed if service is not None else None
        if unused_since(last, cutoff):
            whole = _without_none({"serviceNamespace": namespace, "lastAccessed": iso(last)})
            if any(a.split(":", 1)[0].lower() == namespace for a in young):  # list the old actions only
                whole["actions"] = [_action_entry(a, service) for a in sorted(grants.by_service[namespace])]
            entries.append(whole)
            continue
        assert service is not None
        unused_actions = [_action_entry(action, service) for action in sorted(grants.by_service[namespace])
                          if service.is_tracked(action) and unused_since(service.action_last_accessed(action), cutoff)]
        if unused_actions:
            entries.append(_without_none({"serviceNamespace": namespace, "actions": unused_actions,
                                          "lastAccessed": iso(last)}))
    return entries


def _action_entry(action: str, service: Optional[ServiceActivity]) -> dict:
    last = service.action_last_accessed(action) if service is not None else None
    return _without_none({"action": action, "lastAccessed": iso(last)})


def analysed_grants(identity: Identity, account: AccountActivity, cutoff: datetime) -> tuple[Grants, frozenset[str]]:
    """The actions old enough to analyse (granted now and at the cutoff), and those granted now
    that are younger (``unused_age``)."""
    now = policies_of(identity, account)
    current = granted_actions(now, identity.account_id)
    then = policies_at_cutoff(identity, account, cutoff)
    if same_policies(now, then):
        return current, frozenset()
    before = granted_actions(then, identity.account_id)
    return current.common_with(before), current.without(before)


def permission_finding(identity: Identity, account: AccountActivity, cutoff: datetime) -> Optional[FreshFinding]:
    activity = account.activity_of(identity.arn)
    if activity is None:
        return None
    grants, young = analysed_grants(identity, account, cutoff)
    entries = unused_permission_details(grants, activity, cutoff, young)
    if not entries:
        return None
    details = {
        "findingDetails": [{"unusedPermissionDetails": entry} for entry in entries],
        "numberOfUnusedServices": sum(1 for e in entries if "actions" not in e),
        "numberOfUnusedActions": sum(len(e.get("actions", ())) for e in entries),
        "accessproof": {"snapshot": account.path},
    }
    return FreshFinding(resource=identity.arn, resource_type=identity.resource_type,
                        resource_owner_account=identity.account_id, finding_type=UNUSED_PERMISSION,
                        details=details, identity="permissions")


def analyze_identity(identity: Identity, account: AccountActivity, settings: UnusedAccessSettings,
                     now: datetime) -> tuple[Optional[ResourceAnalysis], Optional[Skipped]]:
    """The findings of one role or user, or why it was not analysed."""
    cutoff = cutoff_of(now, settings.unused_access_age)
    if identity.is_service_linked_role:
        return None, Skipped(identity.arn, "service-linked role")
    if settings.excludes(identity):
        return None, Skipped(identity.arn, "excluded by the analysis rule")
    if not existed_whole_period(identity.created_at, cutoff):
        return None, Skipped(identity.arn, f"created {iso(identity.created_at)}, inside the tracking period")
    findings: list[FreshFinding] = []
    if identity.resource_type == ROLE:
        unused_role = role_finding(identity, cutoff)
        if unused_role is not None:
            findings.append(unused_role)
    else:
        for credential in (access_key_finding(identity, cutoff), password_finding(identity, cutoff)):
            if credential is not None:
                findings.append(credential)
    # "for active IAM roles and users, the findings provide visibility into unused services and
    # actions": an unused role gets its UnusedIAMRole finding only.
    if not findings or identity.resource_type == USER:
        permission = permission_finding(identity, account, cutoff)
        if permission is not None:
            findings.append(permission)
    return ResourceAnalysis(identity.arn, identity.resource_type, identity.account_id, tuple(findings)), None


@dataclass
class UnusedAccessAnalysis:
    results: list[ResourceAnalysis] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    accounts: list[str] = field(default_factory=list)  # analysed
    excluded_accounts: list[str] = field(default_factory=list)  # left out whole by the analysis rule

    @property
    def findings(self) -> list[FreshFinding]:
        return [f for result in self.results for f in result.findings]


def analyze_account(account: AccountActivity, settings: UnusedAccessSettings, now: datetime,
                    into: Optional[UnusedAccessAnalysis] = None) -> UnusedAccessAnalysis:
    out = into if into is not None else UnusedAccessAnalysis()
    out.accounts.append(account.account.account_id)
    out.problems.extend(account.problems)
    for identity in account.identities:
        result, skipped = analyze_identity(identity, account, settings, now)
        if result is not None:
            out.results.append(result)
        if skipped is not None:
            out.skipped.append(skipped)
    return out


def analyze_accounts(accounts: Iterable[AccountActivity], settings: UnusedAccessSettings,
                     now: datetime) -> UnusedAccessAnalysis:
    """An organization: every member account's snapshot (excluded accounts are skipped whole)."""
    out = UnusedAccessAnalysis()
    for account in accounts:
        account_id = account.account.account_id
        if settings.excludes_account(account_id):
            out.skipped.append(Skipped(account_id, "account excluded by the analysis rule"))
            out.excluded_accounts.append(account_id)
            continue
        analyze_account(account, settings, now, out)
    return out


def _without_none(members: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in members.items() if v is not None}


# ---------------------------------------------------------------------------- statistics

MAX_TOP_ACCOUNTS = 10  # AccountAggregations: 1 to 10 members (botocore model)


def unused_access_statistics(findings: Sequence[Finding]) -> dict[str, Any]:
    """UnusedAccessFindingsStatistics.

    CHOICE (AWS is terse): ``unusedAccessTypeStatistics`` counts ACTIVE findings per finding type
    (every type that has one); ``topAccounts`` ranks accounts by ACTIVE findings (ties by account
    id), at most 10, with ``details`` = ACTIVE findings per finding type; absent when none is active.
    """
    active = [f for f in findings if f.status == ACTIVE]
    per_type = Counter(f.finding_type for f in active)
    per_account: dict[str, Counter] = {}
    for finding in active:
        per_account.setdefault(finding.resource_owner_account, Counter())[finding.finding_type] += 1
    ranked = sorted(per_account.items(), key=lambda item: (-sum(item[1].values()), item[0]))[:MAX_TOP_ACCOUNTS]
    out: dict[str, Any] = {
        "unusedAccessTypeStatistics": [{"unusedAccessType": t, "total": per_type[t]}
                                       for t in UNUSED_FINDING_TYPES if per_type[t]],
    }
    if ranked:
        out["topAccounts"] = [{"account": account, "numberOfActiveFindings": sum(counts.values()),
                               "details": dict(sorted(counts.items()))} for account, counts in ranked]
    out.update(status_totals(findings))
    return out


register_statistics(UNUSED_ACCESS_ANALYZER_TYPES, "unusedAccessFindingsStatistics", unused_access_statistics)


# ------------------------------------------------------------------------ filter keys


def _detail_values(member: str, field_name: str):
    def extract(finding: Finding) -> FilterValue:
        values = [entry[member][field_name] for entry in (finding.details or {}).get("findingDetails", [])
                  if member in entry and field_name in entry[member]]
        return tuple(values) or None
    return extract


# Extensions (CHOICE: not on AWS's filter-key page): filter and archive unused-access findings by
# the service namespaces of an UnusedPermission finding, or by an access key id.
register_filter_key("unusedPermissionDetails.serviceNamespace",
                    _detail_values("unusedPermissionDetails", "serviceNamespace"))
register_filter_key("unusedIamUserAccessKeyDetails.accessKeyId",
                    _detail_values("unusedIamUserAccessKeyDetails", "accessKeyId"))
