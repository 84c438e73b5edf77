"""``accessproof validate-policy``: ValidatePolicy for one document or many files."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Any, Optional

import typer

from ..integrations.sarif import FileFindings, validation_sarif
from ..parallel import ByName, ShardFailed, split
from ..untrusted import one_line
from .awsmodel import Mirror, expand_file_url, read_document
from .inputs import InputError, policy_files, read_path
from .output import QUERY_HELP, aws_text, compile_query, emit, print_json
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
UNREADABLE = "UnreadableFile"  # the error code of a file that could not be read as text
FileError = tuple[str, str]  # (code, message); see validate_shard
Outcome = tuple[bool, Any]


# What the workers run, named so that this process imports the engine only when it validates in
# itself (the JSON lines of many files need none of it); the forkserver imports it beforehand.
WORKER_MODULE = "accessproof.cli.validate_shard"
VALIDATE_SHARD = ByName(WORKER_MODULE, "validate_documents")


def _executor(count: int, workers: Optional[int]) -> Any:
    """The executor for ``count`` files (None: this process), its forkserver already starting, so
    that the workers' imports overlap the reading of the files."""
    if count < PARALLEL_MIN_FILES or workers == 1:
        return None
    executor = make_executor(workers, None, (WORKER_MODULE,))
    start = getattr(executor, "start", None)
    if start is not None:
        start()
    return executor


def _validate_all(documents: list[tuple[str, str]], policy_type: str, resource_type: Optional[str],
                  locale: Optional[str], executor: Any) -> list[Outcome]:
    """Every document's outcome, in order; many files are spread over the workers of ``executor``."""
    shards = split(documents, executor.workers * SHARDS_PER_WORKER) if executor is not None else []
    try:
        if len(shards) < 2:
            from .validate_shard import validate_documents

            return validate_documents((documents, policy_type, resource_type, locale))
        parts = executor.map(VALIDATE_SHARD, [(shard, policy_type, resource_type, locale) for shard in shards],
                             lambda i: f"{len(shards[i])} files from {shards[i][0][0]}")
    except ShardFailed as e:
        raise InputError(str(e).replace("; nothing was recorded", "")) from None
    finally:
        close = getattr(executor, "close", None)
        if close is not None:  # the pool, started before the files were read
            close()
    return [outcome for part in parts for outcome in part]


def _read_files(listed: list[Path]) -> list[tuple[str, Optional[str], Optional[FileError]]]:
    """(name, text, None) for each policy file, or (name, None, error) for one that cannot be read
    (not UTF-8 text, larger than accessproof reads, gone): reported in its place, not a stop."""
    files: list[tuple[str, Optional[str], Optional[FileError]]] = []
    for path in listed:
        try:
            files.append((str(path), read_path(path), None))
        except InputError as e:
            reason = str(e)
            prefix = f"{path}: "
            files.append((str(path), None, (UNREADABLE, reason[len(prefix):] if reason.startswith(prefix) else reason)))
    return files


def _render(result: FileFindings) -> None:
    from .text import render_findings  # rich: only for the report

    render_findings(result.uri, result.text, result.findings)


def _error_body(name: str, error: FileError) -> dict:
    """A file that was not validated, as its JSON line: ``{"file", "error": {"code", "message"}}``."""
    return {"file": name, "error": {"code": error[0], "message": error[1]}}


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

    Files and directories: every file is reported, in order (one JSON line, text report or SARIF
    result each). A file ValidatePolicy refuses (over 32,768 characters: ValidationException
    InvalidPolicy) or that cannot be read as text (UnreadableFile) is reported in its place as
    {"file": ..., "error": {"code": ..., "message": ...}}, named on standard error too, and the
    run goes on. A file that is not JSON gets ValidatePolicy's JSON_SYNTAX_ERROR finding.

    Exit status: 0 no failing findings, 1 failing findings, 2 bad input or usage, or any file that
    could not be validated (the run cannot say that it passes). One --policy-document that is
    refused: exit 2 with one line on standard error.
    """
    if policy_document is None and not paths:
        raise InputError("give --policy-document or one or more policy files or directories")
    expression = compile_query(query)
    files: list[tuple[str, Optional[str], Optional[FileError]]] = []
    if policy_document is not None:
        files.append((*read_document(policy_document), None))
    listed = policy_files([expand_file_url(p) for p in paths or []])
    if paths and not listed:
        raise InputError("no *.json policy files found in " + ", ".join(paths))
    executor = _executor(len(files) + len(listed), workers)
    files.extend(_read_files(listed))

    resource_type = validate_policy_resource_type.value if validate_policy_resource_type else None
    readable = [(name, text) for name, text, error in files if error is None]
    outcomes = iter(_validate_all(readable, policy_type.value, resource_type, locale, executor))
    results: list[FileFindings] = []
    for name, text, error in files:
        ok, value = (False, error) if error is not None else next(outcomes)
        results.append(FileFindings(name, value, text) if ok else FileFindings(name, [], text or "", error=value))

    many = len(results) > 1 or bool(paths)
    if not many and results[0].error is not None:  # one --policy-document: one line, exit 2
        raise InputError(f"{results[0].uri}: {results[0].error[1]}")
    for r in results:  # named on standard error as well, whatever the output
        if r.error is not None:
            print(f"accessproof: error: {one_line(r.uri)}: {one_line(r.error[1])}", file=sys.stderr)
    if output is Output.sarif:
        print_json(validation_sarif(results), expression)
    elif many:
        for r in results:  # one report, or one JSON line, per file
            body = _error_body(r.uri, r.error) if r.error is not None else {"file": r.uri, "findings": r.findings}
            if output is Output.text and expression is None:
                from .text import render_error, render_findings  # rich: only for the report

                if r.error is not None:
                    render_error(r.uri, *r.error)
                else:
                    render_findings(r.uri, r.text, r.findings)
            elif output is Output.text:
                typer.echo(aws_text(expression.search(body)), nl=False)
            else:
                print_json(body, expression, compact=True)
    else:
        only = results[0]
        emit({"findings": only.findings}, output.value, expression,
             text=lambda: _render(only))
    if any(r.error is not None for r in results):
        raise typer.Exit(2)
    if any(fails(r.findings, fail_on) for r in results):
        raise typer.Exit(1)
