"""A sample of the managed-policy corpus bench (bench/checks_corpus.py): no exception, no
unknown, every FAIL witnessed (each witness is replayed inside the checks). The sample takes
every version of every third policy of the repository's sample (one in eight of the corpus), plus the
policies whose version changes need the engine's treatment of policy variables in conditions."""

from __future__ import annotations

import json

from corpus import MANAGED_POLICIES_SAMPLE, managed_policy_records

VARIABLE_CASES = {"AWSEC2VssSnapshotPolicy", "AmazonNimbleStudio-StudioUser",
                  "SageMakerStudioBedrockEvaluationJobServiceRolePolicy"}


def test_corpus_sample():
    import checks_corpus

    records = list(managed_policy_records(MANAGED_POLICIES_SAMPLE))
    names = sorted({r["name"] for r in records})
    chosen = set(names[::3]) | VARIABLE_CASES
    report = checks_corpus.run([r for r in records if r["name"] in chosen])
    for check, r in report.items():
        assert r["runs"] > 0
        assert r["errors"] == [], (check, r["errors"])


def test_variable_conditions_are_decided():
    """AWSEC2VssSnapshotPolicy v1 -> v2 rewrites StringLike "*${ec2:InstanceId}" as ArnLike
    "arn:aws:ec2:*:*:instance/${ec2:InstanceId}": no new access, proved for every instance id."""
    from accessproof.checks import check_no_new_access

    versions = {r["versionId"]: r["document"] for r in managed_policy_records(MANAGED_POLICIES_SAMPLE)
                if r["name"] == "AWSEC2VssSnapshotPolicy"}
    result = check_no_new_access(json.dumps(versions["v2"]), json.dumps(versions["v1"]), "IDENTITY_POLICY")
    assert result.result == "PASS"
