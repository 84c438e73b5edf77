"""``accessproof.client("accessanalyzer")``: boto3's Access Analyzer client, answered locally."""

from __future__ import annotations

import base64
from typing import Any, Optional

from ..validate.engine import InvalidRequest, finding_dict, validate_policy
from ..validate.rule import POLICY_TYPES, VALIDATE_RESOURCE_TYPES
from .. import checks
from ..reason import Undecided, WitnessReplayError
from . import errors

LOCALES = ("DE", "EN", "ES", "FR", "IT", "JA", "KO", "PT_BR", "ZH_CN", "ZH_TW")
# A policy document larger than this is refused before parsing. AWS's largest policy quotas are
# tens of kilobytes (S3 bucket policies 20 KB, KMS key policies 32 KB), so 1 MiB leaves room for
# anything real while bounding the work one request can cause.
MAX_POLICY_DOCUMENT_CHARS = 1024 * 1024


def _require_string(value: Any, field: str, operation: str) -> str:
    if not isinstance(value, str):
        raise errors.validation_error(
            f"1 validation error detected: Value at '{field}' failed to satisfy constraint: Member must be a string",
            operation,
        )
    return value


def _page(items: list, max_results: Optional[int], next_token: Optional[str], operation: str) -> tuple[list, Optional[str]]:
    start = 0
    if next_token:
        try:
            start = int(base64.urlsafe_b64decode(next_token.encode()).decode())
        except (ValueError, UnicodeDecodeError):
            raise errors.validation_error("Invalid nextToken", operation) from None
    if max_results is None:
        return items[start:], None
    if not isinstance(max_results, int) or max_results < 1:
        raise errors.validation_error("maxResults must be a positive integer", operation)
    end = start + max_results
    token = base64.urlsafe_b64encode(str(end).encode()).decode() if end < len(items) else None
    return items[start:end], token


class AccessAnalyzerClient:
    """The subset of ``boto3.client("accessanalyzer")`` that accessproof answers offline."""

    exceptions = errors.exceptions

    def __init__(self, **config: Any) -> None:
        """``config``: ``cloudtrail_locations`` (trail ARN → local path or ``s3://`` URL of its
        logs), ``database`` (SQLAlchemy URL or Engine for generation jobs; default a SQLite file),
        ``s3_endpoint_url``."""
        self._config = config
        self._generation = None

    def validate_policy(
        self,
        *,
        policyDocument: str,
        policyType: str,
        validatePolicyResourceType: Optional[str] = None,
        locale: Optional[str] = None,
        maxResults: Optional[int] = None,
        nextToken: Optional[str] = None,
    ) -> dict:
        """ValidatePolicy. Findings are in English whatever the ``locale`` (the only text we ship)."""
        op = "ValidatePolicy"
        _require_string(policyDocument, "policyDocument", op)
        if policyType not in POLICY_TYPES:
            raise errors.enum_error(policyType, "policyType", POLICY_TYPES, op)
        if validatePolicyResourceType is not None and validatePolicyResourceType not in VALIDATE_RESOURCE_TYPES:
            raise errors.enum_error(validatePolicyResourceType, "validatePolicyResourceType", VALIDATE_RESOURCE_TYPES, op)
        if locale is not None and locale not in LOCALES:
            raise errors.enum_error(locale, "locale", LOCALES, op)
        if len(policyDocument) > MAX_POLICY_DOCUMENT_CHARS:
            raise errors.validation_error(
                f"policyDocument is {len(policyDocument)} characters; the maximum is {MAX_POLICY_DOCUMENT_CHARS}", op
            )
        try:
            found, index = validate_policy(policyDocument, policyType, validatePolicyResourceType)
        except InvalidRequest as e:
            raise errors.validation_error(str(e), op) from None
        findings = [finding_dict(f, index) for f in found]
        page, token = _page(findings, maxResults, nextToken, op)
        response: dict = {"findings": page}
        if token:
            response["nextToken"] = token
        return response

    # ------------------------------------------------------------ custom policy checks
    def check_no_new_access(self, *, newPolicyDocument: str, existingPolicyDocument: str, policyType: str) -> dict:
        """CheckNoNewAccess. The response adds a top-level ``witness`` request to every proven FAIL."""
        op = "CheckNoNewAccess"
        _require_string(newPolicyDocument, "newPolicyDocument", op)
        _require_string(existingPolicyDocument, "existingPolicyDocument", op)
        _check_policy_type(policyType, op)
        for name, document in (("newPolicyDocument", newPolicyDocument), ("existingPolicyDocument", existingPolicyDocument)):
            _check_size(document, name, op)
        return _run_check(op, lambda: checks.check_no_new_access(newPolicyDocument, existingPolicyDocument, policyType))

    def check_access_not_granted(self, *, policyDocument: str, access: list, policyType: str) -> dict:
        """CheckAccessNotGranted. The response adds a top-level ``witness`` request to every proven FAIL."""
        op = "CheckAccessNotGranted"
        _require_string(policyDocument, "policyDocument", op)
        _check_policy_type(policyType, op)
        _check_size(policyDocument, "policyDocument", op)
        return _run_check(op, lambda: checks.check_access_not_granted(policyDocument, access, policyType))

    def check_no_public_access(self, *, policyDocument: str, resourceType: str) -> dict:
        """CheckNoPublicAccess. The response adds a top-level ``witness`` request to every proven FAIL."""
        op = "CheckNoPublicAccess"
        _require_string(policyDocument, "policyDocument", op)
        if resourceType not in checks.ACCESS_CHECK_RESOURCE_TYPES:
            raise errors.enum_error(resourceType, "resourceType", checks.ACCESS_CHECK_RESOURCE_TYPES, op)
        _check_size(policyDocument, "policyDocument", op)
        return _run_check(op, lambda: checks.check_no_public_access(policyDocument, resourceType))

    # ------------------------------------------------------------ policy generation
    def _generation_service(self):
        if getattr(self, "_generation", None) is None:
            from ..generate.service import PolicyGenerationService

            config = getattr(self, "_config", {})
            self._generation = PolicyGenerationService(config.get("cloudtrail_locations"), config.get("database"),
                                                       config.get("s3_endpoint_url"))
        return self._generation

    def start_policy_generation(self, *, policyGenerationDetails: dict, cloudTrailDetails: Optional[dict] = None,
                                clientToken: Optional[str] = None) -> dict:
        """StartPolicyGeneration: the job runs in the background; logs are found through the
        client's ``cloudtrail_locations`` configuration."""
        return _run_generation("StartPolicyGeneration", lambda: self._generation_service().start(
            policyGenerationDetails, cloudTrailDetails, clientToken))

    def get_generated_policy(self, *, jobId: str, includeResourcePlaceholders: bool = False,
                             includeServiceLevelTemplate: bool = False) -> dict:
        """GetGeneratedPolicy. Action-level for every service, so ``includeServiceLevelTemplate``
        changes nothing; the result adds an ``accessproof`` report (skipped files, unmapped events)."""
        return _run_generation("GetGeneratedPolicy", lambda: self._generation_service().get(
            jobId, bool(includeResourcePlaceholders)))

    def list_policy_generations(self, *, principalArn: Optional[str] = None, maxResults: Optional[int] = None,
                                nextToken: Optional[str] = None) -> dict:
        op = "ListPolicyGenerations"
        items = _run_generation(op, lambda: self._generation_service().list(principalArn))
        page, token = _page(items, maxResults, nextToken, op)
        return {"policyGenerations": page, **({"nextToken": token} if token else {})}

    def cancel_policy_generation(self, *, jobId: str) -> dict:
        return _run_generation("CancelPolicyGeneration", lambda: self._generation_service().cancel(jobId))

    def get_paginator(self, operation_name: str) -> "_Paginator":
        if operation_name == "list_policy_generations":
            return _Paginator(self.list_policy_generations, "policyGenerations")
        if operation_name != "validate_policy":
            raise NotImplementedError(f"no paginator for {operation_name}")
        return _Paginator(self.validate_policy, "findings")


def _run_generation(operation: str, run):
    from ..generate.refine import ExistingPolicyError
    from ..generate.service import GenerationRequestError, JobNotFound

    try:
        return run()
    except (GenerationRequestError, ExistingPolicyError) as e:
        raise errors.validation_error(str(e), operation) from None
    except JobNotFound as e:
        raise errors.client_error("ResourceNotFoundException", str(e), operation) from None


def _check_policy_type(policy_type: Any, operation: str) -> None:
    if policy_type not in checks.POLICY_TYPES:
        raise errors.enum_error(policy_type, "policyType", checks.POLICY_TYPES, operation)


def _check_size(document: str, field: str, operation: str) -> None:
    if len(document) > MAX_POLICY_DOCUMENT_CHARS:
        raise errors.validation_error(
            f"{field} is {len(document)} characters; the maximum is {MAX_POLICY_DOCUMENT_CHARS}", operation)


def _run_check(operation: str, run) -> dict:
    try:
        return run().as_dict()
    except checks.CheckInputError as e:
        raise errors.validation_error(str(e), operation) from None
    except checks.CheckUndecided as e:  # neither a proof nor a witness: an error, never a result
        raise errors.validation_error(str(e), operation, reason="notSupported") from None
    except (WitnessReplayError, Undecided) as e:  # a bug of ours, never a result
        raise errors.client_error("InternalServerException", f"accessproof internal error: {e}", operation) from e


class _Paginator:
    def __init__(self, method, result_key: str):
        self._method = method
        self._key = result_key

    def paginate(self, **kwargs):
        token = None
        while True:
            page = self._method(**kwargs, **({"nextToken": token} if token else {}))
            yield page
            token = page.get("nextToken")
            if not token:
                return


