"""An organization: a folder of account snapshots plus the organization's own description.

Layout (docs/activity.md):

```
describe-organization.json                         aws organizations describe-organization   (required)
list-accounts.json                                 aws organizations list-accounts           (required)
list-roots.json                                    aws organizations list-roots
list-organizational-units-for-parent/<parent>.json aws organizations list-organizational-units-for-parent --parent-id <parent>
list-accounts-for-parent/<parent>.json             aws organizations list-accounts-for-parent --parent-id <parent>
accounts/<any name>/                               an account snapshot (docs/snapshot.md, docs/activity.md)
accessproof-snapshots.json                         {"snapshots": ["../account", ...]}: snapshots kept elsewhere,
                                                   relative to this folder
```

Every snapshot must be of a member account of ``list-accounts.json``; a member without a snapshot
is listed in ``Organization.accounts_without_snapshot`` (it is not analysed).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Optional, Union

from .errors import SnapshotError
from .jsonread import check_snapshot_tree, list_field, obj_field, objects_of, optional_string, read_object, string

DESCRIBE = "describe-organization.json"
LIST_ACCOUNTS = "list-accounts.json"
LIST_ROOTS = "list-roots.json"
OUS_FOR_PARENT = "list-organizational-units-for-parent"
ACCOUNTS_FOR_PARENT = "list-accounts-for-parent"
ACCOUNTS_DIRECTORY = "accounts"
SNAPSHOT_LIST = "accessproof-snapshots.json"
KNOWN = frozenset({DESCRIBE, LIST_ACCOUNTS, LIST_ROOTS, OUS_FOR_PARENT, ACCOUNTS_FOR_PARENT, ACCOUNTS_DIRECTORY,
                   SNAPSHOT_LIST})


@dataclass(frozen=True)
class MemberAccount:
    account_id: str
    name: str
    status: str  # ACTIVE | SUSPENDED | PENDING_CLOSURE
    parent_id: Optional[str] = None  # the root or OU that holds it, when the tree is given


@dataclass(frozen=True)
class OrganizationalUnit:
    ou_id: str
    name: str
    parent_id: str


@dataclass(frozen=True)
class Organization:
    path: str
    organization_id: str
    management_account_id: str
    accounts: Mapping[str, MemberAccount]
    organizational_units: Mapping[str, OrganizationalUnit]
    root_ids: tuple[str, ...]
    snapshots: Mapping[str, Path]  # account id → snapshot directory
    accounts_without_snapshot: tuple[str, ...] = field(default=())

    def ou_path(self, account_id: str) -> tuple[str, ...]:
        """The OU ids from the root down to the account (``aws:PrincipalOrgPaths`` order)."""
        account = self.accounts.get(account_id)
        chain: list[str] = []
        parent = account.parent_id if account else None
        while parent is not None and parent in self.organizational_units:
            chain.append(parent)
            parent = self.organizational_units[parent].parent_id
        if parent is not None:
            chain.append(parent)
        return tuple(reversed(chain))


def _snapshot_account_id(directory: Path) -> str:
    path = directory / "account.json"
    if not path.is_file():
        raise SnapshotError(path, "missing required file: every account snapshot has account.json")
    return string(read_object(path), "accountId", path)


def load_organization(path: Union[str, Path]) -> Organization:
    root = Path(path)
    if not root.is_dir():
        raise SnapshotError(root, "no such organization directory")
    # The member snapshots under accounts/ are checked by the loader that reads each of them
    # (``load_snapshot``, ``load_account_activity``): walking them here too read every file twice.
    members = os.path.join(os.path.realpath(root), ACCOUNTS_DIRECTORY)
    check_snapshot_tree(root, lambda directory: os.path.dirname(directory) == members)
    for entry in root.iterdir():
        if entry.name not in KNOWN:
            raise SnapshotError(entry, f"unknown entry; an organization folder holds {', '.join(sorted(KNOWN))}")
    describe_path = root / DESCRIBE
    if not describe_path.is_file():
        raise SnapshotError(describe_path, "missing required file (aws organizations describe-organization)")
    organization = obj_field(read_object(describe_path), "Organization", describe_path)
    assert organization is not None
    org_id = string(organization, "Id", describe_path, "Organization")
    management = string(organization, "MasterAccountId", describe_path, "Organization")
    accounts_path = root / LIST_ACCOUNTS
    if not accounts_path.is_file():
        raise SnapshotError(accounts_path, "missing required file (aws organizations list-accounts)")
    listed = objects_of(list_field(read_object(accounts_path), "Accounts", accounts_path) or [], accounts_path, "Accounts")
    parents = _account_parents(root)
    accounts = {}
    for i, item in enumerate(listed):
        account_id = string(item, "Id", accounts_path, f"Accounts[{i}]")
        accounts[account_id] = MemberAccount(account_id, optional_string(item, "Name", accounts_path, f"Accounts[{i}]") or "",
                                             optional_string(item, "Status", accounts_path, f"Accounts[{i}]") or "ACTIVE",
                                             parents.get(account_id))
    roots_path = root / LIST_ROOTS
    root_ids = tuple(string(r, "Id", roots_path, f"Roots[{i}]") for i, r in enumerate(
        objects_of(list_field(read_object(roots_path), "Roots", roots_path) or [], roots_path, "Roots"))) \
        if roots_path.is_file() else ()
    snapshots = _snapshots(root)
    for account_id, directory in snapshots.items():
        if account_id not in accounts:
            raise SnapshotError(directory, f"account {account_id} is not a member of {org_id} ({LIST_ACCOUNTS})")
    missing = tuple(sorted(a for a in accounts if a not in snapshots))
    return Organization(str(root), org_id, management, accounts, _organizational_units(root), root_ids, snapshots, missing)


def _snapshots(root: Path) -> dict[str, Path]:
    found: dict[str, Path] = {}

    def add(directory: Path, origin: Path, listed: bool) -> None:
        if listed:  # outside the organization folder, which is checked already
            check_snapshot_tree(directory)
        else:  # its own entries (account.json is read here); the loader of its data checks the rest
            check_snapshot_tree(directory, lambda subdirectory: True)
        account_id = _snapshot_account_id(directory)
        if account_id in found:
            raise SnapshotError(origin, f"account {account_id} has two snapshots: {found[account_id]} and {directory}")
        found[account_id] = directory

    folder = root / ACCOUNTS_DIRECTORY
    if folder.is_dir():
        for directory in sorted(folder.iterdir()):
            if directory.is_dir():
                add(directory, directory, listed=False)
    listing = root / SNAPSHOT_LIST
    if listing.is_file():
        data = read_object(listing)
        for i, relative in enumerate(list_field(data, "snapshots", listing) or []):
            if not isinstance(relative, str):
                raise SnapshotError(listing, "expected a path", f"snapshots[{i}]")
            if Path(relative).is_absolute():
                raise SnapshotError(listing, "expected a path relative to the organization folder", f"snapshots[{i}]")
            directory = (root / relative).resolve()
            if not directory.is_dir():
                raise SnapshotError(listing, f"no such snapshot directory: {directory}", f"snapshots[{i}]")
            add(directory, listing, listed=True)
    return found


def _parent_files(root: Path, name: str) -> dict[str, Path]:
    folder = root / name
    if not folder.is_dir():
        return {}
    return {f.name.removesuffix(".json"): f for f in sorted(folder.iterdir()) if f.name.endswith(".json")}


def _account_parents(root: Path) -> dict[str, str]:
    parents = {}
    for parent, path in _parent_files(root, ACCOUNTS_FOR_PARENT).items():
        for i, item in enumerate(objects_of(list_field(read_object(path), "Accounts", path) or [], path, "Accounts")):
            parents[string(item, "Id", path, f"Accounts[{i}]")] = parent
    return parents


def _organizational_units(root: Path) -> dict[str, OrganizationalUnit]:
    units = {}
    for parent, path in _parent_files(root, OUS_FOR_PARENT).items():
        items = objects_of(list_field(read_object(path), "OrganizationalUnits", path) or [], path, "OrganizationalUnits")
        for i, item in enumerate(items):
            ou_id = string(item, "Id", path, f"OrganizationalUnits[{i}]")
            units[ou_id] = OrganizationalUnit(ou_id, optional_string(item, "Name", path, f"OrganizationalUnits[{i}]") or "",
                                              parent)
    return units
