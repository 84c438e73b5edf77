"""Collecting an account — or an organization, through a role in each member account — into snapshots.

Layout written under the output folder ``OUT``::

    OUT/<region>/                    one account: the account snapshot of that Region (docs/snapshot.md)
    OUT/<region>/accounts/<id>/      an organization: each member's snapshot, beside the organization's
                                     files (docs/activity.md, "Organizations")
    OUT/collect-report.json          what was collected, refused and could not be read

Every Region's snapshot is built in a folder beside ``OUT/<region>`` and swapped in when complete, so a
reader never sees half a snapshot. Resources are read in parallel (``workers``) and, in an
organization, accounts too (``accounts_in_parallel``). Failures never end the run: a refused call is
kept (``.error``: an error finding), a resource that could not be read is left out and reported (the
report's ``failures``; ``complete`` is false), a listing that failed leaves its type out and is reported.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Mapping, Optional, Protocol, Sequence

from .base import (
    AWS_ERRORS, AccountMemo, CallFailed, ClientFactory, RegionContext, ResourceGone, ResourceRef, Responses,
    call_or_fail, cli_json,
)
from .iam_role import IamFiles, collect_iam
from .registry import REGIONAL
from . import ec2_snapshot, s3_bucket

REPORT_FILE = "collect-report.json"
DEFAULT_WORKERS = 8


class Progress(Protocol):
    def expect(self, count: int) -> None: ...

    def advance(self, count: int = 1) -> None: ...


class _NoProgress:
    def expect(self, count: int) -> None:
        pass

    def advance(self, count: int = 1) -> None:
        pass


@dataclass(frozen=True)
class CollectOptions:
    regions: Optional[tuple[str, ...]] = None  # None: every Region enabled for the account
    workers: int = DEFAULT_WORKERS
    activity: bool = True  # credential report, access keys, service last accessed
    accounts_in_parallel: int = 4
    job_timeout_seconds: float = 600.0
    home_region: str = "us-east-1"


@dataclass
class AccountReport:
    account_id: str
    regions: list[str] = field(default_factory=list)
    resources: dict[str, dict[str, int]] = field(default_factory=dict)  # Region → type → count
    refused: list[str] = field(default_factory=list)  # response files kept as a refusal (.error)
    failures: list[str] = field(default_factory=list)  # what could not be read at all
    gone: int = 0  # listed, then deleted before it was read

    def to_json(self) -> dict[str, Any]:
        return {"accountId": self.account_id, "regions": self.regions, "resources": self.resources,
                "refused": sorted(self.refused), "failures": sorted(self.failures), "gone": self.gone}


@dataclass
class CollectReport:
    accounts: list[AccountReport] = field(default_factory=list)
    organization_failures: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.organization_failures and not any(a.failures for a in self.accounts)

    @property
    def failures(self) -> list[str]:
        return self.organization_failures + [f"{a.account_id}: {f}" for a in self.accounts for f in a.failures]

    def to_json(self) -> dict[str, Any]:
        return {"complete": self.complete, "organizationFailures": self.organization_failures,
                "accounts": [a.to_json() for a in self.accounts]}


# --- files ------------------------------------------------------------------------------------


def write_files(directory: Path, files: Mapping[str, bytes]) -> None:
    for relative, content in files.items():
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


def _swap_in(built: Path, target: Path) -> None:
    """Replace ``target`` (a directory, maybe absent) by ``built``, never leaving a mixture."""
    old = target.with_name(f".{target.name}.old-{uuid.uuid4().hex[:8]}")
    if target.exists():
        os.replace(target, old)
    os.replace(built, target)
    shutil.rmtree(old, ignore_errors=True)


def _denied_files(files: Mapping[str, bytes], prefix: str) -> list[str]:
    return [f"{prefix}/{name.removesuffix('.error')}.json: {content.decode('utf-8', 'replace').strip()}"
            for name, content in files.items() if name.endswith(".error") and b"An error occurred" in content
            and not _not_found(content)]


def _not_found(content: bytes) -> bool:
    from ..responses import NOT_FOUND_CODES

    text = content.decode("utf-8", "replace")
    return any(f"({code})" in text for code in NOT_FOUND_CODES)


# --- one account ------------------------------------------------------------------------------


def caller_account(clients: ClientFactory, region: str) -> tuple[str, str]:
    """(account id, partition) of the credentials."""
    identity = call_or_fail(clients("sts", region).get_caller_identity, "sts GetCallerIdentity")
    return identity["Account"], identity["Arn"].split(":", 2)[1]


def enabled_regions(clients: ClientFactory, region: str) -> list[str]:
    """The Regions enabled for the account (opt-in Regions only when opted in)."""
    regions = call_or_fail(clients("ec2", region).describe_regions, "ec2 DescribeRegions")["Regions"]
    return sorted(r["RegionName"] for r in regions if r.get("OptInStatus") != "not-opted-in")


def organization_of(clients: ClientFactory, region: str) -> tuple[Optional[str], list[str]]:
    """(organization id, member account ids): what ``account.json`` says of the zone of trust. A member
    account may not list the accounts; an account outside any organization has neither."""
    org = clients("organizations", region)
    try:
        organization_id = org.describe_organization()["Organization"]["Id"]
    except AWS_ERRORS:
        return None, []
    try:
        accounts = [a["Id"] for page in org.get_paginator("list_accounts").paginate() for a in page["Accounts"]]
    except AWS_ERRORS:
        accounts = []
    return organization_id, sorted(accounts)


def _account_json(account_id: str, region: str, partition: str, organization_id: Optional[str],
                  members: Sequence[str]) -> bytes:
    body: dict[str, Any] = {"accountId": account_id, "region": region}
    if organization_id:
        body["organizationId"] = organization_id
        if members:
            body["memberAccountIds"] = list(members)
    if partition != "aws":
        body["partition"] = partition
    return (json.dumps(body, indent=4) + "\n").encode()


def collect_one(ctx: RegionContext, module: ModuleType, target: ResourceRef) -> tuple[str, Optional[Responses], str]:
    """("ok" | "gone" | "failed", the responses, a failure line)."""
    try:
        return "ok", module.collect(ctx, target), ""
    except ResourceGone:
        return "gone", None, ""
    except CallFailed as e:
        return "failed", None, f"{target.region} {target.path}: {e}"


def collect_account(clients: ClientFactory, destination: Callable[[str], Path], options: CollectOptions,
                    progress: Optional[Progress] = None,
                    organization: Optional[tuple[Optional[str], list[str]]] = None) -> AccountReport:
    """Collect the account of ``clients``' credentials: every Region's snapshot into ``destination(region)``
    (a new directory). Never raises for what AWS answers: everything is in the report."""
    progress = progress or _NoProgress()
    home = options.home_region
    account_id, partition = caller_account(clients, home)
    report = AccountReport(account_id)
    try:
        regions = list(options.regions) if options.regions else enabled_regions(clients, home)
    except CallFailed as e:
        report.failures.append(f"Regions: {e}; give them with --region")
        return report
    report.regions = regions
    organization_id, members = organization if organization is not None else organization_of(clients, home)
    memo = AccountMemo()
    home_ctx = RegionContext(clients, account_id, partition, home, memo)
    iam: IamFiles = collect_iam(home_ctx, activity=options.activity, workers=options.workers,
                                timeout=options.job_timeout_seconds)
    report.failures += iam.failures
    account_level = Responses()
    try:
        account_level = s3_bucket.account_files(home_ctx)
    except CallFailed as e:
        report.failures.append(f"s3control/{e}")
    report.refused += _denied_files(iam.files, "iam") + _denied_files(account_level.files, "s3control")
    lock = threading.Lock()
    with ThreadPoolExecutor(max_workers=max(1, options.workers)) as pool:
        for region in regions:
            root = destination(region)
            root.mkdir(parents=True, exist_ok=True)
            (root / "account.json").write_bytes(_account_json(account_id, region, partition, organization_id, members))
            write_files(root / "iam", iam.files)
            write_files(root / "s3control", account_level.files)
            ctx = RegionContext(clients, account_id, partition, region, memo)
            counts: dict[str, int] = {"AWS::IAM::Role": iam.roles} if iam.files else {}
            report.resources[region] = counts
            try:
                ec2_files = ec2_snapshot.region_files(ctx)
                write_files(root / "ec2", ec2_files.files)
                report.refused += _denied_files(ec2_files.files, f"{region} ec2")
            except CallFailed as e:
                report.failures.append(f"{region} ec2/{e}")
            targets: list[tuple[ModuleType, ResourceRef]] = []
            for module in REGIONAL:
                try:
                    found = module.discover(ctx)
                except CallFailed as e:
                    report.failures.append(f"{region} {module.RESOURCE_TYPE}: not listed, none collected: {e}")
                    continue
                targets += [(module, t) for t in found]
            progress.expect(len(targets))

            def done(module: ModuleType, target: ResourceRef, outcome: tuple[str, Optional[Responses], str],
                     root: Path = root, counts: dict[str, int] = counts, region: str = region) -> None:
                status, responses, failure = outcome
                with lock:
                    if status == "ok" and responses is not None:
                        write_files(root.joinpath(*target.directory), responses.files)
                        counts[module.RESOURCE_TYPE] = counts.get(module.RESOURCE_TYPE, 0) + 1
                        report.refused += _denied_files(responses.files, f"{region} {target.path}")
                    elif status == "gone":
                        report.gone += 1
                    else:
                        report.failures.append(failure)
                progress.advance()

            futures = [(module, target, pool.submit(collect_one, ctx, module, target)) for module, target in targets]
            for module, target, future in futures:
                done(module, target, future.result())
    return report


# --- the output folder ------------------------------------------------------------------------


def _partial(out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    building = out / f".partial-{uuid.uuid4().hex[:12]}"
    building.mkdir()
    return building


def _finish(out: Path, building: Path, regions: Sequence[str], report: CollectReport) -> None:
    for region in regions:
        if (building / region).is_dir():
            _swap_in(building / region, out / region)
    shutil.rmtree(building, ignore_errors=True)
    (out / REPORT_FILE).write_bytes(cli_json(report.to_json()))


def collect_to(clients: ClientFactory, out: Path, options: CollectOptions,
               progress: Optional[Progress] = None) -> CollectReport:
    """``accessproof collect OUT``: the account of the credentials, one snapshot per Region."""
    building = _partial(out)
    try:
        account = collect_account(clients, lambda region: building / region, options, progress)
        report = CollectReport([account])
        _finish(out, building, account.regions, report)
        return report
    finally:
        shutil.rmtree(building, ignore_errors=True)


# --- an organization ----------------------------------------------------------------------------


def _organization_files(org: Any) -> dict[str, bytes]:
    """describe-organization, list-accounts, list-roots and the tree of OUs and their accounts."""
    files: dict[str, bytes] = {}
    files["describe-organization.json"] = cli_json(call_or_fail(org.describe_organization,
                                                                "organizations DescribeOrganization"))

    def full(operation: str, **kwargs: Any) -> dict[str, Any]:
        return call_or_fail(lambda **kw: org.get_paginator(operation).paginate(**kw).build_full_result(),
                            f"organizations {operation}", **kwargs)

    files["list-accounts.json"] = cli_json(full("list_accounts"))
    roots = full("list_roots")
    files["list-roots.json"] = cli_json(roots)
    parents = [r["Id"] for r in roots.get("Roots", [])]
    while parents:
        parent = parents.pop()
        units = full("list_organizational_units_for_parent", ParentId=parent)
        files[f"list-organizational-units-for-parent/{parent}.json"] = cli_json(units)
        files[f"list-accounts-for-parent/{parent}.json"] = cli_json(full("list_accounts_for_parent", ParentId=parent))
        parents += [u["Id"] for u in units.get("OrganizationalUnits", [])]
    return files


MemberClients = Callable[[str], ClientFactory]  # account id → clients with a role in that account


def collect_organization_to(clients: ClientFactory, out: Path, member_clients: MemberClients,
                            options: CollectOptions, progress: Optional[Progress] = None) -> CollectReport:
    """``accessproof collect OUT --organization``: from the management (or delegated administrator)
    account, the organization's description and every ACTIVE member account, each through
    ``member_clients(account_id)`` (a role the user names), ``accounts_in_parallel`` at a time."""
    home = options.home_region
    report = CollectReport()
    building = _partial(out)
    try:
        org = clients("organizations", home)
        try:
            files = _organization_files(org)
        except CallFailed as e:
            report.organization_failures.append(f"organization: {e}")
            (out / REPORT_FILE).write_bytes(cli_json(report.to_json()))
            return report
        organization_id = json.loads(files["describe-organization.json"])["Organization"]["Id"]
        listed = json.loads(files["list-accounts.json"]).get("Accounts", [])
        members = sorted(a["Id"] for a in listed)
        active = [a["Id"] for a in listed if a.get("Status", "ACTIVE") == "ACTIVE"]
        caller, _ = caller_account(clients, home)
        try:
            regions = list(options.regions) if options.regions else enabled_regions(clients, home)
        except CallFailed as e:
            report.organization_failures.append(f"Regions: {e}; give them with --region")
            return report
        one_account = CollectOptions(tuple(regions), options.workers, options.activity, 1, options.job_timeout_seconds,
                                     home)

        def member(account_id: str) -> AccountReport:
            try:
                account_clients = clients if account_id == caller else member_clients(account_id)
                return collect_account(account_clients, lambda region: building / region / "accounts" / account_id,
                                       one_account, progress, (organization_id, members))
            except CallFailed as e:
                return AccountReport(account_id, failures=[f"not collected: {e}"])

        with ThreadPoolExecutor(max_workers=max(1, options.accounts_in_parallel)) as pool:
            report.accounts = list(pool.map(member, active))
        for region in regions:
            write_files(building / region, files)
        _finish(out, building, regions, report)
        return report
    finally:
        shutil.rmtree(building, ignore_errors=True)
