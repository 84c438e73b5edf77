"""Generated account snapshots of any size, for the parallel tests and ``bench/scale.py``.

External access (``write_snapshot``): every resource is an SQS queue whose policy names the queue's own ARN, so that queues whose
policies differ only by that ARN share one configuration (``configuration_key``). ``distinct``
of the configurations are different: each grants to its own partner account, a third of them
also publicly with a condition on the source account.

Unused access (``write_organization``): an organization folder of account snapshots, each with
``roles`` roles; each role has two of twelve managed policies (the same twelve in every account,
as landing zones do) and its own ``get-service-last-accessed-details.json``; a third of the roles
were last used long ago, and most used roles have some service or action unused.
"""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ACCOUNT = "111122223333"


def queue_policy(arn: str, config: int) -> dict:
    partner = f"{200000000000 + config:012d}"
    statements = [{"Sid": "Partner", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{partner}:root"},
                   "Action": ["sqs:SendMessage", "sqs:ReceiveMessage"], "Resource": arn}]
    if config % 3 == 0:
        statements.append({"Sid": "FromPartnerSources", "Effect": "Allow", "Principal": "*",
                           "Action": "sqs:SendMessage", "Resource": arn,
                           "Condition": {"StringEquals": {"aws:SourceAccount": partner}}})
    return {"Version": "2012-10-17", "Statement": statements}


def write_snapshot(root: Path, size: int, distinct_fraction: float) -> Path:
    """A snapshot directory of ``size`` queues, ``distinct_fraction`` of their configurations distinct."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "examples" / "account" / "account.json", root / "account.json")
    distinct = max(1, round(size * distinct_fraction))
    for i in range(size):
        name = f"q-{i:06d}"
        arn = f"arn:aws:sqs:us-east-1:{ACCOUNT}:{name}"
        directory = root / "sqs" / name
        directory.mkdir(parents=True, exist_ok=True)
        attributes = {"Attributes": {"QueueArn": arn, "Policy": json.dumps(queue_policy(arn, i % distinct))}}
        (directory / "get-queue-attributes.json").write_text(json.dumps(attributes))
    return root


# ------------------------------------------------------------------ unused access

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
