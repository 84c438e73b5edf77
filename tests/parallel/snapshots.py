"""Generated account snapshots of any size, for the parallel tests and ``bench/scale.py``.

Every resource is an SQS queue whose policy names the queue's own ARN, so that queues whose
policies differ only by that ARN share one configuration (``configuration_key``). ``distinct``
of the configurations are different: each grants to its own partner account, a third of them
also publicly with a condition on the source account.
"""

from __future__ import annotations

import json
import shutil
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
