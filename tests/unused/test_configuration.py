"""Configuration: the tracking period and the analysis rule's exclusions."""

from __future__ import annotations

import pytest

from accessproof.analyzers.unused import (
    Exclusion, UnusedAccessSettings, UnusedConfigurationError, analyze_account, analyze_accounts,
    settings_from_configuration,
)

from .helpers import NOW, OLD, account, role, user

ACCOUNT_TYPE, ORG_TYPE = "ACCOUNT_UNUSED_ACCESS", "ORGANIZATION_UNUSED_ACCESS"


def test_default_age_is_90_days():
    assert settings_from_configuration(None, ACCOUNT_TYPE) == UnusedAccessSettings(90)
    assert settings_from_configuration({"unusedAccess": {}}, ACCOUNT_TYPE).unused_access_age == 90


@pytest.mark.parametrize("age", [1, 365])
def test_age_bounds_are_accepted(age):
    assert settings_from_configuration({"unusedAccess": {"unusedAccessAge": age}}, ACCOUNT_TYPE).unused_access_age == age


@pytest.mark.parametrize("age", [0, 366, -5, "90", True, 1.5])
def test_age_out_of_range_is_refused(age):
    with pytest.raises(UnusedConfigurationError, match="unusedAccessAge"):
        settings_from_configuration({"unusedAccess": {"unusedAccessAge": age}}, ACCOUNT_TYPE)


def test_account_exclusions_only_for_organization_analyzers():
    config = {"unusedAccess": {"analysisRule": {"exclusions": [{"accountIds": ["444455556666"]}]}}}
    with pytest.raises(UnusedConfigurationError, match="only organization analyzers"):
        settings_from_configuration(config, ACCOUNT_TYPE)
    assert settings_from_configuration(config, ORG_TYPE, "111122223333").exclusions == (
        Exclusion(frozenset({"444455556666"})),)


def test_owner_account_cannot_be_excluded():
    config = {"unusedAccess": {"analysisRule": {"exclusions": [{"accountIds": ["111122223333"]}]}}}
    with pytest.raises(UnusedConfigurationError, match="own account"):
        settings_from_configuration(config, ORG_TYPE, "111122223333")


@pytest.mark.parametrize("criteria", [{}, {"resourceTags": [{"aws:team": "x"}]}, {"resourceTags": "team"},
                                      {"accountIds": ["12"]}, {"other": 1}])
def test_bad_exclusions_are_refused(criteria):
    with pytest.raises(UnusedConfigurationError):
        settings_from_configuration({"unusedAccess": {"analysisRule": {"exclusions": [criteria]}}}, ORG_TYPE)


def test_configuration_round_trips():
    config = {"unusedAccess": {"unusedAccessAge": 30, "analysisRule": {"exclusions": [
        {"accountIds": ["444455556666"]}, {"resourceTags": [{"team": "a", "env": ""}]}]}}}
    assert settings_from_configuration(config, ORG_TYPE, "111122223333").to_configuration() == config


def _analysed(settings, *identities):
    return [r.resource.split("/")[-1] for r in analyze_account(account(*identities), settings, NOW).results]


def test_tag_exclusions():
    settings = settings_from_configuration({"unusedAccess": {"analysisRule": {"exclusions": [
        {"resourceTags": [{"environment": "sandbox"}]}, {"resourceTags": [{"break-glass": ""}]}]}}}, ACCOUNT_TYPE)
    identities = [role("Sandbox", tags={"environment": "sandbox"}), role("Prod", tags={"environment": "prod"}),
                  role("Glass", tags={"break-glass": "yes"}), user("alice", tags={"break-glass": ""}), role("Plain")]
    assert _analysed(settings, *identities) == ["Prod", "Plain"]


def test_a_tag_map_needs_every_pair():
    settings = UnusedAccessSettings(90, (Exclusion(resource_tags=({"team": "a", "env": "dev"},)),))
    assert _analysed(settings, role("Both", tags={"team": "a", "env": "dev"}), role("One", tags={"team": "a"})) == ["One"]


def test_account_exclusion_in_an_organization():
    settings = settings_from_configuration({"unusedAccess": {"analysisRule": {"exclusions": [
        {"accountIds": ["444455556666"]}]}}}, ORG_TYPE, "111122223333")
    accounts = [account(role("Core", account="111122223333"), account_id="111122223333"),
                account(role("Workload"), account_id="444455556666")]
    analysis = analyze_accounts(accounts, settings, NOW)
    assert [r.resource for r in analysis.results] == ["arn:aws:iam::111122223333:role/Core"]
    assert analysis.skipped[0].arn == "444455556666"


def test_account_and_tags_in_one_criterion_must_both_match():
    settings = UnusedAccessSettings(90, (Exclusion(frozenset({"444455556666"}), ({"team": "x"},)),))
    accounts = [account(role("A", tags={"team": "x"}, account="111122223333"), account_id="111122223333"),
                account(role("B", tags={"team": "x"}), role("C"), account_id="444455556666")]
    assert [r.resource.split("/")[-1] for r in analyze_accounts(accounts, settings, NOW).results] == ["A", "C"]


def test_shorter_age_moves_the_cutoff():
    r = role(created=OLD, last_used=NOW.replace(month=10))
    assert _analysed(UnusedAccessSettings(30), r) == ["R"]
    findings = analyze_account(account(r), UnusedAccessSettings(30), NOW).findings
    assert [f.finding_type for f in findings] == ["UnusedIAMRole"]
    assert analyze_account(account(r), UnusedAccessSettings(90), NOW).findings == []


def test_tag_key_and_value_lengths():
    """API Reference, AnalysisRuleCriteria: keys of 1 to 128 characters not prefixed with aws:,
    values of 0 to 256 characters (an empty value matches any value of the key)."""
    def config(key, value):
        return {"unusedAccess": {"analysisRule": {"exclusions": [{"resourceTags": [{key: value}]}]}}}
    assert settings_from_configuration(config("k" * 128, "v" * 256), ACCOUNT_TYPE).exclusions[0].resource_tags == (
        {"k" * 128: "v" * 256},)
    for key, value in (("k" * 129, ""), ("", "v"), ("AWS:team", "x"), ("team", "v" * 257)):
        with pytest.raises(UnusedConfigurationError, match="resourceTags"):
            settings_from_configuration(config(key, value), ACCOUNT_TYPE)
