"""The registry against AWS's policy check reference (``accessproof/validate/reference.json``).

reference.json was extracted from the IAM User Guide's "IAM Access Analyzer policy check reference"
independently of the rules; every current issue code must have exactly one rule whose finding
type, message and learn-more link agree with it.
"""

import json
from pathlib import Path

import pytest

import accessproof.validate.engine  # noqa: F401  (registers every rule)
from accessproof.validate.rule import REGISTRY

REFERENCE = json.loads((Path(__file__).resolve().parents[2] / "accessproof" / "validate" / "reference.json").read_text())
CURRENT = {code: ref for code, ref in REFERENCE.items() if not ref.get("legacy")}


def test_every_documented_code_has_a_rule():
    missing = sorted(set(CURRENT) - set(REGISTRY))
    assert not missing, f"issue codes without a rule: {missing}"


def test_every_rule_is_documented():
    assert not sorted(set(REGISTRY) - set(REFERENCE))


@pytest.mark.parametrize("code", sorted(set(CURRENT) & set(REGISTRY)))
def test_rule_agrees_with_the_reference(code):
    rule, ref = REGISTRY[code], CURRENT[code]
    assert rule.finding_type == ref["findingType"]
    assert rule.learn_more_link.endswith("#" + ref["anchor"])
    if ref.get("messageVerified", True):
        accepted = {ref["message"], *ref.get("messageVariants", [])}
        assert rule.message in accepted


def test_links_are_unique_per_code():
    links = [r.learn_more_link for r in REGISTRY.values()]
    assert len(links) == len(set(links))
