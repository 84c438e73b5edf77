"""Activity data of an account snapshot: who and what was used when (format: docs/activity.md).

The unused access analyzer needs what AWS itself uses:

- the IAM identities and their policies (``iam/get-account-authorization-details.json``: users,
  roles with ``RoleLastUsed``, groups, managed policies with their versions);
- the IAM credential report (``iam/get-credential-report.json`` as the AWS CLI prints it, or the
  decoded ``iam/credential-report.csv``): password and access-key use of every user;
- ``iam/users/<name>/list-access-keys.json``: the ids of each user's access keys;
- service and action last-accessed data (``aws iam get-service-last-accessed-details`` with
  ``ACTION_LEVEL`` granularity): ``iam/roles/<name>/get-service-last-accessed-details.json`` and
  ``iam/users/<name>/get-service-last-accessed-details.json``;
- CloudTrail logs (``cloudtrail/``, any layout the policy generator reads), from which the same
  last-accessed data is derived, so that an account with only a trail gets the same analysis.

``load_account_activity(path)`` reads all of it into ``AccountActivity``. Every problem is a
``SnapshotError`` naming the file, as for ``load_snapshot``. This module reads the snapshot's
``account.json`` (with ``inventory.account``, as the resource loader does) and ``iam/`` itself,
so that it does not depend on which files the resource loader accepts (``ACTIVITY_IAM_FILES`` /
``ACTIVITY_IAM_DIRECTORIES`` / ``ACTIVITY_TOP_LEVEL`` name what it adds to the snapshot layout,
and the resource loader imports them from here).
"""

from __future__ import annotations

import base64
import csv
import io
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional, Sequence, Union
from urllib.parse import unquote

from ..untrusted import excerpt
from .account import ACCOUNT_FILE, load_account
from .errors import SnapshotError
from .grant_times import GrantTimes, grant_times
from .jsonread import (
    check_snapshot_tree, list_field, obj_field, objects_of, optional_string, policy_document, read_object, read_text,
    string,
)
from .model import Account

AUTHORIZATION_DETAILS = "get-account-authorization-details.json"
CREDENTIAL_REPORT_JSON = "get-credential-report.json"
CREDENTIAL_REPORT_CSV = "credential-report.csv"
LAST_ACCESSED = "get-service-last-accessed-details.json"
LIST_ACCESS_KEYS = "list-access-keys.json"
CLOUDTRAIL_DIRECTORY = "cloudtrail"

# What this module adds to the snapshot layout of docs/snapshot.md.
ACTIVITY_IAM_FILES = frozenset({CREDENTIAL_REPORT_JSON, CREDENTIAL_REPORT_CSV})
ACTIVITY_IAM_DIRECTORIES = frozenset({"roles", "users"})
ACTIVITY_TOP_LEVEL = frozenset({CLOUDTRAIL_DIRECTORY})

ROLE, USER = "AWS::IAM::Role", "AWS::IAM::User"


# ------------------------------------------------------------------------------ model


@dataclass(frozen=True)
class PolicyVersion:
    version_id: str
    document: str
    created_at: Optional[datetime]
    is_default: bool


@dataclass(frozen=True)
class ManagedPolicy:
    arn: str
    name: str
    document: str  # the default version's document, JSON text
    updated_at: Optional[datetime]
    created_at: Optional[datetime] = None
    versions: tuple[PolicyVersion, ...] = ()  # PolicyVersionList, as listed


@dataclass(frozen=True)
class InlinePolicy:
    name: str
    document: str


@dataclass(frozen=True)
class AccessKey:
    access_key_id: str
    active: bool
    created_at: Optional[datetime]
    last_used: Optional[datetime]


@dataclass(frozen=True)
class Identity:
    """An IAM role or user with what decides its permissions and its sign-in activity."""

    resource_type: str  # AWS::IAM::Role | AWS::IAM::User
    arn: str
    name: str
    account_id: str
    created_at: Optional[datetime]
    tags: Mapping[str, str]
    attached_policy_arns: tuple[str, ...]
    inline_policies: tuple[InlinePolicy, ...]
    group_names: tuple[str, ...] = ()
    # Roles: RoleLastUsed.LastUsedDate. Users: unused here (their credentials say it).
    last_used: Optional[datetime] = None
    # Users only: the console password and the access keys.
    password_enabled: bool = False
    password_last_used: Optional[datetime] = None
    password_created_at: Optional[datetime] = None
    access_keys: tuple[AccessKey, ...] = ()

    @property
    def is_service_linked_role(self) -> bool:
        # Service-linked roles live under /aws-service-role/ (IAM User Guide, "Using service-linked roles").
        return self.resource_type == ROLE and ":role/aws-service-role/" in self.arn


@dataclass(frozen=True)
class Group:
    name: str
    attached_policy_arns: tuple[str, ...]
    inline_policies: tuple[InlinePolicy, ...]


@dataclass(frozen=True)
class ServiceActivity:
    """Last access of one service namespace by one principal.

    ``tracked_actions``: lower-case ``service:action`` → its last access (None: tracked, never
    used). ``every_action_tracked``: every action of the service is observed (data from a trail),
    so an action absent from ``tracked_actions`` was never used.
    """

    namespace: str
    last_accessed: Optional[datetime]
    tracked_actions: Mapping[str, Optional[datetime]] = field(default_factory=dict)
    every_action_tracked: bool = False

    def is_tracked(self, action: str) -> bool:
        return self.every_action_tracked or action.lower() in self.tracked_actions

    def action_last_accessed(self, action: str) -> Optional[datetime]:
        return self.tracked_actions.get(action.lower())


@dataclass(frozen=True)
class PrincipalActivity:
    arn: str
    services: Mapping[str, ServiceActivity]  # lower-case namespace → activity
    last_activity: Optional[datetime] = None  # latest call of any kind (trail)

    def service(self, namespace: str) -> Optional[ServiceActivity]:
        return self.services.get(namespace.lower())


@dataclass(frozen=True)
class AccountActivity:
    """An account's identities, policies and activity, as the unused access analyzer reads them."""

    path: str
    account: Account
    identities: tuple[Identity, ...]
    groups: Mapping[str, Group]
    managed_policies: Mapping[str, ManagedPolicy]  # ARN → policy
    activity: Mapping[str, PrincipalActivity]  # principal ARN → activity
    problems: tuple[str, ...] = ()  # skipped trail files and the like, one line each
    grant_times: GrantTimes = field(default_factory=GrantTimes)  # policy attachments the trail saw

    def identity(self, arn: str) -> Optional[Identity]:
        return next((i for i in self.identities if i.arn == arn), None)

    def activity_of(self, arn: str) -> Optional[PrincipalActivity]:
        return self.activity.get(arn)


# --------------------------------------------------------------------------- helpers


def parse_time(value: Any, path: Path, where: str) -> Optional[datetime]:
    """An ISO 8601 timestamp as the AWS CLI prints it (``2026-01-15T10:00:00+00:00`` or ``...Z``),
    in UTC; None for None."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise SnapshotError(path, "expected a timestamp string", where)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise SnapshotError(path, f"expected an ISO 8601 timestamp, found {excerpt(value)}", where) from None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def _tags(entity: dict, path: Path, where: str) -> dict[str, str]:
    tags = objects_of(list_field(entity, "Tags", path, where, required=False) or [], path, f"{where}.Tags")
    return {string(t, "Key", path, f"{where}.Tags"): t.get("Value", "") or "" for t in tags}


def _inline(entity: dict, key: str, path: Path, where: str) -> tuple[InlinePolicy, ...]:
    items = objects_of(list_field(entity, key, path, where, required=False) or [], path, f"{where}.{key}")
    return tuple(InlinePolicy(string(p, "PolicyName", path, f"{where}.{key}[{i}]"),
                              policy_document(p.get("PolicyDocument"), path, f"{where}.{key}[{i}].PolicyDocument"))
                 for i, p in enumerate(items))


def _attached(entity: dict, path: Path, where: str) -> tuple[str, ...]:
    items = objects_of(list_field(entity, "AttachedManagedPolicies", path, where, required=False) or [], path,
                       f"{where}.AttachedManagedPolicies")
    return tuple(string(p, "PolicyArn", path, f"{where}.AttachedManagedPolicies[{i}]") for i, p in enumerate(items))


# ---------------------------------------------------------------- authorization details


@dataclass(frozen=True)
class AuthorizationDetails:
    roles: tuple[Identity, ...]
    users: tuple[Identity, ...]
    groups: Mapping[str, Group]
    policies: Mapping[str, ManagedPolicy]


def read_authorization_details(path: Path, account_id: str) -> AuthorizationDetails:
    """Users, roles, groups and managed policies of ``aws iam get-account-authorization-details``."""
    data = read_object(path)
    if data.get("IsTruncated") is True:
        raise SnapshotError(path, "the output is truncated (IsTruncated is true): let the AWS CLI paginate",
                            "IsTruncated")
    roles = []
    for i, role in enumerate(objects_of(list_field(data, "RoleDetailList", path, required=False) or [], path,
                                        "RoleDetailList")):
        where = f"RoleDetailList[{i}]"
        last = obj_field(role, "RoleLastUsed", path, where, required=False) or {}
        roles.append(Identity(
            resource_type=ROLE, arn=string(role, "Arn", path, where), name=string(role, "RoleName", path, where),
            account_id=account_id, created_at=parse_time(role.get("CreateDate"), path, f"{where}.CreateDate"),
            tags=_tags(role, path, where), attached_policy_arns=_attached(role, path, where),
            inline_policies=_inline(role, "RolePolicyList", path, where),
            last_used=parse_time(last.get("LastUsedDate"), path, f"{where}.RoleLastUsed.LastUsedDate"),
        ))
    users = []
    for i, user in enumerate(objects_of(list_field(data, "UserDetailList", path, required=False) or [], path,
                                        "UserDetailList")):
        where = f"UserDetailList[{i}]"
        groups = list_field(user, "GroupList", path, where, required=False) or []
        users.append(Identity(
            resource_type=USER, arn=string(user, "Arn", path, where), name=string(user, "UserName", path, where),
            account_id=account_id, created_at=parse_time(user.get("CreateDate"), path, f"{where}.CreateDate"),
            tags=_tags(user, path, where), attached_policy_arns=_attached(user, path, where),
            inline_policies=_inline(user, "UserPolicyList", path, where), group_names=tuple(groups),
        ))
    groups_by_name: dict[str, Group] = {}
    for i, group in enumerate(objects_of(list_field(data, "GroupDetailList", path, required=False) or [], path,
                                         "GroupDetailList")):
        where = f"GroupDetailList[{i}]"
        name = string(group, "GroupName", path, where)
        groups_by_name[name] = Group(name, _attached(group, path, where), _inline(group, "GroupPolicyList", path, where))
    policies: dict[str, ManagedPolicy] = {}
    for i, policy in enumerate(objects_of(list_field(data, "Policies", path, required=False) or [], path, "Policies")):
        where = f"Policies[{i}]"
        arn = string(policy, "Arn", path, where)
        default = optional_string(policy, "DefaultVersionId", path, where)
        versions = objects_of(list_field(policy, "PolicyVersionList", path, where, required=False) or [], path,
                              f"{where}.PolicyVersionList")
        chosen = next((v for v in versions if v.get("IsDefaultVersion") is True or v.get("VersionId") == default), None)
        if chosen is None:
            raise SnapshotError(path, "no default version in PolicyVersionList", where)
        listed = tuple(PolicyVersion(
            version_id=str(v.get("VersionId", "")),
            document=policy_document(v.get("Document"), path, f"{where}.PolicyVersionList[{j}].Document"),
            created_at=parse_time(v.get("CreateDate"), path, f"{where}.PolicyVersionList[{j}].CreateDate"),
            is_default=v is chosen) for j, v in enumerate(versions))
        policies[arn] = ManagedPolicy(
            arn=arn, name=string(policy, "PolicyName", path, where),
            document=next(v.document for v in listed if v.is_default),
            updated_at=parse_time(policy.get("UpdateDate"), path, f"{where}.UpdateDate"),
            created_at=parse_time(policy.get("CreateDate"), path, f"{where}.CreateDate"),
            versions=listed,
        )
    return AuthorizationDetails(tuple(roles), tuple(users), groups_by_name, policies)


# ------------------------------------------------------------------------ credentials


@dataclass(frozen=True)
class CredentialRow:
    """One user's line of the credential report (IAM User Guide, "Getting credential reports")."""

    arn: str
    user_created_at: Optional[datetime]
    password_enabled: bool
    password_last_used: Optional[datetime]
    password_last_changed: Optional[datetime]
    # (active, last_rotated = the key's creation date, last_used) of key slots 1 and 2
    keys: tuple[tuple[bool, Optional[datetime], Optional[datetime]], ...]


# Values the report writes instead of a date: "N/A" (no such credential or never used),
# "no_information" (not used since tracking began, Oct 2014), "not_supported" (root password).
_NO_DATE = frozenset({"", "N/A", "no_information", "not_supported"})


def _report_time(value: str, path: Path, where: str) -> Optional[datetime]:
    return None if value in _NO_DATE else parse_time(value, path, where)


def parse_credential_report(text: str, path: Path) -> dict[str, CredentialRow]:
    """The CSV report, by user ARN. The root account's line (``<root_account>``) is left out: the
    unused access analyzer reports on IAM users and roles only."""
    rows: dict[str, CredentialRow] = {}
    reader = csv.DictReader(io.StringIO(text))
    required = {"user", "arn", "user_creation_time", "password_enabled", "password_last_used",
                "access_key_1_active", "access_key_1_last_rotated", "access_key_1_last_used_date",
                "access_key_2_active", "access_key_2_last_rotated", "access_key_2_last_used_date"}
    missing = sorted(required - set(reader.fieldnames or ()))
    if missing:
        raise SnapshotError(path, f"not a credential report: missing column(s) {', '.join(missing)}")
    for line, row in enumerate(reader, start=2):
        if row["user"] == "<root_account>":
            continue
        where = f"line {line}"
        keys = tuple(
            (row[f"access_key_{n}_active"].lower() == "true",
             _report_time(row[f"access_key_{n}_last_rotated"], path, f"{where}.access_key_{n}_last_rotated"),
             _report_time(row[f"access_key_{n}_last_used_date"], path, f"{where}.access_key_{n}_last_used_date"))
            for n in (1, 2))
        rows[row["arn"]] = CredentialRow(
            arn=row["arn"], user_created_at=_report_time(row["user_creation_time"], path, f"{where}.user_creation_time"),
            password_enabled=row["password_enabled"].lower() == "true",
            password_last_used=_report_time(row["password_last_used"], path, f"{where}.password_last_used"),
            password_last_changed=_report_time(row.get("password_last_changed", "N/A") or "N/A", path,
                                               f"{where}.password_last_changed"),
            keys=keys,
        )
    return rows


def read_credential_report(iam: Path) -> Optional[dict[str, CredentialRow]]:
    json_path, csv_path = iam / CREDENTIAL_REPORT_JSON, iam / CREDENTIAL_REPORT_CSV
    if json_path.is_file() and csv_path.is_file():
        raise SnapshotError(csv_path, f"give the credential report once: {CREDENTIAL_REPORT_JSON} or this file")
    if json_path.is_file():
        data = read_object(json_path)
        if data.get("ReportFormat", "text/csv") != "text/csv":
            raise SnapshotError(json_path, "expected ReportFormat text/csv", "ReportFormat")
        content = string(data, "Content", json_path)
        try:  # the CLI prints the blob base64-encoded
            text = base64.b64decode(content, validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            raise SnapshotError(json_path, "Content is not base64-encoded UTF-8 CSV", "Content") from None
        return parse_credential_report(text, json_path)
    if csv_path.is_file():
        return parse_credential_report(read_text(csv_path), csv_path)
    return None


@dataclass(frozen=True)
class KeyMetadata:
    access_key_id: str
    active: bool
    created_at: Optional[datetime]


def read_access_keys(path: Path, user_name: str) -> tuple[KeyMetadata, ...]:
    data = read_object(path)
    out = []
    for i, key in enumerate(objects_of(list_field(data, "AccessKeyMetadata", path) or [], path, "AccessKeyMetadata")):
        where = f"AccessKeyMetadata[{i}]"
        owner = optional_string(key, "UserName", path, where)
        if owner is not None and owner != user_name:
            raise SnapshotError(path, f"key of user {excerpt(owner)} in the directory of {excerpt(user_name)}", f"{where}.UserName")
        out.append(KeyMetadata(string(key, "AccessKeyId", path, where), string(key, "Status", path, where) == "Active",
                               parse_time(key.get("CreateDate"), path, f"{where}.CreateDate")))
    return tuple(out)


def match_access_keys(listed: Sequence[KeyMetadata], row: Optional[CredentialRow],
                      key_use: Mapping[str, datetime]) -> tuple[AccessKey, ...]:
    """Each listed key with its last use.

    The credential report has no key ids; its ``access_key_N_last_rotated`` is the key's creation
    date (IAM User Guide, "Getting credential reports"), so a listed key takes the slot created
    at the same second. A trail's ``userIdentity.accessKeyId`` gives a later use if it has one.
    Without ``list-access-keys.json`` the report's active slots become keys named
    ``access_key_1`` / ``access_key_2`` (CHOICE: AWS names the key id; we have none).
    """
    slots = list(row.keys) if row is not None else []
    if not listed:
        return tuple(AccessKey(f"access_key_{n}", active, created, _later(last, None))
                     for n, (active, created, last) in enumerate(slots, start=1) if active or created)
    out = []
    for key in listed:
        slot = next((s for s in slots if s[1] is not None and key.created_at is not None
                     and abs((s[1] - key.created_at).total_seconds()) < 1), None)
        last = slot[2] if slot is not None else None
        out.append(AccessKey(key.access_key_id, key.active, key.created_at, _later(last, key_use.get(key.access_key_id))))
    return tuple(out)


def _later(a: Optional[datetime], b: Optional[datetime]) -> Optional[datetime]:
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)


# ---------------------------------------------------------------------- last accessed


def parse_last_accessed(data: Mapping[str, Any], path: Path) -> PrincipalActivity:
    """``get-service-last-accessed-details`` (best with ``ACTION_LEVEL``) → per-service activity.

    Services without ``TrackedActionsLastAccessed`` have service-level data only: none of their
    actions is tracked, so none is reported unused on its own (AWS reports action-level findings
    only for services with action-level tracking, IAM User Guide, "Refining permissions using
    last accessed information").
    """
    status = data.get("JobStatus", "COMPLETED")
    if status != "COMPLETED":
        raise SnapshotError(path, f"the job is {status}: save the output once JobStatus is COMPLETED", "JobStatus")
    if data.get("IsTruncated") is True:
        raise SnapshotError(path, "the output is truncated (IsTruncated is true): let the AWS CLI paginate",
                            "IsTruncated")
    services: dict[str, ServiceActivity] = {}
    for i, item in enumerate(objects_of(list_field(data, "ServicesLastAccessed", path) or [], path,
                                        "ServicesLastAccessed")):
        where = f"ServicesLastAccessed[{i}]"
        namespace = string(item, "ServiceNamespace", path, where)
        tracked: dict[str, Optional[datetime]] = {}
        for j, action in enumerate(objects_of(list_field(item, "TrackedActionsLastAccessed", path, where,
                                                         required=False) or [], path, f"{where}.TrackedActionsLastAccessed")):
            awhere = f"{where}.TrackedActionsLastAccessed[{j}]"
            name = string(action, "ActionName", path, awhere)
            tracked[f"{namespace}:{name}".lower()] = parse_time(action.get("LastAccessedTime"), path,
                                                               f"{awhere}.LastAccessedTime")
        services[namespace.lower()] = ServiceActivity(
            namespace=namespace, last_accessed=parse_time(item.get("LastAuthenticated"), path, f"{where}.LastAuthenticated"),
            tracked_actions=tracked)
    return PrincipalActivity(arn="", services=services)


def merge_activity(a: Optional[PrincipalActivity], b: Optional[PrincipalActivity]) -> Optional[PrincipalActivity]:
    """Both sources together: the later access wins, tracking is the union."""
    if a is None or b is None:
        return a or b
    services = dict(a.services)
    for key, theirs in b.services.items():
        ours = services.get(key)
        if ours is None:
            services[key] = theirs
            continue
        actions = dict(ours.tracked_actions)
        for action, moment in theirs.tracked_actions.items():
            actions[action] = _later(actions.get(action), moment)
        services[key] = ServiceActivity(ours.namespace, _later(ours.last_accessed, theirs.last_accessed), actions,
                                        ours.every_action_tracked or theirs.every_action_tracked)
    return PrincipalActivity(a.arn or b.arn, services, _later(a.last_activity, b.last_activity))


# ------------------------------------------------------------------------- CloudTrail


@dataclass(frozen=True)
class TrailActivity:
    principals: Mapping[str, PrincipalActivity]
    console_logins: Mapping[str, datetime]  # user ARN → last ConsoleLogin
    key_use: Mapping[str, datetime]  # access key id → last call signed with it
    problems: tuple[str, ...] = ()
    grant_times: GrantTimes = field(default_factory=GrantTimes)


def trail_activity(directory: Path) -> TrailActivity:
    """Last-accessed data derived from CloudTrail logs, with the policy generator's reader: one
    scan of the logs for every principal, the access keys included.

    Every call counts, denied ones too (IAM's last-accessed data counts attempts, IAM User Guide,
    "Refining permissions using last accessed information"). A role's calls are those of its
    sessions. CHOICE: a trail observes every action, so every action of a service it saw is
    tracked (``every_action_tracked``); calls that map to no action are skipped.
    """
    from ..catalog import default_catalog
    from ..generate.mapping import map_event
    from ..generate.reader import read_activity
    from ..generate.collect import discover

    found = discover([str(directory)])
    problems = [f"{p.name}: {p.reason}" for p in found.problems]
    if not found.files:
        return TrailActivity({}, {}, {}, tuple(problems))
    read = read_activity(found.files)
    problems += [f"{p.name}: {p.reason}" for p in read.problems]
    catalog = default_catalog()
    per_principal: dict[str, dict[str, dict[str, Optional[datetime]]]] = {}
    service_last: dict[tuple[str, str], datetime] = {}
    last_call: dict[str, datetime] = {}
    logins: dict[str, datetime] = {}
    key_use: dict[str, datetime] = {}
    for group in read.groups:
        when = group.last_seen.replace(tzinfo=timezone.utc)
        last_call[group.principal] = _later(last_call.get(group.principal), when)  # type: ignore[assignment]
        if group.access_key is not None:
            key_use[group.access_key] = _later(key_use.get(group.access_key), when)  # type: ignore[assignment]
        if group.event_source == "signin.amazonaws.com" and group.event_name == "ConsoleLogin":
            logins[group.principal] = _later(logins.get(group.principal), when)  # type: ignore[assignment]
            continue
        mapped = map_event(group.event_source, group.event_name, catalog, group.parameters())
        if mapped is None or mapped.no_permission_needed:
            continue
        services = per_principal.setdefault(group.principal, {})
        for action in mapped.actions:
            namespace = action.split(":", 1)[0].lower()
            actions = services.setdefault(namespace, {})
            actions[action.lower()] = _later(actions.get(action.lower()), when)
            service_last[(group.principal, namespace)] = _later(service_last.get((group.principal, namespace)), when)  # type: ignore[assignment]
    principals = {
        arn: PrincipalActivity(arn, {ns: ServiceActivity(ns, service_last[(arn, ns)], actions, every_action_tracked=True)
                                     for ns, actions in services.items()}, last_call.get(arn))
        for arn, services in per_principal.items()
    }
    for arn, moment in last_call.items():
        if arn not in principals:
            principals[arn] = PrincipalActivity(arn, {}, moment)
    return TrailActivity(principals, logins, key_use, tuple(problems), grant_times(read.groups))


# --------------------------------------------------------------------------- loading


def _last_accessed_files(iam: Path, kind: str) -> dict[str, Path]:
    folder = iam / kind
    if not folder.is_dir():
        return {}
    out = {}
    for entity in sorted(folder.iterdir()):
        if not entity.is_dir():
            raise SnapshotError(entity, f"unexpected file; iam/{kind}/ holds one directory per {kind[:-1]}")
        allowed = {LAST_ACCESSED} | ({LIST_ACCESS_KEYS} if kind == "users" else set())
        for item in entity.iterdir():
            if item.name not in allowed:
                raise SnapshotError(item, f"unknown file; expected {', '.join(sorted(allowed))}")
        out[unquote(entity.name)] = entity
    return out


def part_bounds(count: int, part: int, parts: int) -> tuple[int, int]:
    """The [start, end) of part ``part`` of ``parts`` contiguous, nearly equal runs of ``count`` items."""
    if not 0 <= part < parts:
        raise ValueError(f"part {part} of {parts}")
    size, extra = divmod(count, parts)
    start = part * size + min(part, extra)
    return start, start + size + (1 if part < extra else 0)


def account_trail(path: Union[str, Path]) -> Optional[TrailActivity]:
    """The activity in the snapshot's ``cloudtrail/`` folder (one DuckDB scan), None without one."""
    directory = Path(path) / CLOUDTRAIL_DIRECTORY
    return trail_activity(directory) if directory.is_dir() else None


_READ_TRAIL: Any = object()  # load_account_activity's default: read the snapshot's own trail


def load_account_activity(path: Union[str, Path], part: int = 0, parts: int = 1,
                          trail: Optional[TrailActivity] = _READ_TRAIL) -> AccountActivity:
    """Identities, policies and activity of the snapshot at ``path`` (docs/activity.md).

    ``part`` of ``parts``: only that contiguous run of the identities (roles, then users, in the
    file's order) with their activity, so that workers can share one large account; the account's
    problems are part 0's. ``trail``: the trail activity already read (``account_trail``), so
    that the parts of an account do not each scan its logs."""
    root = Path(path)
    if not root.is_dir():
        raise SnapshotError(root, "no such snapshot directory")
    check_snapshot_tree(root)
    account = load_account(root / ACCOUNT_FILE)
    iam = root / "iam"
    details_path = iam / AUTHORIZATION_DETAILS
    if not details_path.is_file():
        raise SnapshotError(details_path, "missing required file: the unused access analyzer reads the IAM users, "
                                          "roles and policies from it")
    details = read_authorization_details(details_path, account.account_id)
    report = read_credential_report(iam)
    if trail is _READ_TRAIL:
        trail = account_trail(root)
    role_dirs, user_dirs = _last_accessed_files(iam, "roles"), _last_accessed_files(iam, "users")
    known = {"roles": {r.name for r in details.roles}, "users": {u.name for u in details.users}}
    for kind, dirs in (("roles", role_dirs), ("users", user_dirs)):
        for name, directory in dirs.items():
            if name not in known[kind]:
                raise SnapshotError(directory, f"no {kind[:-1]} {excerpt(name)} in {AUTHORIZATION_DETAILS}")
    start, end = part_bounds(len(details.roles) + len(details.users), part, parts)
    roles = details.roles[start:end]
    users = details.users[max(0, start - len(details.roles)):max(0, end - len(details.roles))]
    activity: dict[str, PrincipalActivity] = {}
    identities: list[Identity] = []
    for role in roles:
        found = _principal_activity(role, role_dirs.get(role.name), trail)
        if found is not None:
            activity[role.arn] = found
        trail_use = trail.principals[role.arn].last_activity if trail and role.arn in trail.principals else None
        identities.append(replace(role, last_used=_later(role.last_used, trail_use)))
    for user in users:
        found = _principal_activity(user, user_dirs.get(user.name), trail)
        if found is not None:
            activity[user.arn] = found
        identities.append(_with_credentials(user, report, user_dirs.get(user.name), trail))
    problems = trail.problems if trail and part == 0 else ()
    return AccountActivity(str(root.resolve()), account, tuple(identities), details.groups, details.policies, activity,
                           problems, trail.grant_times if trail else GrantTimes())


def _principal_activity(identity: Identity, directory: Optional[Path],
                        trail: Optional[TrailActivity]) -> Optional[PrincipalActivity]:
    from_file = None
    if directory is not None and (directory / LAST_ACCESSED).is_file():
        from_file = replace(parse_last_accessed(read_object(directory / LAST_ACCESSED), directory / LAST_ACCESSED),
                            arn=identity.arn)
    from_trail = trail.principals.get(identity.arn) if trail else None
    return merge_activity(from_file, from_trail)


def _with_credentials(user: Identity, report: Optional[dict[str, CredentialRow]], directory: Optional[Path],
                      trail: Optional[TrailActivity]) -> Identity:
    row = report.get(user.arn) if report else None
    listed = read_access_keys(directory / LIST_ACCESS_KEYS, user.name) \
        if directory is not None and (directory / LIST_ACCESS_KEYS).is_file() else ()
    keys = match_access_keys(listed, row, trail.key_use if trail else {})
    login = trail.console_logins.get(user.arn) if trail else None
    return replace(
        user,
        created_at=user.created_at or (row.user_created_at if row else None),
        password_enabled=row.password_enabled if row else login is not None,
        password_last_used=_later(row.password_last_used if row else None, login),
        password_created_at=row.password_last_changed if row else None,
        access_keys=keys,
    )


def policies_of(identity: Identity, account: AccountActivity) -> list[tuple[str, str]]:
    """(policy id, document) of every identity-based policy that applies to ``identity``: its
    managed policies (id = ARN), its inline policies (id = ``inline:<name>``), and for a user
    those of its groups (``group/<group>:<ARN or inline name>``)."""
    out: list[tuple[str, str]] = []

    def add(prefix: str, arns: Iterable[str], inline: Iterable[InlinePolicy]) -> None:
        for arn in arns:
            policy = account.managed_policies.get(arn)
            if policy is None:
                raise SnapshotError(Path(account.path) / "iam" / AUTHORIZATION_DETAILS,
                                    f"{identity.name} has managed policy {arn} attached, but Policies does not "
                                    "describe it (run get-account-authorization-details without --filter, or "
                                    "with LocalManagedPolicy and AWSManagedPolicy)")
            out.append((prefix + arn, policy.document))
        for p in inline:
            out.append((f"{prefix}inline:{p.name}", p.document))

    add("", identity.attached_policy_arns, identity.inline_policies)
    for name in identity.group_names:
        group = account.groups.get(name)
        if group is not None:
            add(f"group/{name}:", group.attached_policy_arns, group.inline_policies)
    return out
