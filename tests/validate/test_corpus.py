"""AWS managed policies validate without an exception (the repository's sample here; the benchmark
runs the whole corpus)."""

import json
import random

import pytest
from corpus import MANAGED_POLICIES_SAMPLE, managed_policy_records

from accessproof.validate.engine import InvalidRequest, finding_dict, validate_policy
from accessproof.validate.rules.size import is_refused


def sample(n: int, seed: int = 7) -> list[dict]:
    records = list(managed_policy_records(MANAGED_POLICIES_SAMPLE))
    return random.Random(seed).sample(records, n)


@pytest.mark.parametrize("policy_type", ["IDENTITY_POLICY", "RESOURCE_POLICY", "SERVICE_CONTROL_POLICY",
                                         "RESOURCE_CONTROL_POLICY"])
def test_corpus_sample_validates(policy_type):
    for record in sample(150):
        for text in (json.dumps(record["document"], indent=2), json.dumps(record["document"])):
            if is_refused(text):  # too large for ValidatePolicy: refused as a whole, as AWS does
                with pytest.raises(InvalidRequest, match="^InvalidPolicy$"):
                    validate_policy(text, policy_type)
                continue
            findings, index = validate_policy(text, policy_type)
            for f in findings:
                d = finding_dict(f, index)
                for loc in d["locations"]:
                    start, end = loc["span"]["start"]["offset"], loc["span"]["end"]["offset"]
                    assert 0 <= start <= end <= len(text)
