"""The least-privilege IAM policy the collector needs (``accessproof collect --print-policy``).

Built from the actions each collector module declares (``ACTIONS``), so the policy and the calls
cannot drift apart: a test runs a collection and checks every call it made is allowed by it, and
proves with ``check_access_not_granted`` that it grants no write, permissions-management or tagging
action.
"""

from __future__ import annotations

import json
from typing import Any, Optional

from . import iam_role
from .registry import REGIONAL

ACCOUNT_ACTIONS = ("ec2:DescribeRegions", "organizations:DescribeOrganization", "organizations:ListAccounts")
ORGANIZATION_ACTIONS = ("organizations:DescribeOrganization", "organizations:ListAccounts", "organizations:ListRoots",
                        "organizations:ListOrganizationalUnitsForParent", "organizations:ListAccountsForParent")


def collector_actions(activity: bool = True) -> list[str]:
    actions = {a for module in REGIONAL for a in module.ACTIONS}
    actions.update(iam_role.ACTIONS, ACCOUNT_ACTIONS)
    if activity:
        actions.update(iam_role.ACTIVITY_ACTIONS)
    return sorted(actions)


def collector_policy(activity: bool = True, member_role: Optional[str] = None, partition: str = "aws") -> dict[str, Any]:
    """The identity policy; with ``member_role`` (an organization's collection from its management
    account), the organization's read actions and ``sts:AssumeRole`` on that role only."""
    statements: list[dict[str, Any]] = [
        {"Sid": "AccessproofCollectRead", "Effect": "Allow", "Action": collector_actions(activity), "Resource": "*"}]
    if member_role is not None:
        statements.append({"Sid": "AccessproofCollectOrganization", "Effect": "Allow",
                           "Action": sorted(ORGANIZATION_ACTIONS), "Resource": "*"})
        statements.append({"Sid": "AccessproofCollectMemberAccounts", "Effect": "Allow", "Action": "sts:AssumeRole",
                           "Resource": f"arn:{partition}:iam::*:role/{member_role}"})
    return {"Version": "2012-10-17", "Statement": statements}


def policy_text(activity: bool = True, member_role: Optional[str] = None) -> str:
    return json.dumps(collector_policy(activity, member_role), indent=4) + "\n"
