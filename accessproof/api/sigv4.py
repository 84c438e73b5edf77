"""AWS Signature Version 4, checked by recomputing it with botocore's own signer.

``verify`` takes a received request and the credentials the server knows, and returns who signed
it, or the error AWS answers (its code, HTTP status and wording): ``MissingAuthenticationToken``
for no signature, ``IncompleteSignature`` for a malformed one, ``UnrecognizedClient`` for an
unknown access key, ``InvalidSignature`` for a wrong or expired one (AWS refuses a request whose
``X-Amz-Date`` is more than 15 minutes away from the server's clock).
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from hashlib import sha256
from typing import Callable, Mapping, Optional, Union

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from .http import HttpRequest

SIGV4_TIMESTAMP = "%Y%m%dT%H%M%SZ"
# AWS's window (Signature Version 4 docs: a request is refused 15 minutes after its date stamp,
# or when its date stamp is more than 15 minutes in the future).
CLOCK_SKEW = timedelta(minutes=15)
_AUTHORIZATION = re.compile(r"^AWS4-HMAC-SHA256\s+(.*)$")


@dataclass(frozen=True)
class Principal:
    """A configured credential: its secret and who signs with it (``service``: an AWS service
    acting for the customer, None: the customer)."""

    secret_access_key: str
    session_token: Optional[str] = None
    service: Optional[str] = None


@dataclass(frozen=True)
class AuthError(Exception):
    code: str
    status: int
    message: str

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


MISSING = "MissingAuthenticationTokenException"
INCOMPLETE = "IncompleteSignatureException"
UNRECOGNIZED = "UnrecognizedClientException"
INVALID = "InvalidSignatureException"
_MISMATCH = ("The request signature we calculated does not match the signature you provided. Check your AWS "
             "Secret Access Key and signing method. Consult the service documentation for details.")


def _fields(value: str) -> dict[str, str]:
    out = {}
    for part in value.split(","):
        key, sep, item = part.strip().partition("=")
        if not sep:
            raise AuthError(INCOMPLETE, 403, f"Authorization header requires a key=value list, got '{part.strip()}'")
        out[key] = item
    return out


def verify(request: HttpRequest, credentials: Mapping[str, Principal], signing_name: Union[str, tuple[str, ...]],
           now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> tuple[str, Principal]:
    """(access key id, principal) of a correctly signed request; raises AuthError."""
    header = request.header("authorization")
    if not header:
        raise AuthError(MISSING, 403, "Missing Authentication Token")
    match = _AUTHORIZATION.match(header.strip())
    if match is None:
        raise AuthError(INCOMPLETE, 403, "Authorization header must use the AWS4-HMAC-SHA256 algorithm")
    fields = _fields(match.group(1))
    for name in ("Credential", "SignedHeaders", "Signature"):
        if not fields.get(name):
            raise AuthError(INCOMPLETE, 403, f"Authorization header requires '{name}' parameter")
    scope = fields["Credential"].split("/")
    if len(scope) != 5 or scope[4] != "aws4_request":
        raise AuthError(INCOMPLETE, 403, "Credential must have the form <key>/<date>/<region>/<service>/aws4_request")
    access_key, day, region, service, _ = scope
    principal = credentials.get(access_key)
    if principal is None:
        raise AuthError(UNRECOGNIZED, 403, "The security token included in the request is invalid.")
    token = request.header("x-amz-security-token")
    if token != principal.session_token and (token is not None or principal.session_token is not None):
        raise AuthError(UNRECOGNIZED, 403, "The security token included in the request is invalid.")
    stamp = request.header("x-amz-date")
    if not stamp:
        raise AuthError(INCOMPLETE, 403, "Authorization header requires existence of either a 'X-Amz-Date' or "
                                         "a 'Date' header")
    try:
        signed_at = datetime.strptime(stamp, SIGV4_TIMESTAMP).replace(tzinfo=timezone.utc)
    except ValueError:
        raise AuthError(INCOMPLETE, 403, f"X-Amz-Date must have the form {SIGV4_TIMESTAMP}, got '{stamp}'") from None
    current = now()
    if signed_at < current - CLOCK_SKEW:
        raise AuthError(INVALID, 403, f"Signature expired: {stamp} is now earlier than "
                                      f"{(current - CLOCK_SKEW).strftime(SIGV4_TIMESTAMP)} "
                                      f"({current.strftime(SIGV4_TIMESTAMP)} - 15 min.)")
    if signed_at > current + CLOCK_SKEW:
        raise AuthError(INVALID, 403, f"Signature not yet current: {stamp} is still later than "
                                      f"{(current + CLOCK_SKEW).strftime(SIGV4_TIMESTAMP)} "
                                      f"({current.strftime(SIGV4_TIMESTAMP)} + 15 min.)")
    if day != stamp[:8]:
        raise AuthError(INVALID, 403, f"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of "
                                      f"date from HTTP: '{day}' != '{stamp[:8]}', from '{stamp}'.")
    names = (signing_name,) if isinstance(signing_name, str) else signing_name
    if service not in names:
        raise AuthError(INVALID, 403, f"Credential should be scoped to correct service: '{names[0]}'. ")
    signed = [h for h in fields["SignedHeaders"].split(";") if h]
    if "host" not in signed:
        raise AuthError(INVALID, 403, "'Host' must be a 'SignedHeader' in the AWS Authorization.")
    missing = [h for h in signed if request.header(h) is None]
    if missing:
        raise AuthError(INVALID, 403, f"The request signs header '{missing[0]}' but does not send it")
    declared_hash = request.header("x-amz-content-sha256")
    if declared_hash is not None and declared_hash != sha256(request.body).hexdigest():
        raise AuthError(INVALID, 403, "The provided 'x-amz-content-sha256' header does not match what was computed.")
    expected = _signature(request, signed, access_key, principal, region, service, stamp)
    if expected is None or not hmac.compare_digest(expected, fields["Signature"]):
        raise AuthError(INVALID, 403, _MISMATCH)
    return access_key, principal


def _signature(request: HttpRequest, signed: list[str], access_key: str, principal: Principal, region: str,
               service: str, stamp: str) -> Optional[str]:
    """The signature botocore's SigV4Auth computes over the signed headers of ``request``, or
    None when the client signed headers botocore would not (then it cannot match)."""
    host = request.header("host")
    url = f"http://{host}{request.path}" + (f"?{request.query}" if request.query else "")
    prepared = AWSRequest(method=request.method.upper(), url=url,
                          headers={name: request.header(name) for name in signed}, data=request.body)
    prepared.context["timestamp"] = stamp
    signer = SigV4Auth(Credentials(access_key, principal.secret_access_key, principal.session_token), service, region)
    if signer.signed_headers(signer.headers_to_sign(prepared)) != ";".join(sorted(signed)):
        return None
    canonical = signer.canonical_request(prepared)
    return signer.signature(signer.string_to_sign(prepared, canonical), prepared)
