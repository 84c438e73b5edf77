"""Helpers for tests that call accessproof through botocore's clients."""

from __future__ import annotations

import time
from typing import Any, Mapping


def body(response: Mapping[str, Any]) -> dict[str, Any]:
    """A response without botocore's ``ResponseMetadata`` (what the service sent)."""
    return {key: value for key, value in response.items() if key != "ResponseMetadata"}


def wait_for_generation(client: Any, job_id: str, timeout: float = 60.0) -> dict:
    """Poll GetGeneratedPolicy until the job is no longer IN_PROGRESS (as a boto3 user would)."""
    deadline = time.monotonic() + timeout
    while True:
        response = client.get_generated_policy(jobId=job_id)
        if response["jobDetails"]["status"] != "IN_PROGRESS":
            return response
        if time.monotonic() > deadline:
            raise TimeoutError(f"policy generation {job_id} still IN_PROGRESS after {timeout} s")
        time.sleep(0.05)
