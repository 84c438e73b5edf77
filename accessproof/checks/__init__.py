"""The custom policy checks, on top of ``accessproof.reason``: one module per check.

``check_no_new_access``, ``check_access_not_granted`` and ``check_no_public_access`` take AWS's
arguments and return a ``CheckResult`` shaped as AWS's response, plus a ``witness`` on FAIL.
A PASS is a proof; a FAIL carries a witness the concrete evaluator replayed; when neither can
be established the check raises ``CheckUndecided`` (never observed on the AWS managed-policy
corpus).
"""

from .access_not_granted import MAX_ACCESS_ITEMS, MAX_ACTIONS, MAX_RESOURCES, check_access_not_granted, validate_access
from .common import (
    FAIL, IDENTITY_POLICY, PASS, POLICY_TYPES, RESOURCE_POLICY, CheckInputError, CheckResult, CheckUndecided, Concrete,
    replay, replay_request, witness_dict,
)
from .no_new_access import check_no_new_access
from .no_public_access import check_no_public_access
from .public import ACCESS_CHECK_RESOURCE_TYPES, InvalidResourceType

__all__ = [
    "ACCESS_CHECK_RESOURCE_TYPES", "FAIL", "IDENTITY_POLICY", "MAX_ACCESS_ITEMS", "MAX_ACTIONS", "MAX_RESOURCES",
    "PASS", "POLICY_TYPES", "RESOURCE_POLICY", "CheckInputError", "CheckResult", "CheckUndecided", "Concrete",
    "InvalidResourceType", "check_access_not_granted", "check_no_new_access", "check_no_public_access", "replay",
    "replay_request", "validate_access", "witness_dict",
]
