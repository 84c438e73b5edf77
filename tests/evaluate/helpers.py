from __future__ import annotations

import json
from typing import Optional

from accessproof.evaluate import (
    BOUNDARY, IDENTITY, RCP, RESOURCE, SCP, SESSION, PolicySet, Request, compile_policy_text, evaluate,
)

ME = "111111111111"
OTHER = "222222222222"
ALICE = f"arn:aws:iam::{ME}:user/alice"


def doc(*statements: dict, version: str = "2012-10-17") -> str:
    return json.dumps({"Version": version, "Statement": list(statements)}, indent=2)


def decide(principal: Optional[str] = ALICE, action: str = "s3:GetObject", resource: str = "arn:aws:s3:::b/k",
           context: Optional[dict] = None, identity=(), resource_policy: Optional[str] = None, boundary=None,
           session=None, scps=(), rcps=(), owner: Optional[str] = None) -> str:
    policies = PolicySet(
        identity=tuple(compile_policy_text(t, f"id{i}", IDENTITY) for i, t in enumerate(identity)),
        resource=compile_policy_text(resource_policy, "rp", RESOURCE) if resource_policy else None,
        boundary=tuple(compile_policy_text(t, "pb", BOUNDARY) for t in boundary) if boundary is not None else None,
        session=tuple(compile_policy_text(t, "sp", SESSION) for t in session) if session is not None else None,
        scp_levels=tuple((compile_policy_text(t, f"scp{i}", SCP),) for i, t in enumerate(scps)),
        rcp_levels=tuple((compile_policy_text(t, f"rcp{i}", RCP),) for i, t in enumerate(rcps)),
    )
    return evaluate(Request.of(principal, action, resource, context, owner), policies).decision


def condition(block: dict, context: Optional[dict]) -> bool:
    """Does an Allow with this Condition allow s3:GetObject for alice?"""
    statement = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": block}
    return decide(context=context, identity=[doc(statement)]) == "allowed"
