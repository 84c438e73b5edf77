"""``account.json``: which account (and organization) a snapshot describes (docs/snapshot.md).

Read by the resource loader (``load``) and by the activity loader (``activity``), which both
import it: neither depends on the other for it.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..untrusted import excerpt
from .errors import SnapshotError
from .jsonread import list_field, optional_string, read_object, string, strings_of
from .model import Account

ACCOUNT_FILE = "account.json"
ACCOUNT_ID = re.compile(r"^\d{12}$")
ORGANIZATION_ID = re.compile(r"^o-[a-z0-9]{10,32}$")
REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")
ACCOUNT_FIELDS = frozenset({"accountId", "region", "organizationId", "memberAccountIds", "partition"})


def checked_account_id(value: str, path: Path, where: str) -> str:
    """``value`` when it is a 12-digit account id; a ``SnapshotError`` naming ``where`` otherwise."""
    if not ACCOUNT_ID.match(value):
        raise SnapshotError(path, f"expected a 12-digit AWS account id, found {excerpt(value)}", where)
    return value


def load_account(path: Path) -> Account:
    """The account described by ``path`` (an ``account.json``)."""
    if not path.is_file():
        raise SnapshotError(path, "missing required file (the account: accountId, region, "
                                  "optional organizationId and memberAccountIds)")
    data = read_object(path)
    for key in data:
        if key not in ACCOUNT_FIELDS:
            raise SnapshotError(path, f"unknown field; expected {', '.join(sorted(ACCOUNT_FIELDS))}", key)
    account_id = checked_account_id(string(data, "accountId", path), path, "accountId")
    region = string(data, "region", path)
    if not REGION.match(region):
        raise SnapshotError(path, f"expected an AWS Region name such as us-east-1, found {excerpt(region)}", "region")
    organization_id = optional_string(data, "organizationId", path)
    if organization_id is not None and not ORGANIZATION_ID.match(organization_id):
        raise SnapshotError(path, f"expected an organization id such as o-a1b2c3d4e5, found {excerpt(organization_id)}",
                            "organizationId")
    members_raw = list_field(data, "memberAccountIds", path, required=False) or []
    members = strings_of(members_raw, path, "memberAccountIds")
    for i, member in enumerate(members):
        checked_account_id(member, path, f"memberAccountIds[{i}]")
    if members and organization_id is None:
        raise SnapshotError(path, "member accounts need an organizationId", "memberAccountIds")
    partition = optional_string(data, "partition", path) or "aws"
    return Account(account_id, region, organization_id, members, partition)
