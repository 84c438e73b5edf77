"""Replaying requests through the concrete evaluator against a resource's statements."""

from __future__ import annotations

import json
from typing import Any, Callable, Mapping, Optional

from accessproof.evaluate import (
    IDENTITY, RESOURCE, PolicySet, Request, compile_policy_text, evaluate, parse_principal,
)
from accessproof.inventory import Resource
from accessproof.resources import resource_policy_text

OWNER = "111122223333"
OTHER = "999988887777"
ORG = "o-a1b2c3d4e5"

# The caller's own account allows everything: the resource side alone decides (as the external
# access analyzer assumes of outside principals).
ALLOW_ALL = compile_policy_text('{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", '
                                '"Resource": "*"}}', "caller identity policy", IDENTITY)


def decide(resource: Resource, principal: Optional[str], action: str, target: Optional[str] = None,
           context: Optional[Mapping[str, Any]] = None,
           policy_is_public: Optional[Callable[[str], bool]] = None) -> str:
    """The decision for ``principal`` (None: anonymous) doing ``action`` on ``target``."""
    text = resource_policy_text(resource, policy_is_public)
    policy = compile_policy_text(text, resource.arn, RESOURCE)
    caller = parse_principal(principal)
    full_context: dict[str, Any] = dict(context or {})
    if caller.account is not None:  # present in every signed request (IAM User Guide, global keys)
        full_context.setdefault("aws:PrincipalAccount", caller.account)
    request = Request.of(caller, action, target or resource.arn, full_context, resource_account=resource.account_id)
    identity = (ALLOW_ALL,) if caller.is_iam_identity else ()
    return evaluate(request, PolicySet(identity=identity, resource=policy)).decision


def policy(*statements: dict, version: str = "2012-10-17") -> str:
    return json.dumps({"Version": version, "Statement": list(statements)})


def stmt(principal: Any, action: Any, resource: Any = None, condition: Optional[dict] = None,
         effect: str = "Allow", sid: Optional[str] = None) -> dict:
    out: dict[str, Any] = {"Effect": effect, "Principal": principal, "Action": action}
    if sid:
        out["Sid"] = sid
    if resource is not None:
        out["Resource"] = resource
    if condition:
        out["Condition"] = condition
    return out


def always_public(_: str) -> bool:
    return True


def never_public(_: str) -> bool:
    return False
