"""AWS managed policy versions compile and evaluate under every policy type without an exception,
and the decisions are consistent with what the policy's text can grant: the repository's sample
always, every recorded version when the shared corpus is present."""

import json
import random

import pytest
from corpus import MANAGED_POLICIES, MANAGED_POLICIES_SAMPLE, managed_policy_records

from accessproof.evaluate import (
    ALLOWED, EXPLICIT_DENY, IDENTITY, IMPLICIT_DENY, SCP, PolicySet, Request, compile_policy_text, evaluate,
)
from accessproof.evaluate.errors import MalformedPolicy

ACTIONS = ["s3:GetObject", "ec2:DescribeInstances", "iam:PassRole", "kms:Decrypt", "sqs:SendMessage",
           "dynamodb:GetItem", "lambda:InvokeFunction", "sts:AssumeRole"]
RESOURCES = ["arn:aws:s3:::bucket/key", "*", "arn:aws:iam::111111111111:role/r",
             "arn:aws:kms:us-east-1:111111111111:key/k", "arn:aws:sqs:us-east-1:111111111111:q"]
ALICE = "arn:aws:iam::111111111111:user/alice"


@pytest.mark.parametrize("corpus", [
    pytest.param(MANAGED_POLICIES_SAMPLE, id="sample"),
    pytest.param(MANAGED_POLICIES, id="shared", marks=pytest.mark.shared_corpus),
])
def test_every_version_evaluates(corpus):
    records = list(managed_policy_records(corpus))
    rng = random.Random(3)
    decided = 0
    for record in records:
        text = json.dumps(record["document"])
        try:
            identity = compile_policy_text(text, record["name"], IDENTITY)
            scp = compile_policy_text(text, record["name"], SCP)
        except MalformedPolicy:
            continue  # reported as such, never a crash
        for _ in range(3):
            request = Request.of(ALICE, rng.choice(ACTIONS), rng.choice(RESOURCES), {"aws:SecureTransport": "true"})
            alone = evaluate(request, PolicySet(identity=(identity,))).decision
            assert alone in (ALLOWED, EXPLICIT_DENY, IMPLICIT_DENY)
            # Adding the same document as an SCP can only take access away.
            fenced = evaluate(request, PolicySet(identity=(identity,), scp_levels=((scp,),))).decision
            assert not (alone != ALLOWED and fenced == ALLOWED)
            decided += 1
    assert decided > 3 * 0.9 * len(records)  # a malformed version is rare
