"""Decisions per second of the concrete evaluator, and of ``@cloud-copilot/iam-simulate`` on the same mix.

A fixed mix of requests (S3, EC2, IAM, KMS, DynamoDB and SQS actions) by one IAM user against the
AWS managed policies ``ReadOnlyAccess`` and ``AmazonS3FullAccess`` from the shared corpus. Both
engines decide the same requests in the same run; the peer runs in one Node process (installed by
``make node-deps``) and times itself, so its figure excludes the pipe.

    .venv/bin/python bench/evaluate.py [--seconds 3]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from corpus import current_policies  # noqa: E402

from accessproof.evaluate import IDENTITY, PolicySet, Request, compile_policy_text, evaluate  # noqa: E402

ACCOUNT = "123456789012"
CALLER = f"arn:aws:iam::{ACCOUNT}:user/bench"
POLICIES = ("ReadOnlyAccess", "AmazonS3FullAccess")
MIX = [
    ("s3:GetObject", "arn:aws:s3:::reports/2024/q1.csv"),
    ("s3:PutObject", "arn:aws:s3:::reports/2024/q2.csv"),
    ("s3:ListBucket", "arn:aws:s3:::reports"),
    ("s3:DeleteBucket", "arn:aws:s3:::reports"),
    ("s3:GetBucketPolicy", "arn:aws:s3:::reports"),
    ("ec2:DescribeInstances", "*"),
    ("ec2:RunInstances", f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-0123456789abcdef0"),
    ("ec2:TerminateInstances", f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-0123456789abcdef0"),
    ("ec2:DescribeSecurityGroups", "*"),
    ("iam:GetRole", f"arn:aws:iam::{ACCOUNT}:role/app"),
    ("iam:CreateUser", f"arn:aws:iam::{ACCOUNT}:user/new"),
    ("iam:ListPolicies", "*"),
    ("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/app"),
    ("kms:DescribeKey", f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"),
    ("kms:Decrypt", f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"),
    ("kms:ListKeys", "*"),
    ("dynamodb:GetItem", f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/Orders"),
    ("dynamodb:PutItem", f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/Orders"),
    ("dynamodb:DescribeTable", f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/Orders"),
    ("dynamodb:ListTables", "*"),
    ("sqs:ReceiveMessage", f"arn:aws:sqs:us-east-1:{ACCOUNT}:jobs"),
    ("sqs:SendMessage", f"arn:aws:sqs:us-east-1:{ACCOUNT}:jobs"),
    ("sqs:GetQueueAttributes", f"arn:aws:sqs:us-east-1:{ACCOUNT}:jobs"),
    ("sqs:ListQueues", "*"),
]


def load_policies() -> dict[str, str]:
    wanted = {name: text for name, text in current_policies() if name in POLICIES}
    missing = set(POLICIES) - set(wanted)
    if missing:
        raise SystemExit(f"not in the corpus: {', '.join(sorted(missing))}")
    return wanted


def ours(texts: dict[str, str], seconds: float) -> tuple[float, list[str]]:
    policies = PolicySet(identity=tuple(compile_policy_text(t, n, IDENTITY) for n, t in texts.items()))
    requests = [Request.of(CALLER, action, resource) for action, resource in MIX]
    decisions = [evaluate(r, policies, explain=False).decision for r in requests]
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for r in requests:
            evaluate(r, policies, explain=False)
        count += len(requests)
    return count / (time.perf_counter() - start), decisions


def peer(texts: dict[str, str], seconds: float):
    sys.path.insert(0, str(ROOT / "tests" / "evaluate"))
    from peer import PEER_DECISIONS, Peer, peer_available, simulation  # noqa: E402

    reason = peer_available()
    if reason:
        return None, reason
    documents = [json.loads(t) for t in texts.values()]
    simulations = [simulation(CALLER, action, resource, ACCOUNT, {}, documents) for action, resource in MIX]
    p = Peer()
    try:
        decisions = [p.decide(s).get("decision", "error") for s in simulations]
        n, elapsed = p.bench(simulations, 1)
        rounds = max(1, int(seconds / max(elapsed, 1e-6)))
        n, elapsed = p.bench(simulations, rounds)
    finally:
        p.close()
    return n / elapsed, decisions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="time each engine runs (default 3)")
    args = parser.parse_args()
    texts = load_policies()
    our_rate, our_decisions = ours(texts, args.seconds)
    peer_rate, peer_decisions = peer(texts, args.seconds)
    print(f"mix: {len(MIX)} requests against {' + '.join(POLICIES)}")
    print(f"accessproof.evaluate   {our_rate:>10,.0f} decisions/s")
    if peer_rate is None:
        print(f"iam-simulate           unavailable ({peer_decisions})")
        return
    print(f"@cloud-copilot/iam-simulate {peer_rate:>5,.0f} decisions/s")
    print(f"ratio                  {our_rate / peer_rate:>10.1f}x")
    disagreements = [(a, r, o, p) for (a, r), o, p in zip(MIX, our_decisions, peer_decisions) if o != p]
    print(f"decisions agree on {len(MIX) - len(disagreements)}/{len(MIX)} requests")
    for action, resource, o, p in disagreements:
        print(f"  {action} {resource}: ours {o}, iam-simulate {p}")


if __name__ == "__main__":
    main()
