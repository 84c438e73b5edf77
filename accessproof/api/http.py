"""An HTTP request and response as the protocol layer sees them: plain data, no server.

The ASGI application (``asgi``) and the in-process transport of ``accessproof.client`` both turn
their requests into ``HttpRequest`` and answer with ``HttpResponse``, so the same code answers both.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional
from urllib.parse import parse_qsl


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str  # as sent: still percent-encoded (labels may contain an encoded "/")
    query: str = ""  # the raw query string, without "?"
    headers: Mapping[str, str] = field(default_factory=dict)  # names in lower case
    body: bytes = b""

    def header(self, name: str, default: Optional[str] = None) -> Optional[str]:
        return self.headers.get(name.lower(), default)

    def query_items(self) -> list[tuple[str, str]]:
        return parse_qsl(self.query, keep_blank_values=True)


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: Mapping[str, str]
    body: bytes


def new_request_id() -> str:
    return str(uuid.uuid4())


def json_response(status: int, body: Any, request_id: str, headers: Optional[Mapping[str, str]] = None) -> HttpResponse:
    payload = json.dumps(body, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()
    return HttpResponse(status, {"content-type": "application/json", "x-amzn-requestid": request_id,
                                 **(headers or {})}, payload)


def json_error(status: int, code: str, message: str, request_id: str, members: Optional[Mapping[str, Any]] = None,
               headers: Optional[Mapping[str, str]] = None) -> HttpResponse:
    """A REST-JSON error as AWS sends it: the code in ``x-amzn-ErrorType``, the message and the
    error shape's members in the body."""
    body = {"message": message, **(members or {})}
    return json_response(status, body, request_id, {"x-amzn-errortype": code, **(headers or {})})
