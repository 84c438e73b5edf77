"""The client surface: start / get / list / cancel, jobs in the background, stored in SQLite;
trails found through client configuration (a local path, or s3:// on a local moto server)."""

from __future__ import annotations

import gzip
import json
import socket
from pathlib import Path

import pytest

import accessproof
from accessproof.api.client import application_of
from tests.boto import body, wait_for_generation

from .conftest import CORPUS

TRAIL = "arn:aws:cloudtrail:us-east-1:056392974792:trail/management"
USER = "arn:aws:iam::056392974792:user/christophe"
SAMPLE = CORPUS / "aws.execution.ssm-send-command.json.gz"
DETAILS = {"trails": [{"cloudTrailArn": TRAIL, "allRegions": True}], "startTime": "2024-07-01T00:00:00Z",
           "endTime": "2024-09-01T00:00:00Z", "accessRole": "arn:aws:iam::056392974792:role/AccessAnalyzerMonitorServiceRole"}


def make_client(tmp_path: Path, location: str, **extra):
    return accessproof.client("accessanalyzer", cloudtrail_locations={TRAIL: location},
                              database=f"sqlite:///{tmp_path / 'jobs.db'}", **extra)


def run_job(client, **details) -> dict:
    job = client.start_policy_generation(policyGenerationDetails={"principalArn": USER},
                                         cloudTrailDetails={**DETAILS, **details})
    return wait_for_generation(client, job["jobId"])


def test_start_get_list(tmp_path: Path) -> None:
    client = make_client(tmp_path, str(SAMPLE))
    response = run_job(client)
    assert response["jobDetails"]["status"] == "SUCCEEDED"
    result = response["generatedPolicyResult"]
    policy = json.loads(result["generatedPolicies"][0]["policy"])
    assert policy["Statement"][0]["Action"] == ["ssm:DescribeInstanceInformation", "ssm:GetCommandInvocation",
                                                "ssm:SendCommand"]
    assert result["properties"]["principalArn"] == USER and result["properties"]["isComplete"] is True
    assert result["properties"]["cloudTrailProperties"]["trailProperties"][0]["cloudTrailArn"] == TRAIL
    listed = client.list_policy_generations(principalArn=USER)["policyGenerations"]
    assert [j["jobId"] for j in listed] == [response["jobDetails"]["jobId"]]
    # The jobs live in the database: a new client on the same file sees them.
    again = make_client(tmp_path, str(SAMPLE))
    assert again.get_generated_policy(jobId=listed[0]["jobId"])["jobDetails"]["status"] == "SUCCEEDED"


def test_placeholders_are_chosen_when_reading(tmp_path: Path) -> None:
    client = make_client(tmp_path, str(CORPUS / "aws.credential-access.ec2-get-password-data.json.gz"))
    job = client.start_policy_generation(policyGenerationDetails={"principalArn": "arn:aws:iam::457448411975:user/christophe"},
                                         cloudTrailDetails=DETAILS)
    wait_for_generation(client, job["jobId"])
    plain = client.get_generated_policy(jobId=job["jobId"])["generatedPolicyResult"]["generatedPolicies"][0]["policy"]
    templated = client.get_generated_policy(jobId=job["jobId"], includeResourcePlaceholders=True)
    text = templated["generatedPolicyResult"]["generatedPolicies"][0]["policy"]
    assert "${RoleNameWithPath}" in text and "${" not in plain


def test_errors(tmp_path: Path) -> None:
    client = make_client(tmp_path, str(SAMPLE))
    with pytest.raises(client.exceptions.ValidationException):
        client.start_policy_generation(policyGenerationDetails={"principalArn": "arn:aws:s3:::bucket"},
                                       cloudTrailDetails=DETAILS)
    with pytest.raises(client.exceptions.ValidationException):
        client.start_policy_generation(policyGenerationDetails={"principalArn": USER},
                                       cloudTrailDetails={**DETAILS, "endTime": "2025-01-01T00:00:00Z"})
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_generated_policy(jobId="no-such-job")
    unknown = make_client(tmp_path, str(SAMPLE))
    application_of(unknown).backend("accessanalyzer")._config["cloudtrail_locations"] = {}
    response = run_job(unknown)
    assert response["jobDetails"]["status"] == "FAILED"
    assert response["jobDetails"]["jobError"]["code"] == "RESOURCE_NOT_FOUND_ERROR"


def test_client_token_is_idempotent(tmp_path: Path) -> None:
    client = make_client(tmp_path, str(SAMPLE))
    first = client.start_policy_generation(policyGenerationDetails={"principalArn": USER}, cloudTrailDetails=DETAILS,
                                           clientToken="token-1")
    second = client.start_policy_generation(policyGenerationDetails={"principalArn": USER}, cloudTrailDetails=DETAILS,
                                            clientToken="token-1")
    assert body(first) == body(second)


def test_cancel(tmp_path: Path) -> None:
    client = make_client(tmp_path, str(SAMPLE))
    job = client.start_policy_generation(policyGenerationDetails={"principalArn": USER}, cloudTrailDetails=DETAILS)
    assert body(client.cancel_policy_generation(jobId=job["jobId"])) == {}
    wait_for_generation(client, job["jobId"])
    status = client.get_generated_policy(jobId=job["jobId"])["jobDetails"]["status"]
    assert status in ("CANCELED", "SUCCEEDED")  # a job may finish before the cancel arrives
    if status == "CANCELED":
        assert "generatedPolicies" not in client.get_generated_policy(jobId=job["jobId"])["generatedPolicyResult"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_trail_in_s3_on_a_local_moto_server(tmp_path: Path, monkeypatch) -> None:
    server_module = pytest.importorskip("moto.server")
    boto3 = pytest.importorskip("boto3")
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(key, value)
    port = _free_port()
    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    try:
        endpoint = f"http://127.0.0.1:{port}"
        s3 = boto3.client("s3", endpoint_url=endpoint)
        s3.create_bucket(Bucket="trail-bucket")
        key = "AWSLogs/056392974792/CloudTrail/us-east-1/2024/07/31/056392974792_CloudTrail_us-east-1_20240731T1200Z_a.json.gz"
        body = gzip.compress(json.dumps({"Records": json.loads(gzip.decompress(SAMPLE.read_bytes()))}).encode())
        s3.put_object(Bucket="trail-bucket", Key=key, Body=body)
        s3.put_object(Bucket="trail-bucket", Key="AWSLogs/056392974792/CloudTrail/us-east-1/2024/07/31/broken.json.gz",
                      Body=body[:100])
        client = make_client(tmp_path, "s3://trail-bucket/AWSLogs/", s3_endpoint_url=endpoint)
        response = run_job(client)
        assert response["jobDetails"]["status"] == "SUCCEEDED"
        result = response["generatedPolicyResult"]
        assert "ssm:SendCommand" in result["generatedPolicies"][0]["policy"]
        assert result["properties"]["isComplete"] is False
        assert [s["file"] for s in result["accessproof"]["skippedFiles"]] == [
            "s3://trail-bucket/AWSLogs/056392974792/CloudTrail/us-east-1/2024/07/31/broken.json.gz"]
    finally:
        server.stop()


def test_in_memory_database_is_shared_with_the_job_thread() -> None:
    client = accessproof.client("accessanalyzer", cloudtrail_locations={TRAIL: str(SAMPLE)}, database="sqlite://")
    assert run_job(client)["jobDetails"]["status"] == "SUCCEEDED"
