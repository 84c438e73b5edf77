"""Where analyzer findings are in an account snapshot (or an organization folder of them): the
file and JSON member that grant the access (``accessproof.inventory.layout``), as SARIF places.

Reads the snapshot again (the findings do not carry file names); every file is parsed once.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Optional

from ..inventory.layout import SnapshotPlace, finding_places
from ..policy import JsonSyntaxError, Node, parse_json
from ..policy.jsontext import ARRAY, OBJECT
from .sarif import FindingPlaces, Place, Region, json_region

AUTHORIZATION_DETAILS = "iam/get-account-authorization-details.json"
_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def external_access_places(snapshot: str) -> FindingPlaces:
    """External access findings: the response that grants the access (a bucket policy, an ACL,
    an access point's policy, a role's trust policy, the refused response of an error finding)."""
    from ..analyzers.external_service import load_snapshots, snapshot_paths

    resources = {r.arn: (Path(s.path), r) for s in load_snapshots(snapshot_paths(snapshot)) for r in s.resources}

    def places(finding: dict) -> list[Place]:
        found = resources.get(finding.get("resource", ""))
        if found is None:
            return [Place(snapshot)]
        root, resource = found
        return [_place(root, p) for p in finding_places(root, resource, finding)]

    return places


def unused_access_places(snapshot: str) -> FindingPlaces:
    """Unused access findings: the role or user in its account's authorization details."""
    entities: dict[str, Place] = {}
    for directory in account_snapshots(Path(snapshot)):
        details = directory / AUTHORIZATION_DETAILS
        tree = _tree(str(details)) if details.is_file() else None
        if tree is None:
            continue
        for list_name in ("RoleDetailList", "UserDetailList"):
            entries = _member(tree, list_name)
            for index, entry in enumerate(entries.value if entries is not None and entries.kind == ARRAY else []):
                arn = _member(entry, "Arn")
                if arn is not None and isinstance(arn.value, str):
                    entities[arn.value] = _place(directory, SnapshotPlace(AUTHORIZATION_DETAILS, f"{list_name}[{index}]"))

    def places(finding: dict) -> list[Place]:
        return [entities.get(finding.get("resource", "")) or Place(snapshot)]

    return places


def account_snapshots(path: Path) -> list[Path]:
    """The account snapshot folders of ``path``: itself, or an organization folder's members."""
    from ..inventory.organization import load_organization

    if (path / "account.json").is_file():
        return [path]
    if (path / "describe-organization.json").is_file():
        return [Path(p) for _, p in sorted(load_organization(path).snapshots.items())]
    return []


def _place(root: Path, place: SnapshotPlace) -> Place:
    path = root / place.file
    region = member_region(str(path), place.member) if place.member and path.is_file() else None
    return Place(str(path), region)


def member_region(path: str, member: str) -> Optional[Region]:
    """The region of ``member`` (``Attributes.Policy``, ``RoleDetailList[3].Arn``) in a JSON file."""
    node = _tree(path)
    for name, index in _STEP.findall(member):
        if node is None:
            return None
        node = _member(node, name) if name else _item(node, int(index))
    return None if node is None else json_region(_text(path), node.start, node.end)


@lru_cache(maxsize=64)
def _text(path: str) -> str:
    return Path(path).read_text(encoding="utf-8", errors="replace")


@lru_cache(maxsize=64)
def _tree(path: str) -> Optional[Node]:
    try:
        return parse_json(_text(path))
    except (JsonSyntaxError, RecursionError, OSError):
        return None


def _member(node: Node, name: str) -> Optional[Node]:
    if node.kind != OBJECT:
        return None
    return next((m.value for m in node.members() if m.key == name), None)


def _item(node: Node, index: int) -> Optional[Node]:
    if node.kind != ARRAY or not 0 <= index < len(node.items()):
        return None
    return node.items()[index]
