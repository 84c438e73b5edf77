"""``accessproof.client(service)``: botocore's own clients, answered by accessproof.

The client returned is a real botocore client of the extended service model (``service_model``):
botocore validates the arguments (``ParamValidationError``), serializes the request, parses the
response (datetimes, ``ResponseMetadata``), raises the modeled exceptions, and provides
paginators and ``can_paginate``. Only the transport differs: a ``before-send`` handler hands each
prepared request to the protocol layer (``Application``) in this process, so no socket is opened
and the same code answers it as ``accessproof serve`` would.

With ``endpoint_url`` the client talks to a running ``accessproof serve`` instead (signed with the
given or the environment's credentials), still with the extension members of the extended model.
"""

from __future__ import annotations

import weakref
from typing import Any, Optional
from urllib.parse import urlsplit

from botocore import UNSIGNED
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.config import Config

from .application import Application, Caller
from .http import HttpRequest
from .service_model import ACCESS_ANALYZER, IAM, SERVICES, botocore_session

IN_PROCESS_ENDPOINT = "http://accessproof.local"
DEFAULT_REGION = "us-east-1"
# An answer computed in this process does not get better by asking again: one attempt.
_IN_PROCESS_CONFIG = Config(signature_version=UNSIGNED, retries={"total_max_attempts": 1, "mode": "legacy"})

_APPLICATIONS: "weakref.WeakKeyDictionary[Any, Application]" = weakref.WeakKeyDictionary()


class _Body(bytes):
    """A response body as urllib3 would stream it to botocore."""

    def stream(self, **_kwargs: Any):
        yield bytes(self)


class InProcessTransport:
    """A botocore ``before-send`` handler: the request is answered by ``application``."""

    def __init__(self, application: Application, caller: Caller):
        self.application = application
        self.caller = caller

    def __call__(self, request: AWSPreparedRequest, **_kwargs: Any) -> AWSResponse:
        url = urlsplit(request.url)
        body = request.body
        if body is None:
            body = b""
        elif isinstance(body, str):
            body = body.encode("utf-8")
        elif hasattr(body, "read"):
            body = body.read()
        headers = {name.lower(): (value.decode() if isinstance(value, bytes) else str(value))
                   for name, value in request.headers.items()}
        answer = self.application.handle(HttpRequest(request.method, url.path or "/", url.query, headers, bytes(body)),
                                         self.caller)
        return AWSResponse(request.url, answer.status, dict(answer.headers), _Body(answer.body))


def _normalize_policy_levels(params: dict, **_kwargs: Any) -> None:
    """An organization level given as one document (a string) is a level of one document."""
    for name in ("ServiceControlPolicyInputList", "ResourceControlPolicyInputList"):
        levels = params.get(name)
        if isinstance(levels, (list, tuple)):
            params[name] = [[level] if isinstance(level, str) else level for level in levels]


def client(service_name: str, *, region_name: Optional[str] = None, endpoint_url: Optional[str] = None,
           config: Optional[Config] = None, aws_access_key_id: Optional[str] = None,
           aws_secret_access_key: Optional[str] = None, aws_session_token: Optional[str] = None, **backend: Any):
    """botocore's client for ``"accessanalyzer"`` or ``"iam"``, answered by accessproof.

    Code written against boto3 ports by swapping ``boto3.client`` for ``accessproof.client``. The
    keyword arguments that are not boto3's configure accessproof: for Access Analyzer
    ``snapshot``, ``database``, ``cloudtrail_locations``, ... (``AccessAnalyzerClient``), for IAM
    ``snapshot`` (``IAMClient``); ``calling_service`` makes the client act as the named AWS service
    (service-linked analyzers). With ``endpoint_url`` the client calls that ``accessproof serve``
    instead; the server is configured where it runs, so no accessproof keyword is accepted then.
    """
    if service_name not in SERVICES:
        raise ValueError(f"Unknown service: {service_name!r}. Valid service names are: {', '.join(SERVICES)}")
    session = botocore_session()
    region = region_name or DEFAULT_REGION
    if endpoint_url is not None:
        if backend:
            raise TypeError(f"accessproof configuration ({', '.join(sorted(backend))}) belongs to the server "
                            "(accessproof serve), not to a client of it")
        made = session.create_client(service_name, region_name=region, endpoint_url=endpoint_url, config=config,
                                     aws_access_key_id=aws_access_key_id, aws_secret_access_key=aws_secret_access_key,
                                     aws_session_token=aws_session_token)
    else:
        caller = Caller(backend.pop("calling_service", None))
        application = in_process_application(service_name, backend)
        merged = _IN_PROCESS_CONFIG.merge(config) if config is not None else _IN_PROCESS_CONFIG
        made = session.create_client(service_name, region_name=region, endpoint_url=IN_PROCESS_ENDPOINT, config=merged)
        made.meta.events.register(f"before-send.{made.meta.service_model.service_id.hyphenize()}",
                                  InProcessTransport(application, caller))
        _APPLICATIONS[made] = application
    if service_name == IAM:
        for operation in ("SimulateCustomPolicy", "SimulatePrincipalPolicy"):
            made.meta.events.register(f"before-parameter-build.iam.{operation}", _normalize_policy_levels)
    return made


def make_application(access_analyzer: Optional[dict] = None, iam: Optional[dict] = None) -> Application:
    """The protocol layer over backends configured by ``access_analyzer`` (``AccessAnalyzerClient``'s
    keyword arguments) and ``iam`` (``IAMClient``'s), each created on first use."""
    from .accessanalyzer import AccessAnalyzerClient
    from .iam import IAMClient

    return Application(lambda: AccessAnalyzerClient(**(access_analyzer or {})), lambda: IAMClient(**(iam or {})))


def in_process_application(service_name: str, backend: dict) -> Application:
    """The protocol layer of one client: ``backend`` configures the backend of ``service_name``."""
    return make_application(backend, None) if service_name == ACCESS_ANALYZER else make_application(None, backend)


def application_of(made: Any) -> Application:
    """The in-process application behind a client of ``accessproof.client`` (e.g. to reach its
    backend: ``application_of(client).backend("accessanalyzer")``)."""
    try:
        return _APPLICATIONS[made]
    except KeyError:
        raise ValueError("not an in-process client of accessproof.client") from None
