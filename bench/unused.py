"""Unused access analysis of a generated organization: 50 accounts × 400 roles, with last-accessed data.

Each account snapshot is written to a temporary folder: 400 roles, each with two of twelve
managed policies (the same twelve in every account, as landing zones do) and its own
``get-service-last-accessed-details.json``; a third of the roles were last used long ago, and most
used roles have some service or action unused. The organization folder lists the 50 snapshots.
Printed: load time, analysis time, findings, peak memory (max RSS), roles per second.

    python bench/unused.py [--accounts 50] [--roles 400] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import resource as rusage
import shutil
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NOW = datetime(2026, 11, 28, tzinfo=timezone.utc)
MANAGEMENT = "100000000000"
SERVICES = [("s3", ["GetObject", "PutObject", "DeleteObject", "ListBucket"]),
            ("dynamodb", ["GetItem", "PutItem", "Query", "DeleteItem"]),
            ("sqs", ["SendMessage", "ReceiveMessage", "DeleteMessage"]),
            ("lambda", ["InvokeFunction", "GetFunction", "UpdateFunctionCode"]),
            ("ec2", ["DescribeInstances", "StartInstances", "StopInstances"]),
            ("kms", ["Decrypt", "Encrypt", "GenerateDataKey"])]


def _policies(account: str) -> list[dict]:
    out = []
    for i in range(12):
        first, second = SERVICES[i % 6], SERVICES[(i + 1 + i // 6) % 6]
        statements = [{"Sid": "Main", "Effect": "Allow", "Action": [f"{first[0]}:{a}" for a in first[1]], "Resource": "*"},
                      {"Sid": "Extra", "Effect": "Allow", "Action": f"{second[0]}:*" if i % 4 == 0 else
                       [f"{second[0]}:{a}" for a in second[1][:2]], "Resource": "*"}]
        document = {"Version": "2012-10-17", "Statement": statements}
        out.append({"PolicyName": f"Shared{i}", "Arn": f"arn:aws:iam::{account}:policy/Shared{i}", "DefaultVersionId": "v1",
                    "UpdateDate": "2025-01-01T00:00:00+00:00",
                    "PolicyVersionList": [{"Document": document, "VersionId": "v1", "IsDefaultVersion": True}]})
    return out


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def write_account(folder: Path, index: int, roles: int) -> str:
    account = f"{200000000000 + index}"
    (folder / "iam" / "roles").mkdir(parents=True)
    (folder / "account.json").write_text(json.dumps({"accountId": account, "region": "us-east-1"}))
    policies = _policies(account)
    role_list = []
    for r in range(roles):
        name = f"role-{r:04d}"
        stale = r % 3 == 0
        last = NOW - timedelta(days=200 if stale else 3)
        attached = [policies[r % 12], policies[(r * 5 + 1) % 12]]
        role_list.append({"RoleName": name, "Path": "/", "RoleId": f"AROA{index:04d}{r:012d}",
                          "Arn": f"arn:aws:iam::{account}:role/{name}", "CreateDate": "2025-01-01T00:00:00+00:00",
                          "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []},
                          "RolePolicyList": [], "Tags": [],
                          "AttachedManagedPolicies": [{"PolicyName": p["PolicyName"], "PolicyArn": p["Arn"]} for p in attached],
                          "RoleLastUsed": {"LastUsedDate": _iso(last)}})
        services = []
        for n, (namespace, actions) in enumerate(SERVICES):
            used = not stale and (n + r) % 3 != 0
            tracked = [{"ActionName": a, **({"LastAccessedTime": _iso(last)} if used and k % 2 == 0 else {})}
                       for k, a in enumerate(actions)]
            services.append({"ServiceNamespace": namespace, "ServiceName": namespace,
                             **({"LastAuthenticated": _iso(last)} if used else {}), "TrackedActionsLastAccessed": tracked})
        role_dir = folder / "iam" / "roles" / name
        role_dir.mkdir()
        (role_dir / "get-service-last-accessed-details.json").write_text(json.dumps(
            {"JobStatus": "COMPLETED", "IsTruncated": False, "ServicesLastAccessed": services}))
    (folder / "iam" / "get-account-authorization-details.json").write_text(json.dumps(
        {"RoleDetailList": role_list, "UserDetailList": [], "GroupDetailList": [], "Policies": policies}))
    return account


def write_organization(root: Path, accounts: int, roles: int) -> None:
    ids = [write_account(root / "accounts" / f"a{i:03d}", i, roles) for i in range(accounts)]
    (root / "describe-organization.json").write_text(json.dumps(
        {"Organization": {"Id": "o-benchbench1", "MasterAccountId": MANAGEMENT}}))
    (root / "list-accounts.json").write_text(json.dumps(
        {"Accounts": [{"Id": a, "Name": a, "Status": "ACTIVE"} for a in [MANAGEMENT, *ids]]}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=50)
    parser.add_argument("--roles", type=int, default=400)
    parser.add_argument("--keep", type=Path, help="write the organization here and keep it")
    args = parser.parse_args()
    from accessproof.analyzers.unused import ORGANIZATION_UNUSED_ACCESS, analyze_accounts, settings_from_configuration
    from accessproof.analyzers.unused_service import load_accounts

    root = args.keep or Path(tempfile.mkdtemp(prefix="accessproof-unused-bench-"))
    try:
        started = time.perf_counter()
        write_organization(root, args.accounts, args.roles)
        written = time.perf_counter()
        accounts, organization = load_accounts(root)
        loaded = time.perf_counter()
        settings = settings_from_configuration(None, ORGANIZATION_UNUSED_ACCESS, MANAGEMENT)
        analysis = analyze_accounts(accounts, settings, NOW)
        analysed = time.perf_counter()
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    roles = args.accounts * args.roles
    kinds: dict[str, int] = {}
    for finding in analysis.findings:
        kinds[finding.finding_type] = kinds.get(finding.finding_type, 0) + 1
    peak_mib = rusage.getrusage(rusage.RUSAGE_SELF).ru_maxrss / 1024
    print(f"organization: {args.accounts} accounts x {args.roles} roles = {roles} roles "
          f"(written in {written - started:.1f} s)")
    print(f"load:     {loaded - written:.2f} s")
    print(f"analysis: {analysed - loaded:.2f} s ({roles / max(analysed - loaded, 1e-9):,.0f} roles/s)")
    print(f"findings: {len(analysis.findings)} {json.dumps(kinds, sort_keys=True)}")
    print(f"peak memory (max RSS): {peak_mib:,.0f} MiB")


if __name__ == "__main__":
    main()
