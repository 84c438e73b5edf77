"""``accessproof validate-policy``: ValidatePolicy for one document or many files."""

from __future__ import annotations

from enum import Enum
from typing import Any, Optional

import typer
from botocore.exceptions import ClientError

from ..api.accessanalyzer import AccessAnalyzerClient
from ..integrations.sarif import FileFindings, validation_sarif
from ..parallel import ShardFailed, split
from ..validate.rules.size import MAX_POLICY_DOCUMENT_CHARS, REFUSED_POLICY_MESSAGE
from .awsmodel import Mirror, expand_file_url, read_document
from .inputs import InputError, policy_files, read_path
from .output import QUERY_HELP, aws_text, compile_query, emit, print_json
from .text import render_findings
from .workers import make_executor

VALIDATE_POLICY = Mirror("accessanalyzer", "ValidatePolicy")

SEVERITY = ("ERROR", "SECURITY_WARNING", "WARNING", "SUGGESTION")


class PolicyType(str, Enum):
    IDENTITY_POLICY = "IDENTITY_POLICY"
    RESOURCE_POLICY = "RESOURCE_POLICY"
    SERVICE_CONTROL_POLICY = "SERVICE_CONTROL_POLICY"
    RESOURCE_CONTROL_POLICY = "RESOURCE_CONTROL_POLICY"


class ResourceType(str, Enum):
    S3_BUCKET = "AWS::S3::Bucket"
    S3_ACCESS_POINT = "AWS::S3::AccessPoint"
    S3_MULTI_REGION_ACCESS_POINT = "AWS::S3::MultiRegionAccessPoint"
    S3_OBJECT_LAMBDA_ACCESS_POINT = "AWS::S3ObjectLambda::AccessPoint"
    ROLE_TRUST_POLICY = "AWS::IAM::AssumeRolePolicyDocument"
    DYNAMODB_TABLE = "AWS::DynamoDB::Table"


class Output(str, Enum):
    json = "json"
    text = "text"
    sarif = "sarif"


class FailOn(str, Enum):
    ERROR = "ERROR"
    SECURITY_WARNING = "SECURITY_WARNING"
    WARNING = "WARNING"
    SUGGESTION = "SUGGESTION"
    NONE = "NONE"


def fails(findings: list[dict], fail_on: FailOn) -> bool:
    """Is any finding at ``fail_on`` or more severe?"""
    if fail_on is FailOn.NONE:
        return False
    limit = SEVERITY.index(fail_on.value)
    return any(SEVERITY.index(f["findingType"]) <= limit for f in findings)


# Below this many files, validate-policy runs in this process: starting workers costs more.
PARALLEL_MIN_FILES = 64
SHARDS_PER_WORKER = 4
Outcome = tuple[bool, Any]  # (True, findings) or (False, the error's message)


def _validate_documents(payload: tuple[list[tuple[str, str]], str, Optional[str], Optional[str]]) -> list[Outcome]:
    """ValidatePolicy for each (name, text) of a shard (in a worker, or in this process)."""
    documents, policy_type, resource_type, locale = payload
    client = AccessAnalyzerClient()
    outcomes: list[Outcome] = []
    for _name, text in documents:
        try:
            response = client.validate_policy(policyDocument=text, policyType=policy_type,
                                              validatePolicyResourceType=resource_type, locale=locale)
        except ClientError as e:
            outcomes.append((False, e.response["Error"]["Message"]))
        else:
            outcomes.append((True, response["findings"]))
    return outcomes


def _validate_all(documents: list[tuple[str, str]], policy_type: str, resource_type: Optional[str],
                  locale: Optional[str], workers: Optional[int]) -> list[Outcome]:
    """Every document's outcome, in order; many files are spread over the workers (``--workers``)."""
    if len(documents) < PARALLEL_MIN_FILES or workers == 1:
        return _validate_documents((documents, policy_type, resource_type, locale))
    executor = make_executor(workers, None, ("accessproof.cli.validate",))
    shards = split(documents, executor.workers * SHARDS_PER_WORKER)
    try:
        parts = executor.map(_validate_documents, [(shard, policy_type, resource_type, locale) for shard in shards],
                             lambda i: f"{len(shards[i])} files from {shards[i][0][0]}")
    except ShardFailed as e:
        raise InputError(str(e).replace("; nothing was recorded", "")) from None
    finally:
        close = getattr(executor, "close", None)
        if close is not None:
            close()
    return [outcome for part in parts for outcome in part]


def validate_policy_command(
    paths: Optional[list[str]] = typer.Argument(
        None, help="Policy files or directories (every *.json below them), validated one by one.",
        show_default=False,
    ),
    policy_document: Optional[str] = typer.Option(
        None, "--policy-document", help="The policy: a path, file://path, - for standard input, or inline JSON."
    ),
    policy_type: PolicyType = typer.Option(PolicyType.IDENTITY_POLICY, "--policy-type", help="The type of policy."),
    validate_policy_resource_type: Optional[ResourceType] = typer.Option(
        None, "--validate-policy-resource-type", help="Resource type of a RESOURCE_POLICY, for type-specific checks."
    ),
    locale: Optional[str] = typer.Option(None, "--locale", help="Accepted for compatibility; findings are in English."),
    output: Output = typer.Option(Output.json, "--output", help="json (as the AWS CLI prints it), text, or sarif."),
    fail_on: FailOn = typer.Option(
        FailOn.SECURITY_WARNING, "--fail-on",
        help="Exit with 1 when a finding of this type or a more severe one is found (NONE: never).",
    ),
    query: Optional[str] = typer.Option(None, "--query", help=QUERY_HELP),
    workers: Optional[int] = typer.Option(None, "--workers", help="Processes that validate many files in parallel "
                                          "(default: every local core; 1: this process only)."),
) -> None:
    """Validate IAM policies the way IAM Access Analyzer's ValidatePolicy does.

    Exit status: 0 no failing findings, 1 failing findings, 2 bad input or usage.
    """
    if policy_document is None and not paths:
        raise InputError("give --policy-document or one or more policy files or directories")
    expression = compile_query(query)
    documents: list[tuple[str, str]] = []
    if policy_document is not None:
        documents.append(read_document(policy_document))
    for path in policy_files([expand_file_url(p) for p in paths or []]):
        documents.append((str(path), read_path(path)))
    if paths and not documents:
        raise InputError("no *.json policy files found in " + ", ".join(paths))

    results: list[FileFindings] = []
    resource_type = validate_policy_resource_type.value if validate_policy_resource_type else None
    outcomes = _validate_all(documents, policy_type.value, resource_type, locale, workers)
    for (name, text), (ok, value) in zip(documents, outcomes):
        if not ok:
            message = value
            if message == REFUSED_POLICY_MESSAGE:  # AWS's whole message; say why
                message += f" (ValidatePolicy refuses documents longer than {MAX_POLICY_DOCUMENT_CHARS} characters)"
            raise InputError(f"{name}: {message}")
        results.append(FileFindings(name, value, text))

    many = len(results) > 1 or bool(paths)
    if output is Output.sarif:
        print_json(validation_sarif(results), expression)
    elif many:
        for r in results:  # one report, or one JSON line, per file
            body = {"file": r.uri, "findings": r.findings}
            if output is Output.text and expression is None:
                render_findings(r.uri, r.text, r.findings)
            elif output is Output.text:
                typer.echo(aws_text(expression.search(body)), nl=False)
            else:
                print_json(body, expression, compact=True)
    else:
        only = results[0]
        emit({"findings": only.findings}, output.value, expression,
             text=lambda: render_findings(only.uri, only.text, only.findings))
    if any(fails(r.findings, fail_on) for r in results):
        raise typer.Exit(1)
