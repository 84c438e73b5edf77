"""When the trail saw policies attached to roles, users and groups, and users added to groups.

The unused access analyzer analyses only permissions "at least <tracking period> days old" (IAM
User Guide, "Create an unused access analyzer"). ``get-account-authorization-details`` says when a
managed policy and its versions were created, but not when a policy was attached, an inline policy
written, or a user added to a group; IAM's own calls in CloudTrail do. Only successful calls count;
the latest one wins (a policy detached and attached again is as young as its last attachment).

Events read (``iam.amazonaws.com``, their ``requestParameters`` as CloudTrail records them):
``AttachRolePolicy`` / ``AttachUserPolicy`` / ``AttachGroupPolicy`` (``roleName`` | ``userName`` |
``groupName``, ``policyArn``), ``PutRolePolicy`` / ``PutUserPolicy`` / ``PutGroupPolicy`` (the same
names, ``policyName``) and ``AddUserToGroup`` (``userName``, ``groupName``). Entities are keyed by
the account that received the call (``recipientAccountId``), so an organization trail works.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Iterable, Mapping, Optional, Protocol

ROLE_KIND, USER_KIND, GROUP_KIND = "role", "user", "group"
IAM_SOURCE = "iam.amazonaws.com"
_ATTACH = {"AttachRolePolicy": ROLE_KIND, "AttachUserPolicy": USER_KIND, "AttachGroupPolicy": GROUP_KIND}
_PUT = {"PutRolePolicy": ROLE_KIND, "PutUserPolicy": USER_KIND, "PutGroupPolicy": GROUP_KIND}
_NAME_PARAMETER = {ROLE_KIND: "roleName", USER_KIND: "userName", GROUP_KIND: "groupName"}

# (account, kind, entity name, policy ARN or inline policy name)
PolicyKey = tuple[str, str, str, str]


class Call(Protocol):
    """What is read of one group of identical calls (``generate.reader.CallGroup``)."""

    event_source: str
    event_name: str
    account: Optional[str]
    error_code: Optional[str]
    last_seen: datetime

    def parameters(self) -> Optional[dict]: ...


@dataclass(frozen=True)
class GrantTimes:
    attached: Mapping[PolicyKey, datetime] = field(default_factory=dict)  # managed policy attached
    written: Mapping[PolicyKey, datetime] = field(default_factory=dict)  # inline policy put
    joined: Mapping[tuple[str, str, str], datetime] = field(default_factory=dict)  # (account, user, group)

    def attached_at(self, account: str, kind: str, name: str, policy_arn: str) -> Optional[datetime]:
        return self.attached.get((account, kind, name, policy_arn))

    def written_at(self, account: str, kind: str, name: str, policy_name: str) -> Optional[datetime]:
        return self.written.get((account, kind, name, policy_name))

    def joined_at(self, account: str, user: str, group: str) -> Optional[datetime]:
        return self.joined.get((account, user, group))


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def _latest(table: dict, key: tuple, moment: datetime) -> None:
    if key not in table or table[key] < moment:
        table[key] = moment


def grant_times(calls: Iterable[Call]) -> GrantTimes:
    attached: dict = {}
    written: dict = {}
    joined: dict = {}
    for call in calls:
        if call.event_source != IAM_SOURCE or call.error_code or not call.account:
            continue
        name = call.event_name
        if name not in _ATTACH and name not in _PUT and name != "AddUserToGroup":
            continue
        parameters = call.parameters() or {}
        moment = _utc(call.last_seen)
        if name == "AddUserToGroup":
            user, group = parameters.get("userName"), parameters.get("groupName")
            if isinstance(user, str) and isinstance(group, str):
                _latest(joined, (call.account, user, group), moment)
            continue
        kind = _ATTACH.get(name) or _PUT[name]
        entity = parameters.get(_NAME_PARAMETER[kind])
        policy = parameters.get("policyArn" if name in _ATTACH else "policyName")
        if isinstance(entity, str) and isinstance(policy, str):
            _latest(attached if name in _ATTACH else written, (call.account, kind, entity, policy), moment)
    return GrantTimes(attached, written, joined)
