"""Shared helpers for rule tests."""

from __future__ import annotations

import json
from typing import Optional, Union

from accessproof.validate.engine import finding_dict, validate_policy


def run(policy: Union[dict, str], policy_type: str = "IDENTITY_POLICY", resource_type: Optional[str] = None) -> list[dict]:
    """Findings for a policy (a dict is serialised with 2-space indentation)."""
    text = policy if isinstance(policy, str) else json.dumps(policy, indent=2)
    found, index = validate_policy(text, policy_type, resource_type)
    return [finding_dict(f, index) for f in found]


def codes(policy: Union[dict, str], policy_type: str = "IDENTITY_POLICY", resource_type: Optional[str] = None) -> list[str]:
    return [f["issueCode"] for f in run(policy, policy_type, resource_type)]


def only(code: str, policy: Union[dict, str], policy_type: str = "IDENTITY_POLICY",
         resource_type: Optional[str] = None) -> list[dict]:
    """The findings with one issue code."""
    return [f for f in run(policy, policy_type, resource_type) if f["issueCode"] == code]


def paths(findings: list[dict]) -> list[list[dict]]:
    return [loc["path"] for f in findings for loc in f["locations"]]


def allow(action, resource="*", **extra) -> dict:
    """A one-statement identity policy."""
    st = {"Effect": "Allow", "Action": action, "Resource": resource}
    st.update(extra)
    return {"Version": "2012-10-17", "Statement": [st]}
