"""Builders of in-memory accounts for the unused access tests (pure data, no files)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Mapping, Optional, Sequence

from accessproof.inventory.activity import (
    ROLE, USER, AccessKey, AccountActivity, Group, Identity, InlinePolicy, ManagedPolicy, PolicyVersion,
    PrincipalActivity, ServiceActivity,
)
from accessproof.inventory.grant_times import GrantTimes
from accessproof.inventory.model import Account

NOW = datetime(2026, 11, 28, tzinfo=timezone.utc)
AGE = 90
CUTOFF = NOW - timedelta(days=AGE)
SECOND = timedelta(seconds=1)
OLD = datetime(2024, 1, 1, tzinfo=timezone.utc)
ACCOUNT = "444455556666"


def policy(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(actions, resource="*", **extra) -> dict:
    return {"Effect": "Allow", "Action": actions, "Resource": resource, **extra}


def role(name: str = "R", *, created: Optional[datetime] = OLD, last_used: Optional[datetime] = None,
         policies: Sequence[str] = (), tags: Mapping[str, str] = {}, account: str = ACCOUNT, path: str = "/",
         managed: Sequence[str] = ()) -> Identity:
    return Identity(ROLE, f"arn:aws:iam::{account}:role{path}{name}", name, account, created, dict(tags), tuple(managed),
                    tuple(InlinePolicy(f"p{i}", p) for i, p in enumerate(policies)), last_used=last_used)


def user(name: str = "U", *, created: Optional[datetime] = OLD, policies: Sequence[str] = (), password: bool = False,
         password_last_used: Optional[datetime] = None, password_set: Optional[datetime] = OLD,
         keys: Sequence[AccessKey] = (), tags: Mapping[str, str] = {}, account: str = ACCOUNT,
         groups: Sequence[str] = (), managed: Sequence[str] = ()) -> Identity:
    return Identity(USER, f"arn:aws:iam::{account}:user/{name}", name, account, created, dict(tags), tuple(managed),
                    tuple(InlinePolicy(f"p{i}", p) for i, p in enumerate(policies)), group_names=tuple(groups),
                    password_enabled=password, password_last_used=password_last_used, password_created_at=password_set,
                    access_keys=tuple(keys))


def managed_policy(name: str, *versions: tuple[str, Optional[datetime]], created: Optional[datetime] = None,
                   account: str = ACCOUNT) -> ManagedPolicy:
    """A customer managed policy; ``versions``: (document, creation time), oldest first, the last one
    the default version."""
    listed = tuple(PolicyVersion(f"v{i}", document, at, i == len(versions)) for i, (document, at) in enumerate(versions, 1))
    first = versions[0][1]
    return ManagedPolicy(f"arn:aws:iam::{account}:policy/{name}", name, listed[-1].document, listed[-1].created_at,
                         created if created is not None else first, listed)


def key(key_id: str = "AKIAEXAMPLE000000001", *, last_used: Optional[datetime] = None, created: Optional[datetime] = OLD,
        active: bool = True) -> AccessKey:
    return AccessKey(key_id, active, created, last_used)


def service(namespace: str, last: Optional[datetime], actions: Optional[Mapping[str, Optional[datetime]]] = None,
            every_action: bool = False) -> ServiceActivity:
    tracked = {f"{namespace}:{a}".lower(): t for a, t in (actions or {}).items()}
    return ServiceActivity(namespace, last, tracked, every_action)


def activity_of(arn: str, *services: ServiceActivity) -> PrincipalActivity:
    return PrincipalActivity(arn, {s.namespace.lower(): s for s in services})


def account(*identities: Identity, activity: Sequence[PrincipalActivity] = (), account_id: str = ACCOUNT,
            path: str = "memory", policies: Sequence[ManagedPolicy] = (), groups: Sequence[Group] = (),
            grant_times: GrantTimes = GrantTimes()) -> AccountActivity:
    return AccountActivity(path, Account(account_id, "us-east-1"), tuple(identities), {g.name: g for g in groups},
                           {p.arn: p for p in policies}, {a.arn: a for a in activity}, (), grant_times)
