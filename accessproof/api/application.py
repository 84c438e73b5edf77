"""One protocol layer: an HTTP request in, the backend called, an HTTP response out.

``Application.handle`` answers Access Analyzer's REST-JSON API (every operation of botocore's
model, plus accessproof's extension operations) and IAM's query API (``SimulateCustomPolicy``,
``SimulatePrincipalPolicy``), routed and typed by the extended service models
(``service_model``). The backends (``AccessAnalyzerClient``, ``IAMClient``) take the members of an
operation as keyword arguments and return Python values (datetimes as ``datetime``); errors they
raise as botocore ``ClientError`` (``errors.client_error``) become the model's error responses with
the model's status codes. Anything else they raise is a bug of ours: a 500
``InternalServerException`` with a one-line message, never a traceback.

The same ``handle`` serves ``accessproof serve`` (``asgi``, after signature and limits) and
``accessproof.client(...)`` (``client``, in process), so both behave alike by construction.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Optional
from urllib.parse import parse_qsl

from botocore.exceptions import ClientError
from botocore.model import OperationModel, ServiceModel
from botocore import xform_name

from . import errors
from .http import HttpRequest, HttpResponse, json_error, new_request_id
from .query import FORM_CONTENT_TYPE, parse_form, xml_error, xml_response
from .restjson import RequestError, Router, parse_request, response
from .service_model import ACCESS_ANALYZER, IAM, IAM_OPERATIONS, service_model
from .wire import ResponseShapeError, WireError, check_constraints, validation_message

log = logging.getLogger("accessproof.serve")

# AWS's common errors (Access Analyzer API Reference, "Common Errors"); not in the service model.
UNKNOWN_OPERATION = ("UnknownOperationException", 404)
IAM_INVALID_ACTION = ("InvalidAction", 400)
IAM_VALIDATION_ERROR = ("ValidationError", 400)
# Only AWS services may call CreateServiceLinkedAnalyzer (its API reference: "Direct customer
# invocation returns AccessDeniedException").
SERVICE_ONLY_OPERATIONS = frozenset({"CreateServiceLinkedAnalyzer"})
# Operations that never reach the symbolic engine. Every other operation may (checks, analyses,
# previews, recommendations) and runs under ``REASONING_LOCK``: the engine uses z3's global
# context, which must not be used by two threads at once (two threads checking through two
# in-process clients corrupted the heap: "corrupted double-linked list"). The context is one per
# process, so is the lock: every Application, every client of this process shares it.
REASONING_LOCK = threading.RLock()
CONCURRENT_OPERATIONS = frozenset({
    "ValidatePolicy", "GetAnalyzer", "ListAnalyzers", "DeleteAnalyzer", "UpdateAnalyzer",
    "CreateArchiveRule", "GetArchiveRule", "ListArchiveRules", "UpdateArchiveRule", "DeleteArchiveRule",
    "ApplyArchiveRule", "GetFinding", "GetFindingV2", "ListFindings", "ListFindingsV2", "UpdateFindings",
    "GetFindingsStatistics", "GetAnalyzedResource", "ListAnalyzedResources", "GetAccessPreview",
    "ListAccessPreviews", "ListAccessPreviewFindings", "GetFindingRecommendation", "StartPolicyGeneration",
    "GetGeneratedPolicy", "ListPolicyGenerations", "CancelPolicyGeneration", "TagResource", "UntagResource",
    "ListTagsForResource", "DeleteServiceLinkedAnalyzer", "SimulateCustomPolicy", "SimulatePrincipalPolicy",
})


@dataclass(frozen=True)
class Caller:
    """Who signed a request: a customer, or an AWS service acting on the customer's behalf
    (``service``: its name, e.g. ``IAMRoleManager``)."""

    service: Optional[str] = None

    @property
    def is_service(self) -> bool:
        return self.service is not None


CUSTOMER = Caller()


@dataclass(frozen=True)
class Call:
    """A request the protocol layer has read: which operation, with which parameters."""

    service: str
    operation: OperationModel
    params: Mapping[str, Any]


class Application:
    """The protocol layer over the two backends (each created on first use by its factory)."""

    def __init__(self, access_analyzer: Callable[[], Any], iam: Callable[[], Any]):
        self._factories = {ACCESS_ANALYZER: access_analyzer, IAM: iam}
        self._backends: dict[str, Any] = {}
        self._backends_lock = threading.Lock()
        self.reasoning_lock = REASONING_LOCK
        self.models: dict[str, ServiceModel] = {ACCESS_ANALYZER: service_model(ACCESS_ANALYZER), IAM: service_model(IAM)}
        self._router = Router(self.models[ACCESS_ANALYZER])

    def backend(self, service: str) -> Any:
        with self._backends_lock:
            if service not in self._backends:
                self._backends[service] = self._factories[service]()
            return self._backends[service]

    # --- reading requests -------------------------------------------------------------------
    def is_query_request(self, request: HttpRequest) -> bool:
        content_type = (request.header("content-type") or "").split(";")[0].strip().lower()
        return request.method.upper() == "POST" and request.path.split("?")[0] in ("", "/") \
            and content_type == FORM_CONTENT_TYPE

    def read(self, request: HttpRequest, request_id: str) -> "Call | HttpResponse":
        """The call a request asks for, or the error response that answers it."""
        if self.is_query_request(request):
            return self._read_query(request, request_id)
        query: dict[str, list[str]] = {}
        for key, value in request.query_items():
            query.setdefault(key, []).append(value)
        found = self._router.match(request.method, request.path, query)
        if found is None:
            code, status = UNKNOWN_OPERATION
            return json_error(status, code, f"No operation matches {request.method} {request.path.split('?')[0]}",
                              request_id)
        route, labels = found
        try:
            params = parse_request(route, labels, request)
        except RequestError as e:
            return self._validation_error(str(e), e.reason, request_id, [e.field] if e.field else [])
        problems = check_constraints(route.operation.input_shape, params) if route.operation.input_shape else []
        if problems:
            return self._validation_error(validation_message(problems), "fieldValidationFailed", request_id,
                                          [p for p, _ in problems], [m for _, m in problems])
        return Call(ACCESS_ANALYZER, route.operation, params)

    def _validation_error(self, message: str, reason: str, request_id: str, fields: list[str],
                          messages: Optional[list[str]] = None) -> HttpResponse:
        members: dict[str, Any] = {"reason": reason}
        if fields:
            members["fieldList"] = [{"name": f, "message": m} for f, m in zip(fields, messages or [message] * len(fields))]
        return json_error(400, "ValidationException", message, request_id, members)

    def _read_query(self, request: HttpRequest, request_id: str) -> "Call | HttpResponse":
        namespace = self.models[IAM].metadata.get("xmlNamespace")
        try:
            fields = dict(parse_qsl(request.body.decode("utf-8"), keep_blank_values=True, strict_parsing=False))
        except UnicodeDecodeError:
            code, status = IAM_VALIDATION_ERROR
            return xml_error(status, code, "The request body is not UTF-8 form data", request_id, namespace)
        action = fields.get("Action")
        if action not in IAM_OPERATIONS:
            code, status = IAM_INVALID_ACTION
            return xml_error(status, code, f"Could not find operation {action}" if action else "Missing Action",
                             request_id, namespace)
        operation = self.models[IAM].operation_model(action)
        try:
            params = parse_form(operation, fields)
        except WireError as e:
            code, status = IAM_VALIDATION_ERROR
            return xml_error(status, code, f"1 validation error detected: {e}", request_id, namespace)
        problems = check_constraints(operation.input_shape, params)
        if problems:
            code, status = IAM_VALIDATION_ERROR
            return xml_error(status, code, validation_message(problems), request_id, namespace)
        return Call(IAM, operation, params)

    # --- answering --------------------------------------------------------------------------
    def handle(self, request: HttpRequest, caller: Caller = CUSTOMER, request_id: Optional[str] = None) -> HttpResponse:
        request_id = request_id or new_request_id()
        call = self.read(request, request_id)
        if isinstance(call, HttpResponse):
            return call
        return self.execute(call, caller, request_id)

    def execute(self, call: Call, caller: Caller, request_id: str, deadline: Optional[float] = None) -> HttpResponse:
        """Call the backend. ``deadline`` (``time.monotonic()``): give up with a ThrottlingException
        when the engine is not free by then (nothing is started)."""
        operation = call.operation
        if operation.name in CONCURRENT_OPERATIONS:
            return self._execute(call, caller, request_id)
        wait = -1 if deadline is None else max(0.0, deadline - time.monotonic())
        if not self.reasoning_lock.acquire(timeout=wait):
            return self.error(call.service, "ThrottlingException",
                              "Rate exceeded: the engine is busy with other checks and analyses", request_id,
                              headers={"retry-after": "1"})
        try:
            return self._execute(call, caller, request_id)
        finally:
            self.reasoning_lock.release()

    def _execute(self, call: Call, caller: Caller, request_id: str) -> HttpResponse:
        operation = call.operation
        if operation.name in SERVICE_ONLY_OPERATIONS and not caller.is_service:
            return self.error(call.service, "AccessDeniedException",
                              f"{operation.name} can only be invoked by authorized AWS services", request_id)
        kwargs = dict(call.params)
        if operation.name in SERVICE_ONLY_OPERATIONS:
            kwargs["calling_service"] = caller.service
        try:
            method = getattr(self.backend(call.service), xform_name(operation.name))
            result = method(**kwargs)
        except ClientError as e:
            error = e.response.get("Error", {})
            extra = {k: v for k, v in e.response.items() if k not in ("Error", "ResponseMetadata")}
            return self.error(call.service, error.get("Code", "InternalServerException"), error.get("Message", ""),
                              request_id, extra)
        except Exception as e:  # noqa: BLE001 - a bug of ours: logged with its traceback, answered in one line
            log.exception("%s failed (request %s)", operation.name, request_id)
            first_line = (str(e).strip().splitlines() or [""])[0]
            return self.error(call.service, "InternalServerException",
                              f"accessproof internal error in {operation.name}: {type(e).__name__}: {first_line}",
                              request_id)
        try:
            if call.service == IAM:
                return xml_response(operation, result or {}, request_id)
            return response(operation, result or {}, request_id)
        except ResponseShapeError as e:
            log.error("%s returned a response its output shape does not describe: %s", operation.name, e)
            return self.error(call.service, "InternalServerException",
                              f"accessproof internal error: the {operation.name} response does not fit the "
                              f"service model ({e})", request_id)

    def error(self, service: str, code: str, message: str, request_id: str,
              members: Optional[Mapping[str, Any]] = None, headers: Optional[Mapping[str, str]] = None) -> HttpResponse:
        """The model's error response for ``code`` (its HTTP status; its modeled members)."""
        model = self.models[service]
        shape = _error_shape(model, code)
        status = shape.metadata.get("error", {}).get("httpStatusCode", 400) if shape is not None else \
            (500 if code.startswith("InternalServer") else 400)
        if service == IAM:
            sender = shape.metadata.get("error", {}).get("senderFault", True) if shape is not None else True
            return xml_error(status, errors.iam_code(code), message, request_id, model.metadata.get("xmlNamespace"),
                             sender)
        known = {k: v for k, v in (members or {}).items() if shape is not None and k in shape.members}
        return json_error(status, code, message, request_id, known, headers)


def _error_shape(model: ServiceModel, code: str):
    for shape in model.error_shapes:
        if shape.name == code or shape.error_code == code:
            return shape
    return None
