"""The access delta on consecutive version pairs of the managed-policy corpus (``bench/diff.py``):
every listed action's witness replays as new access, the delta is empty exactly when
CheckNoNewAccess proves no new access, and sampled unlisted actions are proved not newly allowed."""

from __future__ import annotations

import pytest

from corpus import MANAGED_POLICIES, MANAGED_POLICIES_SAMPLE, managed_policy_records


def _run(records, incomplete_allowed: int = 0, **kwargs) -> dict:
    import diff

    report = diff.run(records, **kwargs)
    assert report["errors"] == []
    assert len(report["incomplete"]) <= incomplete_allowed and report["unconfirmed"] == 0
    return report


def test_sample_pairs() -> None:
    records = list(managed_policy_records(MANAGED_POLICIES_SAMPLE))
    names = sorted({r["name"] for r in records})
    chosen = set(names[::3]) | {"AWSEC2VssSnapshotPolicy", "AmazonNimbleStudio-StudioUser"}
    report = _run([r for r in records if r["name"] in chosen], per_pair_sample=2)
    assert report["pairs"] > 80
    assert report["pairs_with_new_access"] > 0 and report["actions_added_total"] > report["pairs_with_new_access"]


@pytest.mark.shared_corpus
def test_every_pair_of_every_fifth_policy_of_the_corpus() -> None:
    # Every pair of the corpus takes about 7 minutes (bench/diff.py runs them all); the suite takes
    # every version pair of every fifth policy. Pairs with policy variables in conditions are
    # flagged incomplete (three in the whole corpus), and count as new access.
    records = list(managed_policy_records(MANAGED_POLICIES))
    chosen = set(sorted({r["name"] for r in records})[::5])
    report = _run([r for r in records if r["name"] in chosen], incomplete_allowed=3, per_pair_sample=1)
    assert report["pairs"] > 300
