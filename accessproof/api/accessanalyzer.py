"""The Access Analyzer backend: one method per operation of botocore's model (and accessproof's
extension operations), taking the operation's members as keyword arguments and returning Python
values (datetimes as ``datetime``). Errors are botocore ``ClientError``s with AWS's codes.

``accessproof.client("accessanalyzer")`` and ``accessproof serve`` reach it through the protocol
layer (``accessproof.api.application``), which validates, serializes and routes per the model.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any, Optional

from ..validate.engine import InvalidRequest, finding_dict, validate_policy
from ..validate.rule import POLICY_TYPES, VALIDATE_RESOURCE_TYPES
from . import errors

LOCALES = ("DE", "EN", "ES", "FR", "IT", "JA", "KO", "PT_BR", "ZH_CN", "ZH_TW")
# A policy document larger than this is refused before a custom policy check parses it. AWS's
# largest policy quotas are tens of kilobytes (S3 bucket policies 20 KB, KMS key policies 32 KB), so
# 1 MiB leaves room for anything real while bounding the work one request can cause.
MAX_POLICY_DOCUMENT_CHARS = 1024 * 1024


def _require_string(value: Any, field: str, operation: str) -> str:
    if not isinstance(value, str):
        raise errors.validation_error(
            f"1 validation error detected: Value at '{field}' failed to satisfy constraint: Member must be a string",
            operation,
        )
    return value


def _require_bool(value: Any, field: str, operation: str) -> None:
    if not isinstance(value, bool):
        raise errors.validation_error(
            f"1 validation error detected: Value at '{field}' failed to satisfy constraint: Member must be a boolean",
            operation,
        )


def _after_resource(token: str, operation: str) -> str:
    """The resource ARN a ListAnalyzedResources nextToken names (keyset pagination)."""
    try:
        after = json.loads(base64.urlsafe_b64decode(token.encode()).decode())["after"]
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise errors.validation_error("Invalid nextToken", operation) from None
    if not isinstance(after, str):
        raise errors.validation_error("Invalid nextToken", operation)
    return after


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


@errors.bounded_arguments(errors.validation_error)
class AccessAnalyzerClient:
    """The backend of Access Analyzer's operations, answered offline (see the module docstring)."""

    exceptions = errors.exceptions

    def __init__(self, **config: Any) -> None:
        """``config``: ``cloudtrail_locations`` (trail ARN → local path or ``s3://`` URL of its
        logs), ``database`` (SQLAlchemy URL or Engine for generation jobs and findings; default a
        SQLite file), ``s3_endpoint_url``, ``cloudtrail_max_file_size`` (bytes; a log file whose
        content is larger is skipped and reported, default 128 MiB), ``snapshot`` (an account snapshot directory, a list of
        them, or an organization folder: what external access analyzers analyse), ``progress``
        (given a resource count, a callback run after each resource an analysis analyses),
        ``executor`` (an ``accessproof.parallel`` executor: external analyses spread over its workers;
        default this process), ``analyze_in_background`` (CreateAnalyzer answers at once, the analyzer CREATING until its
        first analysis ends, as AWS; ``accessproof serve`` sets it)."""
        self._config = config
        self._generation = None
        if isinstance(config.get("database"), str):  # one database for jobs and findings
            config.setdefault("findings_database", config["database"])

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
        # A document too large for ValidatePolicy is refused by the engine, as AWS refuses it.
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
    # Each check answers about the requests AWS can receive (a catalog action on a resource of
    # one of its types); ``stringSemantics=True`` (an accessproof extension) answers about any
    # action string with any resource string instead (``accessproof.checks.common``).
    def check_no_new_access(self, *, newPolicyDocument: str, existingPolicyDocument: str, policyType: str,
                            stringSemantics: bool = False) -> dict:
        """CheckNoNewAccess. The response adds a top-level ``witness`` request to every proven FAIL."""
        op = "CheckNoNewAccess"
        _require_string(newPolicyDocument, "newPolicyDocument", op)
        _require_string(existingPolicyDocument, "existingPolicyDocument", op)
        _check_policy_type(policyType, op)
        _require_bool(stringSemantics, "stringSemantics", op)
        for name, document in (("newPolicyDocument", newPolicyDocument), ("existingPolicyDocument", existingPolicyDocument)):
            _check_size(document, name, op)
        return _run_check(op, lambda: _checks().check_no_new_access(newPolicyDocument, existingPolicyDocument, policyType,
                                                                 string_semantics=stringSemantics))

    def check_access_not_granted(self, *, policyDocument: str, access: list, policyType: str,
                                 stringSemantics: bool = False) -> dict:
        """CheckAccessNotGranted. The response adds a top-level ``witness`` request to every proven FAIL."""
        op = "CheckAccessNotGranted"
        _require_string(policyDocument, "policyDocument", op)
        _check_policy_type(policyType, op)
        _require_bool(stringSemantics, "stringSemantics", op)
        _check_size(policyDocument, "policyDocument", op)
        return _run_check(op, lambda: _checks().check_access_not_granted(policyDocument, access, policyType,
                                                                      string_semantics=stringSemantics))

    def check_no_public_access(self, *, policyDocument: str, resourceType: str, stringSemantics: bool = False) -> dict:
        """CheckNoPublicAccess. The response adds a top-level ``witness`` request to every proven FAIL."""
        op = "CheckNoPublicAccess"
        _require_string(policyDocument, "policyDocument", op)
        if resourceType not in _checks().ACCESS_CHECK_RESOURCE_TYPES:
            raise errors.enum_error(resourceType, "resourceType", _checks().ACCESS_CHECK_RESOURCE_TYPES, op)
        _require_bool(stringSemantics, "stringSemantics", op)
        _check_size(policyDocument, "policyDocument", op)
        return _run_check(op, lambda: _checks().check_no_public_access(policyDocument, resourceType,
                                                                    string_semantics=stringSemantics))

    # ------------------------------------------------------------ policy generation
    def _generation_service(self):
        if getattr(self, "_generation", None) is None:
            from ..generate.service import PolicyGenerationService
            from ..generate.sources import DEFAULT_MAX_FILE_BYTES

            config = getattr(self, "_config", {})
            self._generation = PolicyGenerationService(config.get("cloudtrail_locations"), config.get("database"),
                                                       config.get("s3_endpoint_url"),
                                                       config.get("cloudtrail_max_file_size", DEFAULT_MAX_FILE_BYTES))
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

    # ====================================================================================
    # Unused access analyzer (issue 7). Config: ``findings_store`` (a FindingsStore) or
    # ``findings_database`` (SQLAlchemy URL; default the SQLite file accessproof.db), ``clock``;
    # the store is the one ``_findings_store`` shares with the external access block.
    # The logic lives in accessproof.analyzers.unused_service; these methods adapt errors.
    # ====================================================================================
    def _unused_access(self):
        if getattr(self, "_unused_service", None) is None:
            from ..analyzers.unused_service import UnusedAccessService
            from ..findings.model import utc_now

            config = getattr(self, "_config", {})
            clock = config.get("clock") or utc_now
            store = self._findings_store()  # shared with the external access methods
            self._unused_service = UnusedAccessService(store, clock, config.get("executor"))
        return self._unused_service

    def create_analyzer(self, *, analyzerName: str, type: str, archiveRules: Optional[list] = None,
                        tags: Optional[dict] = None, clientToken: Optional[str] = None,
                        configuration: Optional[dict] = None) -> dict:
        """CreateAnalyzer. Unused access types validate ``configuration.unusedAccess`` (age 1-365,
        default 90; exclusions)."""
        def run():
            if type in ("ACCOUNT", "ORGANIZATION"):  # external access (issue 5): creating analyses the snapshot
                if self._config.get("analyze_in_background"):  # as AWS: CREATING, then ACTIVE (analysis_jobs)
                    return {"arn": self._initial_scans().create(self._external_access(), analyzerName, type,
                                                                archiveRules, tags).arn}
                return {"arn": self._external_access().create_analyzer(analyzerName, type, archiveRules, tags).arn}
            service = self._unused_access()
            from ..findings.model import UNUSED_ACCESS_ANALYZER_TYPES

            if type in UNUSED_ACCESS_ANALYZER_TYPES:
                analyzer = service.create_analyzer(analyzerName, type, configuration, archiveRules, tags)
            else:
                analyzer = service.store.create_analyzer(analyzerName, type, archive_rules=archiveRules, tags=tags,
                                                         configuration=configuration)
            return {"arn": analyzer.arn}
        return _run_findings("CreateAnalyzer", run)

    def update_analyzer(self, *, analyzerName: str, configuration: dict) -> dict:
        return _run_findings("UpdateAnalyzer", lambda: {
            "configuration": self._unused_access().update_analyzer(analyzerName, configuration).configuration})

    def get_analyzer(self, *, analyzerName: str) -> dict:
        return _run_findings("GetAnalyzer", lambda: {"analyzer": self._with_managed_by(
            [self._unused_access().store.get_analyzer(analyzerName).to_aws()])[0]})

    def analyze_unused_access(self, *, analyzerArn: str, snapshotPath: Optional[str] = None,
                              now: Optional[Any] = None) -> dict:
        """accessproof extension (AWS analyses continuously): analyse an account snapshot or an
        organization folder (default: the client's ``snapshot``) and record the findings; returns
        counts of what changed. The snapshot must be of the analyzer's account (or organization)."""
        def run():
            from ..findings.errors import ValidationError

            path = snapshotPath
            if path is None:
                configured = self._config.get("snapshot")
                if not isinstance(configured, (str, Path)):
                    raise ValidationError("snapshotPath is required (the client has no single snapshot configured)")
                path = str(configured)
            analysis, outcome = self._unused_access().analyze(analyzerArn, path, now)
            return {"opened": len(outcome.opened), "kept": len(outcome.kept), "resolved": len(outcome.resolved),
                    "analyzedEntities": len(analysis.results), "skipped": [s.__dict__ for s in analysis.skipped],
                    "problems": list(analysis.problems)}
        return _run_findings("AnalyzeUnusedAccess", run)

    def list_findings_v2(self, *, analyzerArn: str, filter: Optional[dict] = None, maxResults: Optional[int] = None,
                         nextToken: Optional[str] = None, sort: Optional[dict] = None) -> dict:
        def run():
            page = self._unused_access().store.list_findings(analyzerArn, filter, sort, maxResults, nextToken)
            response: dict = {"findings": [f.to_aws_summary_v2() for f in page.items]}
            if page.next_token:
                response["nextToken"] = page.next_token
            return response
        return _run_findings("ListFindingsV2", run)

    def get_finding_v2(self, *, analyzerArn: str, id: str, maxResults: Optional[int] = None,
                       nextToken: Optional[str] = None) -> dict:
        return _run_findings("GetFindingV2", lambda: self._unused_access().get_finding_v2(analyzerArn, id, maxResults, nextToken))

    def get_findings_statistics(self, *, analyzerArn: str) -> dict:
        def run():
            from ..analyzers import unused  # noqa: F401  (registers the unused-access statistics)

            return self._unused_access().store.statistics(analyzerArn)
        return _run_findings("GetFindingsStatistics", run)

    def generate_finding_recommendation(self, *, analyzerArn: str, id: str) -> dict:
        def run():
            self._unused_access().generate_recommendation(analyzerArn, id)
            return {}
        return _run_findings("GenerateFindingRecommendation", run)

    def get_finding_recommendation(self, *, analyzerArn: str, id: str, maxResults: Optional[int] = None,
                                   nextToken: Optional[str] = None) -> dict:
        return _run_findings("GetFindingRecommendation",
                             lambda: self._unused_access().get_recommendation(analyzerArn, id, maxResults, nextToken))
    # ============================================================= end of unused access block

    # ====================================================================================
    # External access analyzer (issue 5). Config: ``snapshot`` (path, list of paths or an
    # organization folder), ``database`` / ``findings_database`` / ``findings_store``, ``clock``.
    # The logic lives in accessproof.analyzers.external_service; these methods adapt shapes and errors.
    # ====================================================================================
    def findings_store(self):
        """The findings store this backend reads and writes (the console reads it directly)."""
        return self._findings_store()

    def _findings_store(self):
        """The one findings store of this client, shared with the unused access methods."""
        config = self._config
        store = config.get("findings_store")
        if store is None:
            from ..analyzers.external_service import load_snapshots, open_store, snapshot_paths
            from ..findings.model import utc_now
            from ..inventory.errors import SnapshotError

            try:  # analyzer ARNs name the snapshot's account; a bad snapshot shows where it is used
                snapshots = load_snapshots(snapshot_paths(config.get("snapshot"))[:1])
            except SnapshotError:
                snapshots = []
            store = open_store(config.get("findings_database"), snapshots, config.get("clock") or utc_now)
        config["findings_store"] = store
        return store

    def _external_access(self):
        if getattr(self, "_external_service", None) is None:
            from ..analyzers.external_service import ExternalAccessService, snapshot_paths
            from ..findings.model import utc_now

            config = self._config
            factory = config.get("external_analyzer_factory")  # tests: a stand-in for ExternalAccessAnalyzer
            self._external_service = ExternalAccessService(
                self._findings_store(), snapshot_paths(config.get("snapshot")), config.get("clock") or utc_now,
                **({"analyzer_factory": factory} if factory else {}), progress=config.get("progress"),
                executor=config.get("executor"))
        return self._external_service

    def analyze_external_access(self, *, analyzerArn: str, snapshotPath: Any = None) -> dict:
        """accessproof extension (AWS analyses continuously): re-analyse the configured snapshot (or
        ``snapshotPath``) and record it; returns counts of what changed."""
        def run():
            count, outcome = self._external_access().analyze(analyzerArn, snapshotPath)
            return {"analyzedResources": count, "opened": len(outcome.opened), "kept": len(outcome.kept),
                    "resolved": len(outcome.resolved)}
        return _run_findings("AnalyzeExternalAccess", run)

    def list_analyzers(self, *, type: Optional[str] = None, maxResults: Optional[int] = None,
                       nextToken: Optional[str] = None) -> dict:
        op = "ListAnalyzers"
        items = _run_findings(op, lambda: self._with_managed_by(
            [a.to_aws() for a in self._findings_store().list_analyzers(type)]))
        page, token = _page(items, maxResults, nextToken, op)
        return {"analyzers": page, **({"nextToken": token} if token else {})}

    def delete_analyzer(self, *, analyzerName: str, clientToken: Optional[str] = None) -> dict:
        def run():
            from ..findings import linked

            linked.check_not_service_linked(self._findings_store(), analyzerName)
            return _no_output(self._findings_store().delete_analyzer(analyzerName))
        return _run_findings("DeleteAnalyzer", run)

    def start_resource_scan(self, *, analyzerArn: str, resourceArn: str,
                            resourceOwnerAccount: Optional[str] = None) -> dict:
        """StartResourceScan: done at once, from the snapshot as it is on disk now."""
        return _run_findings("StartResourceScan", lambda: _no_output(self._external_access().scan_resource(
            analyzerArn, resourceArn, resourceOwnerAccount)))

    def list_analyzed_resources(self, *, analyzerArn: str, resourceType: Optional[str] = None,
                                nextToken: Optional[str] = None, maxResults: Optional[int] = None) -> dict:
        op = "ListAnalyzedResources"
        if maxResults is not None and (isinstance(maxResults, bool) or not isinstance(maxResults, int) or maxResults < 1):
            raise errors.validation_error("maxResults must be a positive integer", op)
        after = _after_resource(nextToken, op) if nextToken else None
        found = _run_findings(op, lambda: self._findings_store().list_analyzed_resources(
            analyzerArn, resourceType, after=after, limit=None if maxResults is None else maxResults + 1))
        page = found if maxResults is None else found[:maxResults]
        more = maxResults is not None and len(found) > maxResults
        token = base64.urlsafe_b64encode(json.dumps({"after": page[-1].resource}).encode()).decode() if more else None
        return {"analyzedResources": [r.to_aws_summary() for r in page], **({"nextToken": token} if token else {})}

    def get_analyzed_resource(self, *, analyzerArn: str, resourceArn: str) -> dict:
        return _run_findings("GetAnalyzedResource", lambda: {
            "resource": self._findings_store().get_analyzed_resource(analyzerArn, resourceArn)})

    def list_findings(self, *, analyzerArn: str, filter: Optional[dict] = None, sort: Optional[dict] = None,
                      nextToken: Optional[str] = None, maxResults: Optional[int] = None) -> dict:
        def run():
            page = self._findings_store().list_findings(analyzerArn, filter, sort, maxResults, nextToken)
            return {"findings": [f.to_aws() for f in page.items], **({"nextToken": page.next_token} if page.next_token else {})}
        return _run_findings("ListFindings", run)

    def get_finding(self, *, analyzerArn: str, id: str) -> dict:
        return _run_findings("GetFinding", lambda: {"finding": self._findings_store().get_finding(analyzerArn, id).to_aws()})

    def update_findings(self, *, analyzerArn: str, status: str, ids: Optional[list] = None,
                        resourceArn: Optional[str] = None, clientToken: Optional[str] = None) -> dict:
        return _run_findings("UpdateFindings", lambda: _no_output(self._findings_store().update_findings(
            analyzerArn, status, ids=ids, resource_arn=resourceArn)))

    def create_archive_rule(self, *, analyzerName: str, ruleName: str, filter: dict,
                            clientToken: Optional[str] = None) -> dict:
        return _run_findings("CreateArchiveRule", lambda: _no_output(self._findings_store().create_archive_rule(
            analyzerName, ruleName, filter)))

    def get_archive_rule(self, *, analyzerName: str, ruleName: str) -> dict:
        return _run_findings("GetArchiveRule", lambda: {
            "archiveRule": self._findings_store().get_archive_rule(analyzerName, ruleName).to_aws()})

    def list_archive_rules(self, *, analyzerName: str, nextToken: Optional[str] = None,
                           maxResults: Optional[int] = None) -> dict:
        op = "ListArchiveRules"
        items = _run_findings(op, lambda: [r.to_aws() for r in self._findings_store().list_archive_rules(analyzerName)])
        page, token = _page(items, maxResults, nextToken, op)
        return {"archiveRules": page, **({"nextToken": token} if token else {})}

    def update_archive_rule(self, *, analyzerName: str, ruleName: str, filter: dict,
                            clientToken: Optional[str] = None) -> dict:
        return _run_findings("UpdateArchiveRule", lambda: _no_output(self._findings_store().update_archive_rule(
            analyzerName, ruleName, filter)))

    def delete_archive_rule(self, *, analyzerName: str, ruleName: str, clientToken: Optional[str] = None) -> dict:
        return _run_findings("DeleteArchiveRule", lambda: _no_output(self._findings_store().delete_archive_rule(
            analyzerName, ruleName)))

    def apply_archive_rule(self, *, analyzerArn: str, ruleName: str, clientToken: Optional[str] = None) -> dict:
        return _run_findings("ApplyArchiveRule", lambda: _no_output(self._findings_store().apply_archive_rule(
            analyzerArn, ruleName)))

    def create_access_preview(self, *, analyzerArn: str, configurations: dict, clientToken: Optional[str] = None) -> dict:
        """CreateAccessPreview: computed at once (GetAccessPreview then says COMPLETED or FAILED).
        Previews live in this client's memory."""
        return _run_findings("CreateAccessPreview", lambda: {
            "id": self._external_access().create_preview(analyzerArn, configurations).id})

    def get_access_preview(self, *, accessPreviewId: str, analyzerArn: str) -> dict:
        return _run_findings("GetAccessPreview", lambda: {
            "accessPreview": self._external_access().get_preview(analyzerArn, accessPreviewId).to_aws()})

    def list_access_previews(self, *, analyzerArn: str, nextToken: Optional[str] = None,
                             maxResults: Optional[int] = None) -> dict:
        op = "ListAccessPreviews"
        items = _run_findings(op, lambda: [p.to_aws_summary() for p in self._external_access().list_previews(analyzerArn)])
        page, token = _page(items, maxResults, nextToken, op)
        return {"accessPreviews": page, **({"nextToken": token} if token else {})}

    def list_access_preview_findings(self, *, accessPreviewId: str, analyzerArn: str, filter: Optional[dict] = None,
                                     nextToken: Optional[str] = None, maxResults: Optional[int] = None) -> dict:
        def run():
            found, token = self._external_access().preview_findings(analyzerArn, accessPreviewId, filter,
                                                                    maxResults, nextToken)
            return {"findings": [f.to_aws() for f in found], **({"nextToken": token} if token else {})}
        return _run_findings("ListAccessPreviewFindings", run)
    # =========================================================== end of external access block

    # ====================================================================================
    # Tags and service-linked analyzers (issue 12). The logic lives in accessproof.findings.linked.
    # ====================================================================================
    def tag_resource(self, *, resourceArn: str, tags: dict) -> dict:
        def run():
            from ..findings import linked

            linked.tag(self._findings_store(), resourceArn, tags)
            return {}
        return _run_findings("TagResource", run)

    def untag_resource(self, *, resourceArn: str, tagKeys: list) -> dict:
        def run():
            from ..findings import linked

            linked.untag(self._findings_store(), resourceArn, tagKeys)
            return {}
        return _run_findings("UntagResource", run)

    def list_tags_for_resource(self, *, resourceArn: str) -> dict:
        def run():
            from ..findings import linked

            return {"tags": linked.list_tags(self._findings_store(), resourceArn)}
        return _run_findings("ListTagsForResource", run)

    def create_service_linked_analyzer(self, *, type: str, calling_service: str, archiveRules: Optional[list] = None,
                                       clientToken: Optional[str] = None, configuration: Optional[dict] = None) -> dict:
        """CreateServiceLinkedAnalyzer, for the AWS service ``calling_service`` (the protocol layer
        refuses customers, as AWS does); an unused access analyzer named
        ``_AccessAnalyzerFor{calling_service}-{id}``."""
        def run():
            from ..findings import linked

            service = self._unused_access()
            analyzer = linked.create_service_linked(
                service.store, calling_service, type, archiveRules, configuration,
                create=lambda name: service.create_analyzer(name, type, configuration, archiveRules))
            return {"arn": analyzer.arn}
        return _run_findings("CreateServiceLinkedAnalyzer", run)

    def delete_service_linked_analyzer(self, *, analyzerName: str, clientToken: Optional[str] = None) -> dict:
        def run():
            from ..findings import linked

            linked.delete_service_linked(self._findings_store(), analyzerName)
            return {}
        return _run_findings("DeleteServiceLinkedAnalyzer", run)

    def _initial_scans(self):
        """Background first analyses of new analyzers (configuration ``analyze_in_background``)."""
        if getattr(self, "_scans", None) is None:
            from .analysis_jobs import InitialScans
            from .application import REASONING_LOCK

            self._scans = InitialScans(REASONING_LOCK)
        return self._scans

    def _with_managed_by(self, summaries: list[dict]) -> list[dict]:
        """AnalyzerSummary's ``managedBy`` for service-linked analyzers."""
        from ..findings import linked

        managers = linked.managed_by(self._findings_store())
        return [{**s, "managedBy": managers[s["arn"]]} if s["arn"] in managers else s for s in summaries]
    # ==================================================== end of tags and service-linked analyzers


def _no_output(_result: Any) -> dict:
    """The empty response of an operation whose output shape has no members."""
    return {}


def _run_generation(operation: str, run):
    from ..generate.refine import ExistingPolicyError
    from ..generate.service import GenerationRequestError, JobNotFound

    try:
        return run()
    except (GenerationRequestError, ExistingPolicyError) as e:
        raise errors.validation_error(str(e), operation) from None
    except JobNotFound as e:
        raise errors.client_error("ResourceNotFoundException", str(e), operation) from None


def _checks():
    """``accessproof.checks``, imported when a check first runs: it brings z3, which ValidatePolicy
    (``validate-policy`` on many files, in every worker) does not need."""
    from .. import checks

    return checks


def _check_policy_type(policy_type: Any, operation: str) -> None:
    if policy_type not in _checks().POLICY_TYPES:
        raise errors.enum_error(policy_type, "policyType", _checks().POLICY_TYPES, operation)


def _check_size(document: str, field: str, operation: str) -> None:
    if len(document) > MAX_POLICY_DOCUMENT_CHARS:
        raise errors.validation_error(
            f"{field} is {len(document)} characters; the maximum is {MAX_POLICY_DOCUMENT_CHARS}", operation)


def _run_check(operation: str, run) -> dict:
    from ..reason import Undecided, WitnessReplayError

    checks = _checks()
    try:
        return run().as_dict()
    except checks.CheckInputError as e:
        raise errors.validation_error(str(e), operation) from None
    except checks.CheckUndecided as e:  # neither a proof nor a witness: an error, never a result
        raise errors.validation_error(str(e), operation, reason="notSupported") from None
    except (WitnessReplayError, Undecided) as e:  # a bug of ours, never a result
        raise errors.client_error("InternalServerException", f"accessproof internal error: {e}", operation) from e


def _run_findings(operation: str, run):
    """Findings-store and unused-access errors as boto3's exceptions (unused access block)."""
    from ..findings.errors import FindingsError
    from ..inventory.errors import SnapshotError
    from ..parallel import ShardFailed

    try:
        return run()
    except FindingsError as e:
        raise errors.client_error(e.code, str(e), operation) from None
    except SnapshotError as e:
        raise errors.validation_error(str(e), operation) from None
    except ShardFailed as e:  # a worker died: nothing was recorded
        raise errors.client_error("InternalServerException", str(e), operation) from None
