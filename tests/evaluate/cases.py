"""Random policies and requests over a small vocabulary, for the differential test.

Every request uses a real action with a resource ARN of the right type, and global condition
keys only, so that the peer simulator (which validates both) accepts it.
"""

from __future__ import annotations

import json
import random
from typing import Optional

from hypothesis import strategies as st

from accessproof.evaluate import (
    BOUNDARY, IDENTITY, RCP, RESOURCE, SCP, PolicySet, Request, compile_policy_text,
)

ME = "111111111111"
OTHER = "222222222222"

PRINCIPALS = [
    f"arn:aws:iam::{ME}:user/alice",
    f"arn:aws:iam::{ME}:user/bob",
    f"arn:aws:sts::{ME}:assumed-role/builder/session1",
    f"arn:aws:iam::{OTHER}:user/carol",
    f"arn:aws:sts::{OTHER}:assumed-role/auditor/s2",
]

# (action, resource ARN, resource owner)
TARGETS = [
    ("s3:GetObject", "arn:aws:s3:::bucket/alice/report.txt", ME),
    ("s3:GetObject", "arn:aws:s3:::bucket/shared/data.csv", ME),
    ("s3:PutObject", "arn:aws:s3:::other-bucket/x:y/z", ME),
    ("s3:ListBucket", "arn:aws:s3:::bucket", ME),
    ("sqs:SendMessage", f"arn:aws:sqs:us-east-1:{ME}:queue", ME),
    ("dynamodb:GetItem", f"arn:aws:dynamodb:us-east-1:{ME}:table/Orders", ME),
    ("dynamodb:GetItem", f"arn:aws:dynamodb:eu-west-1:{ME}:table/Orders", ME),
    ("kms:Decrypt", f"arn:aws:kms:us-east-1:{ME}:key/1234abcd-12ab-34cd-56ef-1234567890ab", ME),
]

ACTION_PATTERNS = [
    "s3:GetObject", "s3:Get*", "s3:*", "*", "sqs:SendMessage", "s3:?etObject", "S3:getobject",
    "dynamodb:Get*", "s3:List*", "kms:*", "sqs:*Message", "dynamodb:*", "s3:PutObject",
]

RESOURCE_PATTERNS = [
    "*", "arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket*", "arn:aws:s3:::bucket/${aws:username}/*",
    "arn:aws:s3:::*/shared/*", "arn:aws:s3:::bucket", f"arn:aws:sqs:*:{ME}:queue", "arn:aws:sqs:us-east-1:*:*",
    f"arn:aws:dynamodb:us-east-1:{ME}:table/Ord*", "arn:aws:dynamodb:*:*:table/Orders", "arn:aws:*:*:*:*",
    "arn:aws:s3:::other-bucket/x:*", "arn:aws:s3:::bucket/${aws:PrincipalTag/team, 'shared'}/*",
    "arn:aws:kms:*:*:key/*", "arn:aws:s3:::bucket/al?ce/*",
]

# Condition families: key → candidate policy values; and request values.
STRING_KEYS = {
    "aws:username": ["alice", "ALICE", "al*", "bob", "${aws:PrincipalTag/team}", "*"],
    "aws:PrincipalTag/team": ["blue", "Blue", "bl?e", "red", "${aws:username}"],
}
MULTI_KEYS = {"aws:TagKeys": ["a", "b", "c*", "A"]}
NUMERIC_KEYS = {"aws:MultiFactorAuthAge": ["100", "3600", "0", "-5", "3600.0"]}
DATE_KEYS = {"aws:CurrentTime": ["2024-01-01T00:00:00Z", "2025-06-01T00:00:00Z", "2024-06-01T00:00:00Z",
                                 "2024-06-01"]}
BOOL_KEYS = {"aws:MultiFactorAuthPresent": ["true", "false"], "aws:SecureTransport": ["true", "false", "True"]}
IP_KEYS = {"aws:SourceIp": ["10.0.0.0/8", "192.168.1.0/24", "2001:db8::/32", "203.0.113.5", "10.1.2.3/32"]}
ARN_KEYS = {"aws:PrincipalArn": [f"arn:aws:iam::{ME}:user/*", "arn:aws:iam::*:role/builder",
                                 f"arn:aws:iam::{ME}:*", "arn:aws:iam::*:user/alice", "*"]}

CONTEXT_VALUES = {
    "aws:username": ["alice", "Alice", "bob", "blue"],
    "aws:PrincipalTag/team": ["blue", "BLUE", "red", "alice"],
    "aws:MultiFactorAuthAge": ["50", "100", "7200", "3600"],
    "aws:CurrentTime": ["2024-06-01T00:00:00Z", "2023-01-01T00:00:00Z", "2026-01-01T12:00:00Z"],
    "aws:MultiFactorAuthPresent": ["true", "false"],
    "aws:SecureTransport": ["true", "false"],
    "aws:SourceIp": ["10.1.2.3", "192.168.1.7", "2001:db8::1", "8.8.8.8", "203.0.113.5"],
    "aws:PrincipalArn": [f"arn:aws:iam::{ME}:user/alice", f"arn:aws:iam::{OTHER}:role/builder",
                         f"arn:aws:iam::{ME}:role/builder"],
}

FAMILIES = [
    (["StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "StringLike",
      "StringNotLike"], STRING_KEYS),
    (["NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan",
      "NumericGreaterThanEquals"], NUMERIC_KEYS),
    (["DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan",
      "DateGreaterThanEquals"], DATE_KEYS),
    (["Bool"], BOOL_KEYS),
    (["IpAddress", "NotIpAddress"], IP_KEYS),
    (["ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"], ARN_KEYS),
]


class Draw:
    """The few choices the generator makes, from a ``random.Random`` (hypothesis's ``randoms()``
    gives one whose choices hypothesis records, so that failing cases still shrink)."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def pick(self, options):
        return options[self.rng.randrange(len(options))]

    def chance(self, one_in: int) -> bool:
        return self.rng.randrange(one_in) == 0

    def count(self, low: int, high: int) -> int:
        return self.rng.randint(low, high)

    def some(self, options, low: int, high: int) -> list:
        return self.rng.sample(options, self.count(low, min(high, len(options))))


def condition_entry(d: Draw) -> tuple[str, str, list[str]]:
    if d.chance(10):
        key = d.pick(sorted({**STRING_KEYS, **MULTI_KEYS, **IP_KEYS, **BOOL_KEYS}))
        return "Null", key, [d.pick(["true", "false"])]
    if d.chance(6):
        operator = d.pick(["ForAllValues:", "ForAnyValue:"]) + d.pick(FAMILIES[0][0])
        key, candidates = "aws:TagKeys", MULTI_KEYS["aws:TagKeys"]
    else:
        operators, keys = d.pick(FAMILIES)
        operator = d.pick(operators)
        key = d.pick(sorted(keys))
        candidates = keys[key]
    if d.chance(4):
        operator += "IfExists"
    return operator, key, d.some(candidates, 1, 2)


def conditions(d: Draw) -> Optional[dict]:
    entries = [condition_entry(d) for _ in range(d.count(0, 2))]
    if not entries:
        return None
    block: dict = {}
    for operator, key, values in entries:
        block.setdefault(operator, {})[key] = values if len(values) > 1 else values[0]
    return block


def _one_or_list(d: Draw, items: list[str]):
    chosen = d.some(items, 1, 3)
    return chosen[0] if len(chosen) == 1 else chosen


PRINCIPAL_VALUES = [
    ME, OTHER, f"arn:aws:iam::{ME}:root", f"arn:aws:iam::{OTHER}:root", f"arn:aws:iam::{ME}:user/alice",
    f"arn:aws:iam::{OTHER}:user/carol", f"arn:aws:iam::{ME}:role/builder",
    f"arn:aws:sts::{ME}:assumed-role/builder/session1", f"arn:aws:iam::{OTHER}:role/auditor",
]


def statement(d: Draw, kind: str) -> dict:
    s: dict = {"Effect": d.pick(["Allow", "Allow", "Deny"] if kind == "boundary" else ["Allow", "Deny"])}
    if kind == "rcp":  # RCPs: Deny statements with Action (RCPFullAWSAccess is the only Allow)
        s["Effect"] = "Deny"
        s["Action"] = _one_or_list(d, [a for a in ACTION_PATTERNS if a != "*"])
    else:
        s["NotAction" if d.chance(8) else "Action"] = _one_or_list(d, ACTION_PATTERNS)
    if kind == "resource":
        s["Principal"] = "*" if d.chance(4) else {"AWS": _one_or_list(d, PRINCIPAL_VALUES)}
    if kind == "rcp":
        s["Principal"] = "*"
    s["NotResource" if d.chance(8) else "Resource"] = _one_or_list(d, RESOURCE_PATTERNS)
    block = conditions(d)
    if block:
        s["Condition"] = block
    return s


def policy(d: Draw, kind: str) -> dict:
    return {"Version": "2012-10-17", "Statement": [statement(d, kind) for _ in range(d.count(1, 3))]}


def context(d: Draw) -> dict:
    out: dict = {}
    for key, values in CONTEXT_VALUES.items():
        if d.chance(2):
            out[key] = d.pick(values)
    if d.chance(2):
        out["aws:TagKeys"] = d.some(["a", "b", "cat", "A", "d"], 0, 3)
    return out


def make_case(rng: random.Random) -> dict:
    d = Draw(rng)
    action, resource, owner = d.pick(TARGETS)
    return {
        "principal": d.pick(PRINCIPALS),
        "action": action,
        "resource": resource,
        "owner": owner,
        "context": context(d),
        "identity": [policy(d, "identity") for _ in range(d.count(0, 2))],
        "resource_policy": None if d.chance(2) else policy(d, "resource"),
        "boundary": None if d.chance(2) else [policy(d, "boundary")],
        "scp_levels": [] if d.chance(2) else [[policy(d, "scp") for _ in range(d.count(1, 2))]
                                               for _ in range(d.count(1, 2))],
        "rcp_levels": [] if d.chance(2) else [[policy(d, "rcp")]],
    }


def case():
    """A hypothesis strategy of cases."""
    # A seeded generator: hypothesis drives the seeds (and replays failures) without recording each
    # choice, which would cost more than both engines together.
    return st.randoms(use_true_random=True).map(make_case)


def ours(c: dict):
    """Our decision for a generated case."""
    def compiled(doc: dict, name: str, kind: str):
        return compile_policy_text(json.dumps(doc, indent=2), name, kind)

    policies = PolicySet(
        identity=tuple(compiled(p, f"identity{i}", IDENTITY) for i, p in enumerate(c["identity"])),
        resource=compiled(c["resource_policy"], "resource", RESOURCE) if c["resource_policy"] is not None else None,
        boundary=(tuple(compiled(p, f"boundary{i}", BOUNDARY) for i, p in enumerate(c["boundary"]))
                  if c["boundary"] is not None else None),
        scp_levels=tuple(tuple(compiled(p, f"scp{n}-{i}", SCP) for i, p in enumerate(level))
                         for n, level in enumerate(c["scp_levels"])),
        rcp_levels=tuple(tuple(compiled(p, f"rcp{n}-{i}", RCP) for i, p in enumerate(level))
                         for n, level in enumerate(c["rcp_levels"])),
    )
    request = Request.of(c["principal"], c["action"], c["resource"], c["context"], resource_account=c["owner"])
    from accessproof.evaluate import evaluate
    return evaluate(request, policies)


def peer_simulation(c: dict) -> dict:
    from .peer import simulation
    return simulation(c["principal"], c["action"], c["resource"], c["owner"], c["context"], c["identity"],
                      c["resource_policy"], c["boundary"], c["scp_levels"], c["rcp_levels"])
