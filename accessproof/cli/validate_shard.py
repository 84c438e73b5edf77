"""What ``validate-policy``'s workers run: ValidatePolicy over a shard of (name, text) documents.

A module of its own, small in imports, because the workers' forkserver imports it before the first
shard (while the command's process reads the files) and the command's process imports it only when
it validates in itself (few files, ``--workers 1``): the JSON lines of many files need no engine.
"""

from __future__ import annotations

from typing import Any, Optional

from botocore.exceptions import ClientError

from ..api.accessanalyzer import AccessAnalyzerClient
from ..runtime import without_cycle_collection
from ..validate.rules.size import MAX_POLICY_DOCUMENT_CHARS, REFUSED_POLICY_MESSAGE

# A file that could not be validated: (error code, message). The code is ValidatePolicy's error
# code when the operation refused the document (``ValidationException``: over 32,768 characters,
# or past accessproof's JSON limits), or ``validate.UNREADABLE`` when it could not be read as text.
FileError = tuple[str, str]
Outcome = tuple[bool, Any]  # (True, findings) or (False, FileError)
Shard = tuple[list[tuple[str, str]], str, Optional[str], Optional[str]]  # documents, policy type, resource type, locale


def validate_documents(payload: Shard) -> list[Outcome]:
    """ValidatePolicy (the API operation, with its request checks) for each (name, text) of a shard,
    in a worker or in the command's process. The cycle collector stays off for the whole shard, not
    just each document: validation leaves no reference cycles behind (none over the 1,390 managed
    policies), and the collections between documents rescanned everything the earlier ones cached."""
    documents, policy_type, resource_type, locale = payload
    client = AccessAnalyzerClient()
    outcomes: list[Outcome] = []
    with without_cycle_collection():
        for _name, text in documents:
            try:
                response = client.validate_policy(policyDocument=text, policyType=policy_type,
                                                  validatePolicyResourceType=resource_type, locale=locale)
            except ClientError as e:
                outcomes.append((False, (e.response["Error"]["Code"], explained(e.response["Error"]["Message"]))))
            else:
                outcomes.append((True, response["findings"]))
    return outcomes


def explained(message: str) -> str:
    """ValidatePolicy's error message; AWS's whole message for an oversized document is one word,
    so the reason is added."""
    if message == REFUSED_POLICY_MESSAGE:
        return message + f" (ValidatePolicy refuses documents longer than {MAX_POLICY_DOCUMENT_CHARS} characters)"
    return message
