"""``accessproof serve``'s ASGI application (Starlette): signature, limits, then the protocol layer.

Every request is read with a cap on its body (413 ``RequestEntityTooLargeException`` past
``max_body_bytes``), checked for a SigV4 signature made with the configured credentials
(``sigv4.verify``; skipped only with ``auth=False``, which the command allows on loopback only),
read by the protocol layer, then run on a worker thread: at most ``max_concurrent`` at a time, at
most ``max_queued`` waiting (beyond that, or when no worker frees up before the deadline: 429
``ThrottlingException``, nothing done). A call that has not answered ``request_timeout`` seconds
after it arrived gets a 500 ``InternalServerException`` saying so; its worker finishes the work and
only then frees its place, so the limit counts real work.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Sequence

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from .application import CUSTOMER, Application, Call, Caller
from .http import HttpRequest, HttpResponse, json_error, new_request_id
from .query import xml_error
from .service_model import ACCESS_ANALYZER, IAM
from .sigv4 import INCOMPLETE, INVALID, MISSING, UNRECOGNIZED, AuthError, Principal, verify

log = logging.getLogger("accessproof.serve")
access_log = logging.getLogger("accessproof.serve.access")

DEFAULT_MAX_BODY_BYTES = 4 << 20  # two 1 MiB policy documents of CheckNoNewAccess, JSON-escaped
DEFAULT_REQUEST_TIMEOUT = 60.0
DEFAULT_MAX_CONCURRENT = 4
DEFAULT_MAX_QUEUED = 64
SIGNING_NAMES = {ACCESS_ANALYZER: "access-analyzer", IAM: "iam"}
# IAM (query protocol) names the same authentication failures differently (IAM API Reference,
# Common Errors).
_IAM_AUTH_CODES = {MISSING: "MissingAuthenticationToken", INCOMPLETE: "IncompleteSignature",
                   UNRECOGNIZED: "InvalidClientTokenId", INVALID: "SignatureDoesNotMatch"}
_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]


@dataclass(frozen=True)
class ServeSettings:
    credentials: Mapping[str, Principal] = field(default_factory=dict)
    auth: bool = True
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT
    max_concurrent: int = DEFAULT_MAX_CONCURRENT
    max_queued: int = DEFAULT_MAX_QUEUED


class _TooLarge(Exception):
    pass


class Server:
    """The state of one running server: its protocol layer, workers and limits."""

    def __init__(self, application: Application, settings: ServeSettings):
        if settings.auth and not settings.credentials:
            raise ValueError("a server with authentication needs at least one credential")
        self.application = application
        self.settings = settings
        self._executor = ThreadPoolExecutor(max_workers=settings.max_concurrent, thread_name_prefix="accessproof-serve")
        self._slots: Optional[asyncio.Semaphore] = None
        self._waiting = 0

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    # --- the endpoint -------------------------------------------------------------------------
    async def endpoint(self, request: Request) -> Response:
        started = time.monotonic()
        request_id = new_request_id()
        try:
            answer, operation = await self._answer(request, request_id, started)
        except Exception as e:  # noqa: BLE001 - a bug of ours: logged, answered in one line
            log.exception("request %s failed", request_id)
            answer, operation = json_error(500, "InternalServerException",
                                           f"accessproof internal error: {type(e).__name__}", request_id), None
        if access_log.isEnabledFor(logging.INFO):
            access_log.info(json.dumps({
                "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "requestId": request_id,
                "method": request.method, "path": request.url.path, "operation": operation,
                "status": answer.status, "ms": round((time.monotonic() - started) * 1000, 1),
                "client": request.client.host if request.client else None}))
        return Response(answer.body, status_code=answer.status, headers=dict(answer.headers))

    async def _answer(self, request: Request, request_id: str, started: float) -> tuple[HttpResponse, Optional[str]]:
        try:
            body = await self._body(request)
        except _TooLarge:
            return json_error(413, "RequestEntityTooLargeException",
                              f"Request body is larger than the limit of {self.settings.max_body_bytes} bytes "
                              "(accessproof serve --max-body-bytes)", request_id), None
        except ClientDisconnect:
            return json_error(400, "RequestAbortedException", "The client closed the connection", request_id), None
        raw_path = request.scope.get("raw_path") or request.scope["path"].encode()
        http_request = HttpRequest(
            method=request.method, path=raw_path.decode("latin-1").split("?", 1)[0],
            query=request.scope.get("query_string", b"").decode("latin-1"),
            headers={name.decode("latin-1").lower(): value.decode("latin-1")
                     for name, value in request.scope["headers"]},
            body=body)
        service = IAM if self.application.is_query_request(http_request) else ACCESS_ANALYZER
        caller = CUSTOMER
        if self.settings.auth:
            try:
                _, principal = verify(http_request, self.settings.credentials, SIGNING_NAMES[service])
            except AuthError as e:
                return self._auth_error(service, e, request_id), None
            caller = Caller(principal.service)
        call = self.application.read(http_request, request_id)
        if isinstance(call, HttpResponse):
            return call, None
        return await self._run(call, caller, request_id, started), call.operation.name

    async def _body(self, request: Request) -> bytes:
        limit = self.settings.max_body_bytes
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise _TooLarge()
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise _TooLarge()
            chunks.append(chunk)
        return b"".join(chunks)

    def _auth_error(self, service: str, error: AuthError, request_id: str) -> HttpResponse:
        if service == IAM:
            return xml_error(error.status, _IAM_AUTH_CODES.get(error.code, error.code), error.message, request_id,
                             self.application.models[IAM].metadata.get("xmlNamespace"))
        return json_error(error.status, error.code, error.message, request_id)

    # --- work on the workers ------------------------------------------------------------------
    async def _run(self, call: Call, caller: Caller, request_id: str, started: float) -> HttpResponse:
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.settings.max_concurrent)
        deadline = started + self.settings.request_timeout
        if self._waiting >= self.settings.max_queued:
            return self._throttled(call, request_id, "too many requests are waiting")
        self._waiting += 1
        try:
            await asyncio.wait_for(self._slots.acquire(), max(0.0, deadline - time.monotonic()))
        except (asyncio.TimeoutError, TimeoutError):
            return self._throttled(call, request_id, "no worker became free in time")
        finally:
            self._waiting -= 1
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._executor, self.application.execute, call, caller, request_id, deadline)
        future.add_done_callback(lambda _: self._slots.release())  # when the work is really over
        try:
            return await asyncio.wait_for(asyncio.shield(future), max(0.0, deadline - time.monotonic()))
        except (asyncio.TimeoutError, TimeoutError):
            return self.application.error(
                call.service, "InternalServerException",
                f"{call.operation.name} did not finish within {self.settings.request_timeout:g} s "
                "(accessproof serve --request-timeout); no result was produced", request_id)

    def _throttled(self, call: Call, request_id: str, why: str) -> HttpResponse:
        return self.application.error(call.service, "ThrottlingException", f"Rate exceeded: {why}", request_id,
                                      headers={"retry-after": "1"})


def _redirect_to(target: str):
    async def redirect(_request: Request) -> Response:
        return RedirectResponse(target, status_code=307)
    return redirect


def create_app(application: Application, settings: ServeSettings,
               mounts: Sequence[tuple[str, Any]] = ()) -> Starlette:
    """The Starlette application of ``accessproof serve``. ``mounts``: (path prefix, ASGI app)
    pairs served beside the API, e.g. the console at ``/console`` (``accessproof.cli.serve``
    composes them: this layer knows no layer above it); ``GET /`` leads to the first. The API's signature check does not apply
    to them; each mounted app authenticates its own requests."""
    server = Server(application, settings)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette):
        yield
        server.close()

    routes: list[BaseRoute] = []
    if mounts:  # a browser pointed at the server lands on the first mounted app (no API operation is GET /)
        routes.append(Route("/", _redirect_to(mounts[0][0] + "/"), methods=["GET", "HEAD"]))
    for path, mounted in mounts:
        routes.append(Route(path, _redirect_to(path + "/"), methods=["GET", "HEAD"]))  # /console → /console/
        routes.append(Mount(path, app=mounted))
    routes.append(Route("/{path:path}", server.endpoint, methods=_METHODS))
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.server = server
    return app
