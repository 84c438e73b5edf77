"""The four policy-generation operations, in Access Analyzer's request and response shapes.

The client adapter (``accessproof.api.accessanalyzer``) checks argument types and turns the
exceptions below into botocore-style errors. Trails are found through configuration: a mapping
from trail ARN to a local path or an ``s3://bucket/prefix`` URL where its logs are.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any, Mapping, Optional, Union

from sqlalchemy.engine import Engine

from . import check_time_range, generate_from_activity, parse_time
from .collect import DownloadFolder, discover
from .jobs import IN_PROGRESS, SUCCEEDED, JobRecord, JobRunner, JobStore
from .reader import PrincipalSelector, read_activity
from .sources import DEFAULT_MAX_FILE_BYTES
from . import TrailSource

# StartPolicyGeneration / GeneratedPolicyProperties: principalArn pattern (API Reference).
PRINCIPAL_ARN = re.compile(r"^arn:[^:]*:iam::[^:]*:(role|user)/.{1,576}$")
TRAIL_ARN = re.compile(r"^arn:[^:]*:cloudtrail:[^:]*:[^:]*:trail/.{1,576}$")
# "You can choose a range of up to 90 days" (IAM User Guide, IAM Access Analyzer quotas).
MAX_RANGE = timedelta(days=90)
# "ListPolicyGenerations ... returns only the last 7 days" (the console keeps them 7 days).
LISTED_FOR = timedelta(days=7)


class GenerationRequestError(ValueError):
    """Invalid arguments (ValidationException)."""


class JobNotFound(LookupError):
    """No such job (ResourceNotFoundException)."""


def _time(value: Any, field: str) -> Optional[datetime]:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, timezone.utc)
    if isinstance(value, str):
        try:
            return parse_time(value)
        except ValueError:
            pass
    raise GenerationRequestError(f"{field} must be a timestamp")


class PolicyGenerationService:
    def __init__(self, trail_locations: Optional[Mapping[str, str]] = None,
                 database: Union[str, Engine, None] = None, s3_endpoint_url: Optional[str] = None,
                 max_file_bytes: int = DEFAULT_MAX_FILE_BYTES):
        if isinstance(max_file_bytes, bool) or not isinstance(max_file_bytes, int) or max_file_bytes <= 0:
            raise GenerationRequestError("cloudtrail_max_file_size must be a positive number of bytes")
        self.trail_locations = dict(trail_locations or {})
        self.store = JobStore(database)
        self.runner = JobRunner(self.store)
        self.s3_endpoint_url = s3_endpoint_url
        self.max_file_bytes = max_file_bytes

    # ---------------------------------------------------------------- StartPolicyGeneration
    def start(self, policy_generation_details: Mapping, cloud_trail_details: Optional[Mapping],
              client_token: Optional[str]) -> dict:
        principal_arn = policy_generation_details.get("principalArn") if isinstance(policy_generation_details, Mapping) else None
        if not isinstance(principal_arn, str) or not PRINCIPAL_ARN.match(principal_arn):
            raise GenerationRequestError("policyGenerationDetails.principalArn must be the ARN of an IAM user or role")
        details = dict(cloud_trail_details or {})
        trails = details.get("trails")
        if not isinstance(trails, list) or not trails:
            raise GenerationRequestError("cloudTrailDetails.trails must list at least one trail")
        for trail in trails:
            arn = trail.get("cloudTrailArn") if isinstance(trail, Mapping) else None
            if not isinstance(arn, str) or not TRAIL_ARN.match(arn):
                raise GenerationRequestError("each trail needs a cloudTrailArn: arn:aws:cloudtrail:<region>:<account>:trail/<name>")
        start = _time(details.get("startTime"), "cloudTrailDetails.startTime")
        end = _time(details.get("endTime"), "cloudTrailDetails.endTime")
        if start is None:
            raise GenerationRequestError("cloudTrailDetails.startTime is required")
        try:
            check_time_range(start, end)
        except ValueError as e:
            raise GenerationRequestError(f"cloudTrailDetails.endTime must not be before startTime: {e}") from None
        if end is not None and end - start > MAX_RANGE:
            raise GenerationRequestError("The time range between startTime and endTime cannot exceed 90 days")
        request = {"trails": trails, "startTime": start.isoformat(), "endTime": end.isoformat() if end else None,
                   "accessRole": details.get("accessRole")}
        job = self.store.create(principal_arn, request, client_token)
        if job.status == IN_PROGRESS and job.result is None:
            self.runner.submit(job.job_id, lambda cancelled: self._run(principal_arn, trails, start, end, cancelled))
        return {"jobId": job.job_id}

    def _run(self, principal_arn: str, trails: list, start: datetime, end: Optional[datetime], cancelled) -> tuple[dict, dict]:
        selector = PrincipalSelector.parse(principal_arn)
        files, problems, sources = [], [], []
        with DownloadFolder() as downloads:  # fetched s3:// logs are removed when the job ends
            for trail in trails:
                arn = trail["cloudTrailArn"]
                location = self.trail_locations.get(arn)
                if location is None:
                    raise FileNotFoundError(f"no log location is configured for trail {arn} "
                                            "(client configuration cloudtrail_locations)")
                regions = None if trail.get("allRegions", True) or not trail.get("regions") else tuple(trail["regions"])
                found = discover([location], frozenset(regions) if regions else None, start, end, downloads=downloads,
                                 s3_endpoint_url=self.s3_endpoint_url, max_file_bytes=self.max_file_bytes)
                files.extend(found.files)
                problems.extend(found.problems)
                sources.append(TrailSource(arn, regions))
            activity = read_activity(files, selector, start, end, cancelled=cancelled)
        activity.problems[:0] = problems
        plain = generate_from_activity(principal_arn, activity, start=start, end=end, trails=sources)
        with_placeholders = generate_from_activity(principal_arn, activity, start=start, end=end, trails=sources,
                                                   include_placeholders=True)
        return plain.generated_policy_result(), with_placeholders.generated_policy_result()

    # ------------------------------------------------------------------ GetGeneratedPolicy
    def get(self, job_id: str, include_placeholders: bool = False) -> dict:
        job = self._job(job_id)
        response: dict = {"jobDetails": job_details(job)}
        result = job.result_with_placeholders if include_placeholders else job.result
        if job.status == SUCCEEDED and result is not None:
            properties = dict(result["properties"])
            response["generatedPolicyResult"] = {"generatedPolicies": result["generatedPolicies"],
                                                 "properties": properties, "accessproof": result.get("accessproof")}
        else:
            response["generatedPolicyResult"] = {"properties": {"principalArn": job.principal_arn}}
        return response

    # --------------------------------------------------------------- ListPolicyGenerations
    def list(self, principal_arn: Optional[str] = None) -> list[dict]:
        since = datetime.now(timezone.utc) - LISTED_FOR
        return [{**{"jobId": j.job_id, "principalArn": j.principal_arn, "status": j.status, "startedOn": j.started_on},
                 **({"completedOn": j.completed_on} if j.completed_on else {})}
                for j in self.store.list(principal_arn, since)]

    # -------------------------------------------------------------- CancelPolicyGeneration
    def cancel(self, job_id: str) -> dict:
        self._job(job_id)
        self.runner.cancel(job_id)
        return {}

    def wait(self, job_id: str, timeout: Optional[float] = None) -> None:
        """Block until a job started by this service finishes (tests, scripts)."""
        self.runner.wait(job_id, timeout)

    def _job(self, job_id: Any) -> JobRecord:
        if not isinstance(job_id, str):
            raise GenerationRequestError("jobId must be a string")
        job = self.store.get(job_id)
        if job is None:
            raise JobNotFound(f"Policy generation job {job_id} was not found")
        return job


def job_details(job: JobRecord) -> dict:
    details: dict = {"jobId": job.job_id, "status": job.status, "startedOn": job.started_on}
    if job.completed_on is not None:
        details["completedOn"] = job.completed_on
    if job.error_code:
        details["jobError"] = {"code": job.error_code, "message": job.error_message or ""}
    return details
