"""What every resource collector shares: AWS clients, calls whose outcome becomes a snapshot file, and
the resource being collected.

A call's outcome is kept as the AWS CLI would leave it (docs/snapshot.md):

- an answer: ``<command>.json``, the response as the AWS CLI prints it (``ResponseMetadata`` dropped,
  times in ISO 8601, blobs in base64, paginated lists merged as the CLI merges them);
- a refusal (``AccessDenied``, ...): ``<command>.error``, the CLI's line ``An error occurred (<code>)
  when calling the <Operation> operation: <message>``; the loader makes the part unreadable and the
  analyzer reports an ``ACCESS_DENIED`` error finding;
- "no such configuration" (``NoSuchBucketPolicy``, ...): the error line for a resource's main response
  (so that every resource has a directory: the snapshot lists what exists, and the analyzer records it
  as analysed) and where the absence means something (a Lambda function URL); no file otherwise;
- the resource itself is gone (deleted between listing and reading): ``ResourceGone``, no directory;
- anything else (throttled past the retries, a server error, no connection): ``CallFailed``. The
  resource is then *not* written at all — a partial directory would silently lose access (grants read
  but not the policy) — and the run reports it.
"""

from __future__ import annotations

import base64
import json
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Mapping, Optional, Sequence

from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from ..responses import ACCESS_DENIED_CODES, NOT_FOUND_CODES

# What a call to AWS raises when AWS (or the way to it) fails: an answer with an error code, or none
# (botocore's own errors; an answer it cannot parse, e.g. an HTML error page, is not one of them).
AWS_ERRORS = (ClientError, BotoCoreError, ResponseParserError)

# The standard retry mode (botocore's "standard": exponential backoff with jitter on throttling and
# transient errors, a retry quota) with more attempts than its default 3: a collection makes
# thousands of calls and a throttled call that gives up makes a resource unreadable for this run.
DEFAULT_MAX_ATTEMPTS = 10


MAX_MESSAGE = 400


class CallFailed(Exception):
    """A call that failed without an answer the snapshot can keep; ``str(e)`` is one line."""

    def __init__(self, message: str) -> None:
        line = " ".join(str(message).split())
        super().__init__(line if len(line) <= MAX_MESSAGE else line[:MAX_MESSAGE - 1] + "…")


class ResourceGone(Exception):
    """The resource no longer exists (deleted since it was listed, or named by an event of its deletion)."""


ClientFactory = Callable[[str, str], Any]  # (service, Region) → boto3 client


def _strip_account_host(request: Any, **_: Any) -> None:
    """S3 Control puts the account id in the host name (``<account>.s3-control...``); a local endpoint
    (``--endpoint-url``) has no such names, and routes by path."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(request.url)
    host, _, rest = parts.netloc.partition(".")
    if host.isdigit() and len(host) == 12 and rest:
        request.url = urlunsplit(parts._replace(netloc=rest))


class AwsClients:
    """boto3 clients per (service, Region), made once and shared by threads (boto3 clients are
    thread-safe; sessions are not, so they are made under a lock)."""

    def __init__(self, session: Any, *, endpoint_url: Optional[str] = None,
                 max_attempts: int = DEFAULT_MAX_ATTEMPTS, max_pool_connections: int = 32) -> None:
        from botocore.config import Config

        self.session = session
        self.endpoint_url = endpoint_url
        self._config = Config(retries={"mode": "standard", "max_attempts": max_attempts},
                              max_pool_connections=max_pool_connections)
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    def __call__(self, service: str, region: str) -> Any:
        with self._lock:
            client = self._clients.get((service, region))
            if client is None:
                client = self.session.client(service, region_name=region, endpoint_url=self.endpoint_url,
                                             config=self._config)
                if self.endpoint_url and service == "s3control":
                    client.meta.events.register_first("before-send.s3-control", _strip_account_host)
                self._clients[(service, region)] = client
            return client


def _plain(value: Any) -> Any:
    """A boto3 value as the AWS CLI prints it in JSON."""
    if isinstance(value, datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)
        return moment.astimezone(timezone.utc).isoformat()
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "read"):  # a streaming body
        return _plain(value.read())
    return value


def cli_json(response: Mapping[str, Any]) -> bytes:
    """The response as ``aws ... --output json`` prints it."""
    return (json.dumps(_plain(response), indent=4, ensure_ascii=False) + "\n").encode("utf-8")


def error_code(error: Exception) -> Optional[str]:
    response = getattr(error, "response", None)
    if isinstance(response, Mapping):
        return response.get("Error", {}).get("Code") or None
    return None


def cli_error_line(error: Exception) -> bytes:
    """The line the AWS CLI prints on standard error for a failed call (botocore's ClientError text)."""
    return f"\n{error}\n".encode("utf-8")


@dataclass(frozen=True)
class ResourceRef:
    """One resource to collect: its type, Region, directory in the snapshot and what the calls need."""

    resource_type: str
    region: str
    directory: tuple[str, ...]  # snapshot-relative, e.g. ("s3", "my-bucket")
    ids: tuple[tuple[str, str], ...] = ()
    listing: Optional[Mapping[str, Any]] = field(default=None, compare=False, hash=False)  # the listed item

    def get(self, name: str) -> str:
        return dict(self.ids)[name]

    @property
    def path(self) -> str:
        return "/".join(self.directory)


def ref(resource_type: str, region: str, directory: Sequence[str], listing: Optional[Mapping[str, Any]] = None,
        **ids: str) -> ResourceRef:
    return ResourceRef(resource_type, region, tuple(directory), tuple(sorted(ids.items())), listing)


def directory_name(name: str) -> str:
    """A resource name as a directory name: ``/`` is written ``%2F`` (docs/snapshot.md)."""
    return name.replace("/", "%2F")


@dataclass
class Responses:
    """The files of one resource directory, built in memory and written only when complete."""

    files: dict[str, bytes] = field(default_factory=dict)  # relative path → content

    def call(self, file: str, operation: Callable[..., Any], *, keep_not_found: bool = False,
             gone: Iterable[str] = (), **kwargs: Any) -> Optional[dict[str, Any]]:
        """Run one call and keep its outcome as ``file`` (``<command>.json``, relative to the resource
        directory). Returns the response, or None when AWS refused it or there is no such thing.
        ``gone``: error codes that mean the resource itself no longer exists."""
        try:
            response = operation(**kwargs)
        except AWS_ERRORS as error:
            self._outcome(file, error, keep_not_found, frozenset(gone))
            return None
        self.files[file] = cli_json(response)
        return response

    def paginate(self, file: str, client: Any, operation: str, *, keep_not_found: bool = False,
                 gone: Iterable[str] = (), **kwargs: Any) -> Optional[dict[str, Any]]:
        """Like ``call``, merging every page as the AWS CLI does (botocore's paginator)."""
        return self.call(file, lambda **kw: client.get_paginator(operation).paginate(**kw).build_full_result(),
                         keep_not_found=keep_not_found, gone=gone, **kwargs)

    def probe(self, operation: Callable[..., Any], *, gone: Iterable[str] = (), **kwargs: Any) -> Any:
        """A call whose answer is needed but not kept (it is no snapshot file): existence, listings of
        a resource's parts. ``ResourceGone`` for ``gone`` codes, ``CallFailed`` for any other failure."""
        try:
            return operation(**kwargs)
        except AWS_ERRORS as error:
            code = error_code(error)
            if code is not None and code in frozenset(gone):
                raise ResourceGone(f"{code}") from None
            raise CallFailed(str(error).strip() if code else f"{type(error).__name__}: {error}") from None

    def put(self, file: str, response: Mapping[str, Any]) -> None:
        """A response obtained otherwise (a listing item written as the single-item describe)."""
        self.files[file] = cli_json(response)

    def _outcome(self, file: str, error: Exception, keep_not_found: bool, gone: frozenset[str]) -> None:
        code = error_code(error)
        error_file = file.removesuffix(".json") + ".error"
        if code is None:
            raise CallFailed(f"{file}: {type(error).__name__}: {error}") from None
        if code in gone:
            raise ResourceGone(f"{file}: {code}") from None
        if code in ACCESS_DENIED_CODES:
            self.files[error_file] = cli_error_line(error)
        elif code in NOT_FOUND_CODES:
            if keep_not_found:
                self.files[error_file] = cli_error_line(error)
        else:
            raise CallFailed(f"{file}: {str(error).strip()}") from None


def call_or_fail(operation: Callable[..., Any], what: str, **kwargs: Any) -> Any:
    """A call whose failure ends the collection of a part (a listing): ``CallFailed`` with one line."""
    try:
        return operation(**kwargs)
    except AWS_ERRORS as error:
        code = error_code(error)
        raise CallFailed(f"{what}: {str(error).strip() if code else f'{type(error).__name__}: {error}'}") from None


def paginate_all(client: Any, operation: str, key: str, **kwargs: Any) -> list[Any]:
    """Every item of a paginated listing (``CallFailed`` when a page fails)."""
    def run() -> list[Any]:
        items: list[Any] = []
        for page in client.get_paginator(operation).paginate(**kwargs):
            items.extend(page.get(key, []))
        return items
    return call_or_fail(run, f"{client.meta.service_model.service_name} {operation}")


class AccountMemo:
    """Values computed once per account and shared by its Regions (the bucket list, ...)."""

    def __init__(self) -> None:
        self._values: dict[str, Any] = {}
        self._lock = threading.Lock()

    def get(self, key: str, compute: Callable[[], Any]) -> Any:
        with self._lock:  # held while computing: the other Regions wait for the one answer
            if key not in self._values:
                self._values[key] = compute()
            return self._values[key]


@dataclass(frozen=True)
class RegionContext:
    """What a collector needs to list and read the resources of one account in one Region."""

    clients: ClientFactory
    account_id: str
    partition: str
    region: str
    memo: AccountMemo = field(default_factory=AccountMemo, compare=False)

    def client(self, service: str) -> Any:
        return self.clients(service, self.region)

    def arn(self, service: str, resource: str, region: Optional[str] = None, account: Optional[str] = None) -> str:
        return (f"arn:{self.partition}:{service}:{self.region if region is None else region}:"
                f"{self.account_id if account is None else account}:{resource}")
