"""IAM (global): ``iam/get-account-authorization-details.json`` — the roles the external access analyzer
reads — and the activity data of docs/activity.md: the credential report, each user's access keys,
and each role's and user's service-last-accessed details at action level.

IAM roles are global; AWS reports a role's external access "in each enabled Region" (IAM User Guide,
"IAM Access Analyzer resource types"), so every Region's snapshot gets the same ``iam/``.

The activity files have no ``.error`` form in the snapshot format: a failed activity call leaves its
file out and is reported by the run (the unused access analyzer then has less data, never wrong data).
"""

from __future__ import annotations

import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

from ..jsonread import read_object
from .base import CallFailed, RegionContext, ResourceGone, Responses, call_or_fail, cli_json

RESOURCE_TYPE = "AWS::IAM::Role"
ACTIONS = ("iam:GetAccountAuthorizationDetails", "iam:GetRole")
ACTIVITY_ACTIONS = ("iam:GenerateCredentialReport", "iam:GetCredentialReport", "iam:ListAccessKeys",
                    "iam:GenerateServiceLastAccessedDetails", "iam:GetServiceLastAccessedDetails")
AUTHORIZATION_DETAILS = "get-account-authorization-details.json"
LAST_ACCESSED = "get-service-last-accessed-details.json"
SERVICE_LINKED_PATH = "/aws-service-role/"
Sleep = Callable[[float], None]


@dataclass
class IamFiles:
    """The ``iam/`` directory of every Region's snapshot, and what could not be read."""

    files: dict[str, bytes] = field(default_factory=dict)  # path under iam/ → content
    failures: list[str] = field(default_factory=list)
    roles: int = 0


def _wait(poll: Callable[[], tuple[bool, Any]], timeout: float, sleep: Sleep, what: str) -> Any:
    """Poll until done (IAM's report and last-accessed jobs run in the background)."""
    deadline = time.monotonic() + timeout
    delay = 0.5
    while True:
        done, value = poll()
        if done:
            return value
        if time.monotonic() > deadline:
            raise CallFailed(f"{what}: not done after {timeout:.0f} s")
        sleep(delay)
        delay = min(delay * 2, 5.0)


def _credential_report(iam: Any, timeout: float, sleep: Sleep) -> dict[str, Any]:
    def poll() -> tuple[bool, Any]:
        state = call_or_fail(iam.generate_credential_report, "iam GenerateCredentialReport").get("State")
        return state == "COMPLETE", None
    _wait(poll, timeout, sleep, "iam GenerateCredentialReport")
    return call_or_fail(iam.get_credential_report, "iam GetCredentialReport")


def last_accessed(iam: Any, arn: str, timeout: float, sleep: Sleep) -> dict[str, Any]:
    """GetServiceLastAccessedDetails of an action-level job for ``arn``, every page merged."""
    job = call_or_fail(iam.generate_service_last_accessed_details, f"iam GenerateServiceLastAccessedDetails {arn}",
                       Arn=arn, Granularity="ACTION_LEVEL")["JobId"]

    def poll() -> tuple[bool, Any]:
        page = call_or_fail(iam.get_service_last_accessed_details, f"iam GetServiceLastAccessedDetails {arn}",
                            JobId=job)
        if page.get("JobStatus") == "FAILED":
            raise CallFailed(f"iam GetServiceLastAccessedDetails {arn}: job FAILED: {page.get('Error')}")
        return page.get("JobStatus") == "COMPLETED", page

    first = _wait(poll, timeout, sleep, f"iam GetServiceLastAccessedDetails {arn}")
    merged = dict(first)
    services = list(first.get("ServicesLastAccessed", []))
    page = first
    while page.get("IsTruncated"):
        page = call_or_fail(iam.get_service_last_accessed_details, f"iam GetServiceLastAccessedDetails {arn}",
                            JobId=job, Marker=page["Marker"])
        services += page.get("ServicesLastAccessed", [])
    merged["ServicesLastAccessed"] = services
    merged["IsTruncated"] = False
    merged.pop("Marker", None)
    return merged


def collect_iam(ctx: RegionContext, *, activity: bool = True, workers: int = 4, timeout: float = 600.0,
                sleep: Sleep = time.sleep) -> IamFiles:
    """The account's ``iam/`` files. Without the authorization details there is no ``iam/`` at all
    (the file is required there), and the failure says so."""
    iam = ctx.client("iam")
    result = IamFiles()
    details = Responses()
    try:
        found = details.paginate(AUTHORIZATION_DETAILS, iam, "get_account_authorization_details")
    except CallFailed as e:
        result.failures.append(f"iam/{e}")
        return result
    if found is None:  # refused: the roles cannot be analysed, and the snapshot format has no place for that
        result.failures.append(f"iam/{AUTHORIZATION_DETAILS}: refused ({details.files.popitem()[1].decode().strip()})")
        return result
    result.files[AUTHORIZATION_DETAILS] = details.files[AUTHORIZATION_DETAILS]
    roles = [r for r in found.get("RoleDetailList", [])]
    users = [u for u in found.get("UserDetailList", [])]
    result.roles = len(roles)
    if not activity:
        return result
    try:
        result.files["get-credential-report.json"] = cli_json(_credential_report(iam, timeout, sleep))
    except CallFailed as e:
        result.failures.append(f"iam/get-credential-report.json: {e}")
    for user in users:
        try:
            keys = call_or_fail(lambda **kw: iam.get_paginator("list_access_keys").paginate(**kw).build_full_result(),
                                f"iam ListAccessKeys {user['UserName']}", UserName=user["UserName"])
            result.files[f"users/{user['UserName']}/list-access-keys.json"] = cli_json(keys)
        except CallFailed as e:
            result.failures.append(f"iam/users/{user['UserName']}/list-access-keys.json: {e}")
    # Service-linked roles are not analysed for unused access (docs/activity.md): no job for them.
    entities = [("roles", r["RoleName"], r["Arn"]) for r in roles if not r.get("Path", "").startswith(SERVICE_LINKED_PATH)]
    entities += [("users", u["UserName"], u["Arn"]) for u in users]

    def one(entity: tuple[str, str, str]) -> tuple[str, Optional[bytes], Optional[str]]:
        kind, name, arn = entity
        path = f"{kind}/{name}/{LAST_ACCESSED}"
        try:
            return path, cli_json(last_accessed(iam, arn, timeout, sleep)), None
        except CallFailed as e:
            return path, None, f"iam/{path}: {e}"

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for path, content, failure in pool.map(one, entities):
            if content is not None:
                result.files[path] = content
            if failure is not None:
                result.failures.append(failure)
    return result


def refresh_role(ctx: RegionContext, role_name: str, iam_directories: list[Path]) -> bool:
    """Bring one role of the authorization details up to date in every snapshot's ``iam/`` (the
    monitor, after UpdateAssumeRolePolicy, CreateRole or DeleteRole): its trust policy is replaced,
    a new role is added (without policies: the next full scan reads them), a deleted one removed.
    Returns whether the role exists."""
    try:
        role: Optional[dict[str, Any]] = Responses().probe(ctx.client("iam").get_role, gone=("NoSuchEntity",),
                                                           RoleName=role_name)["Role"]
    except ResourceGone:
        role = None
    for directory in iam_directories:
        path = directory / AUTHORIZATION_DETAILS
        if not path.is_file():
            continue
        details = read_object(path)
        entries = details.setdefault("RoleDetailList", [])
        index = next((i for i, entry in enumerate(entries) if entry.get("RoleName") == role_name), None)
        if role is None:
            if index is not None:
                del entries[index]
        elif index is not None:
            entries[index]["AssumeRolePolicyDocument"] = role["AssumeRolePolicyDocument"]
        else:
            entries.append({**{k: role[k] for k in ("Path", "RoleName", "RoleId", "Arn", "CreateDate",
                                                    "AssumeRolePolicyDocument") if k in role},
                            "InstanceProfileList": [], "RolePolicyList": [], "AttachedManagedPolicies": [],
                            "Tags": role.get("Tags", [])})
        _replace_file(path, cli_json(details))
    return role is not None


def _replace_file(path: Path, content: bytes) -> None:
    """Write ``path`` atomically, through a file outside the snapshot (the loader refuses strangers)."""
    handle, temporary = tempfile.mkstemp(dir=path.parent.parent.parent, prefix=".accessproof-")
    with os.fdopen(handle, "wb") as f:
        f.write(content)
    os.replace(temporary, path)
