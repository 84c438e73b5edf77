"""botocore's service models of Access Analyzer and IAM, extended with accessproof's members.

The protocol layer (``protocol``, ``restjson``, ``query``) and the clients of ``accessproof.client``
read the same models, built at run time from the ones installed with botocore: each extension is
declared below (``EXTENSIONS``) and added to a copy, never a hand-kept copy of AWS's model. The
extended models are served to botocore through ``ExtendedLoader``, a ``botocore.loaders.Loader``
that answers ``service-2`` for these services from memory (paginators, waiters, endpoint rules
and everything else still come from botocore's own data).

What is added is only ever *more*: new members on output shapes (``witness``, ``accessproof``),
new optional input members, and new operations under ``/accessproof/...``. A response of the
extended model is therefore also a valid response of botocore's model (botocore ignores members it
does not know), which is what ``accessproof serve`` relies on for the AWS CLI and plain boto3.
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Mapping

from botocore.loaders import Loader
from botocore.model import OperationModel, ServiceModel

ACCESS_ANALYZER = "accessanalyzer"
IAM = "iam"
SERVICES = (ACCESS_ANALYZER, IAM)

# A JSON document: any JSON value, passed through as is (botocore's document type).
DOCUMENT = "AccessproofDocument"
_DOCUMENT_SHAPE = {"type": "structure", "members": {}, "document": True,
                   "documentation": "<p>accessproof extension: a JSON value.</p>"}


@dataclass(frozen=True)
class Extension:
    """What accessproof adds to one service's model."""

    shapes: Mapping[str, dict] = field(default_factory=dict)            # new shapes
    members: Mapping[str, Mapping[str, dict]] = field(default_factory=dict)  # shape -> new members
    operations: Mapping[str, dict] = field(default_factory=dict)        # new operations


def _member(shape: str, documentation: str) -> dict:
    return {"shape": shape, "documentation": f"<p>accessproof extension: {documentation}</p>"}


_WITNESS = _member(DOCUMENT, "a request (principal, action, resource, context) that the concrete evaluator "
                             "replayed and confirmed: why the check failed or the finding exists.")
_COUNT = "AccessproofCount"

ACCESS_ANALYZER_EXTENSION = Extension(
    shapes={
        DOCUMENT: _DOCUMENT_SHAPE,
        _COUNT: {"type": "integer"},
        "AccessproofProblemList": {"type": "list", "member": {"shape": "String"}},
        "AnalyzeExternalAccessRequest": {"type": "structure", "required": ["analyzerArn"], "members": {
            "analyzerArn": {"shape": "AnalyzerArn"},
            "snapshotPath": _member("String", "an account snapshot directory or organization folder to "
                                              "analyse instead of the configured one."),
        }},
        "AnalyzeExternalAccessResponse": {"type": "structure", "members": {
            "analyzedResources": {"shape": _COUNT}, "opened": {"shape": _COUNT},
            "kept": {"shape": _COUNT}, "resolved": {"shape": _COUNT},
        }},
        "AnalyzeUnusedAccessRequest": {"type": "structure", "required": ["analyzerArn"], "members": {
            "analyzerArn": {"shape": "AnalyzerArn"},
            "snapshotPath": _member("String", "an account snapshot directory or organization folder (default: "
                                              "the configured snapshot)."),
            "now": _member("Timestamp", "the moment the unused-access age is measured from (default: now)."),
        }},
        "AnalyzeUnusedAccessResponse": {"type": "structure", "members": {
            "opened": {"shape": _COUNT}, "kept": {"shape": _COUNT}, "resolved": {"shape": _COUNT},
            "analyzedEntities": {"shape": _COUNT},
            "skipped": _member(DOCUMENT, "identities that were not analysed, with the reason."),
            "problems": _member("AccessproofProblemList", "what could not be read."),
        }},
    },
    members={
        "CheckNoNewAccessResponse": {"witness": _WITNESS},
        "CheckAccessNotGrantedResponse": {"witness": _WITNESS},
        "CheckNoPublicAccessResponse": {"witness": _WITNESS},
        "Finding": {"witness": _WITNESS},
        "FindingSummary": {"witness": _WITNESS},
        "AccessPreviewFinding": {"witness": _WITNESS},
        "GeneratedPolicyResult": {"accessproof": _member(
            DOCUMENT, "skipped log files, unmapped events, the validation of the generated policy and, "
                      "with an existing policy, the proof that it grants nothing new.")},
        "GetFindingRecommendationResponse": {"accessproof": _member(
            DOCUMENT, "the CheckNoNewAccess proof and the validation of each recommended policy.")},
    },
    operations={
        "AnalyzeExternalAccess": {
            "name": "AnalyzeExternalAccess",
            "http": {"method": "POST", "requestUri": "/accessproof/analyze-external-access", "responseCode": 200},
            "input": {"shape": "AnalyzeExternalAccessRequest"},
            "output": {"shape": "AnalyzeExternalAccessResponse"},
            "errors": [{"shape": s} for s in ("ResourceNotFoundException", "ValidationException",
                                              "InternalServerException", "ThrottlingException",
                                              "AccessDeniedException")],
            "documentation": "<p>accessproof extension: analyse the account snapshot (AWS analyses "
                             "continuously) and record the analyzer's findings.</p>",
        },
        "AnalyzeUnusedAccess": {
            "name": "AnalyzeUnusedAccess",
            "http": {"method": "POST", "requestUri": "/accessproof/analyze-unused-access", "responseCode": 200},
            "input": {"shape": "AnalyzeUnusedAccessRequest"},
            "output": {"shape": "AnalyzeUnusedAccessResponse"},
            "errors": [{"shape": s} for s in ("ResourceNotFoundException", "ValidationException",
                                              "InternalServerException", "ThrottlingException",
                                              "AccessDeniedException")],
            "documentation": "<p>accessproof extension: analyse an account snapshot or organization "
                             "folder for unused access and record the findings.</p>",
        },
    },
)

_POLICY_LEVEL = "AccessproofPolicyLevel"
IAM_EXTENSION = Extension(
    shapes={
        _POLICY_LEVEL: {"type": "list", "member": {"shape": "policyDocumentType"}},
        "AccessproofPolicyLevelList": {"type": "list", "member": {"shape": _POLICY_LEVEL}},
    },
    members={
        request: {
            "ServiceControlPolicyInputList": _member(
                "AccessproofPolicyLevelList", "the SCPs of each level of the organization, root first (a "
                                              "level is one document or a list of them)."),
            "ResourceControlPolicyInputList": _member(
                "AccessproofPolicyLevelList", "the RCPs of each level of the organization, root first."),
            "SessionPolicyInputList": _member("SimulationPolicyListType", "the session policies of the caller."),
        }
        for request in ("SimulateCustomPolicyRequest", "SimulatePrincipalPolicyRequest")
    },
)

EXTENSIONS: Mapping[str, Extension] = {ACCESS_ANALYZER: ACCESS_ANALYZER_EXTENSION, IAM: IAM_EXTENSION}
# botocore's IAM model is large; only these operations are answered (the rest: UnknownOperation).
IAM_OPERATIONS = ("SimulateCustomPolicy", "SimulatePrincipalPolicy")


def extend(model: Mapping[str, Any], extension: Extension) -> dict:
    """A copy of ``model`` (botocore's service-2 JSON) with ``extension`` added. Refuses to
    replace anything that is already there: an extension only ever adds."""
    out = copy.deepcopy(dict(model))
    shapes, operations = out["shapes"], out["operations"]
    for name, shape in extension.shapes.items():
        if name in shapes:
            raise ValueError(f"extension shape {name} already exists in botocore's model")
        shapes[name] = copy.deepcopy(shape)
    for shape_name, members in extension.members.items():
        target = shapes[shape_name]["members"]
        for member, definition in members.items():
            if member in target:
                raise ValueError(f"extension member {shape_name}.{member} already exists in botocore's model")
            target[member] = copy.deepcopy(definition)
    for name, operation in extension.operations.items():
        if name in operations:
            raise ValueError(f"extension operation {name} already exists in botocore's model")
        operations[name] = copy.deepcopy(operation)
    return out


@lru_cache(maxsize=None)
def botocore_model(service: str) -> dict:
    """botocore's own service-2 model of ``service`` (as installed)."""
    return Loader().load_service_model(service, "service-2")


@lru_cache(maxsize=None)
def extended_model(service: str) -> dict:
    return extend(botocore_model(service), EXTENSIONS[service])


@lru_cache(maxsize=None)
def service_model(service: str) -> ServiceModel:
    """The extended model as botocore's ``ServiceModel``."""
    return ServiceModel(extended_model(service), service_name=service)


def operation_model(service: str, operation: str) -> OperationModel:
    return service_model(service).operation_model(operation)


def extension_operations(service: str) -> tuple[str, ...]:
    return tuple(EXTENSIONS[service].operations)


class ExtendedLoader(Loader):
    """botocore's loader, answering ``service-2`` of Access Analyzer and IAM with the extended
    models. Register it in a botocore session as its ``data_loader`` component."""

    def load_service_model(self, service_name, type_name, api_version=None):
        if type_name == "service-2" and service_name in EXTENSIONS:
            return extended_model(service_name)
        return super().load_service_model(service_name, type_name, api_version)


_SESSION_LOCK = threading.Lock()


def botocore_session():
    """A new botocore session that knows the extended models (for clients of a remote
    ``accessproof serve`` that want the extension members too)."""
    import botocore.session

    with _SESSION_LOCK:
        session = botocore.session.Session()
        session.register_component("data_loader", ExtendedLoader())
        return session
