"""AWS CLI error responses kept in a snapshot: ``<command>.error`` beside ``<command>.json``.

When a call fails, the AWS CLI prints nothing on standard output and one line on standard
error, e.g. ``An error occurred (AccessDeniedException) when calling the GetKeyPolicy
operation: User: ... is not authorized to perform: kms:GetKeyPolicy ...``. Kept as
``get-key-policy.error`` (``aws kms get-key-policy ... > get-key-policy.json 2> get-key-policy.error``,
then the empty one removed), it tells the loader what happened instead of leaving it to guess:

* the call was refused (``AccessDenied``, ``AccessDeniedException``, ...): the response is
  *unreadable* — the resource records it and the analyzer reports an ``ACCESS_DENIED`` error
  finding for it, never a silent skip;
* the thing does not exist (``NoSuchBucketPolicy``, ``ResourceNotFoundException``, ...): the
  same as no file — "no such policy";
* any other code is refused with a one-line ``SnapshotError`` (its meaning for access is unknown).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..untrusted import InputRefused, excerpt, read_file
from .errors import SnapshotError

ERROR_SUFFIX = ".error"
MAX_ERROR_BYTES = 64 * 1024  # one line of the AWS CLI; anything larger is not such a line

_CLI_ERROR = re.compile(r"An error occurred \(([A-Za-z0-9_.]+)\)(?: when calling the ([A-Za-z0-9]+) operation)?")

# Error codes that mean "the caller may not read this" (S3, KMS, Lambda, SQS, SNS, Secrets
# Manager, EFS, ECR, DynamoDB, EC2, RDS spell it differently).
ACCESS_DENIED_CODES = frozenset({
    "AccessDenied", "AccessDeniedException", "AuthorizationError", "AuthorizationErrorException",
    "UnauthorizedOperation", "UnauthorizedException", "Forbidden", "AllAccessDisabled",
})
# Error codes that mean "there is no such configuration": as if the response file were absent.
NOT_FOUND_CODES = frozenset({
    "NoSuchBucketPolicy", "NoSuchPublicAccessBlockConfiguration", "OwnershipControlsNotFoundError",
    "NoSuchAccessPointPolicy", "ResourceNotFoundException", "PolicyNotFound", "PolicyNotFoundException",
    "RepositoryPolicyNotFoundException", "NotFoundException", "NotFound",
})


@dataclass(frozen=True)
class ErrorResponse:
    file: Path  # the .error file
    code: str

    @property
    def denied(self) -> bool:
        return self.code in ACCESS_DENIED_CODES

    def describe(self, root: Path) -> str:
        """``"<response file, snapshot-relative>: <code>"`` (the ``.json`` it stands for)."""
        response = self.file.with_name(self.file.name[: -len(ERROR_SUFFIX)] + ".json")
        return f"{response.relative_to(root).as_posix()}: {self.code}"


def error_name(response_name: str) -> str:
    """``get-key-policy.json`` → ``get-key-policy.error``."""
    return response_name.removesuffix(".json") + ERROR_SUFFIX


def read_error(path: Path) -> ErrorResponse:
    """The error code in an AWS CLI error line; a SnapshotError when it is none or unknown."""
    try:
        raw = read_file(path, MAX_ERROR_BYTES)
    except InputRefused as e:
        reason = e.reason + (": not an AWS CLI error message" if e.reason.startswith("larger than") else "")
        raise SnapshotError(path, reason) from None
    text = raw.decode("utf-8", errors="replace")
    m = _CLI_ERROR.search(text)
    if not m:
        raise SnapshotError(path, "expected the AWS CLI's error message: An error occurred (<code>) when calling "
                                  "the <operation> operation: <message>")
    error = ErrorResponse(path, m.group(1))
    if not error.denied and error.code not in NOT_FOUND_CODES:
        raise SnapshotError(path, f"error code {excerpt(error.code)} says neither that the call was refused "
                                  f"({', '.join(sorted(ACCESS_DENIED_CODES)[:3])}, ...) nor that there is no such "
                                  "configuration; rerun the command, or remove the file if nothing exists")
    return error
