"""``accessproof serve``: Access Analyzer's REST-JSON API (and IAM's simulator) over HTTP.

Point boto3 (``endpoint_url``), the AWS CLI (``--endpoint-url``) or any tool built on them
(``AWS_ENDPOINT_URL_ACCESSANALYZER``) at it. Requests must be signed (SigV4) with the credentials
the server is given (``--access-key-id``/``--secret-access-key`` or ``ACCESSPROOF_SERVE_ACCESS_KEY_ID``/
``ACCESSPROOF_SERVE_SECRET_ACCESS_KEY``; when none are given a pair is generated and printed).
``--no-auth`` accepts unsigned requests, on a loopback address only.
"""

from __future__ import annotations

import ipaddress
import logging
import secrets
import sys
from typing import List, Optional

import typer

from .inputs import InputError

DATABASE_HELP = "Database URL for analyzers, findings and generation jobs (sqlite:///path or postgresql://...); " \
                "default the SQLite file accessproof.db."


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _service_credentials(values: List[str]) -> dict:
    from ..api.sigv4 import Principal

    out = {}
    for value in values:
        name, sep, pair = value.partition("=")
        key, colon, secret = pair.partition(":")
        if not sep or not colon or not name or not key or not secret:
            raise InputError(f"--service-credentials takes SERVICE=ACCESS_KEY_ID:SECRET, not {value!r}")
        out[key] = Principal(secret, service=name)
    return out


def _trails(values: List[str]) -> dict[str, str]:
    out = {}
    for value in values:
        arn, sep, location = value.partition("=")
        if not sep or not arn.startswith("arn:") or not location:
            raise InputError(f"--cloudtrail takes TRAIL_ARN=LOCATION (a folder or s3:// URL), not {value!r}")
        out[arn] = location
    return out


def _positive(value: float, option: str) -> None:
    if value <= 0:
        raise InputError(f"{option} must be positive, not {value:g}")


def serve_command(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (loopback by default)."),
    port: int = typer.Option(8080, "--port", help="Port to listen on."),
    snapshot: Optional[List[str]] = typer.Option(None, "--snapshot", help="Account snapshot directory or organization folder that external access analyzers analyse (repeatable); also the principals SimulatePrincipalPolicy reads."),
    database: Optional[str] = typer.Option(None, "--database", help=DATABASE_HELP),
    cloudtrail: Optional[List[str]] = typer.Option(None, "--cloudtrail", help="TRAIL_ARN=LOCATION: where a trail's logs are (a folder or s3:// URL), for StartPolicyGeneration (repeatable)."),
    access_key_id: Optional[str] = typer.Option(None, "--access-key-id", envvar="ACCESSPROOF_SERVE_ACCESS_KEY_ID", help="The access key id requests must be signed with."),
    secret_access_key: Optional[str] = typer.Option(None, "--secret-access-key", envvar="ACCESSPROOF_SERVE_SECRET_ACCESS_KEY", help="Its secret access key."),
    session_token: Optional[str] = typer.Option(None, "--session-token", envvar="ACCESSPROOF_SERVE_SESSION_TOKEN", help="A session token requests must carry (temporary credentials)."),
    service_credentials: Optional[List[str]] = typer.Option(None, "--service-credentials", help="SERVICE=ACCESS_KEY_ID:SECRET: credentials of an AWS service acting for the account (e.g. IAMRoleManager, which may create service-linked analyzers); repeatable."),
    no_auth: bool = typer.Option(False, "--no-auth", help="Accept unsigned requests (loopback addresses only)."),
    max_body_bytes: int = typer.Option(4 << 20, "--max-body-bytes", help="Largest request body accepted (413 beyond)."),
    request_timeout: float = typer.Option(60.0, "--request-timeout", help="Seconds a request may take before it is answered with an error."),
    max_concurrent: int = typer.Option(4, "--max-concurrent", help="Requests worked on at once."),
    max_queued: int = typer.Option(64, "--max-queued", help="Requests waiting for a worker before new ones are throttled (429)."),
    access_log: bool = typer.Option(False, "--access-log", help="One JSON line per request on standard error."),
    no_console: bool = typer.Option(False, "--no-console", help="Serve the API only, without the web console at /console."),
    secure_cookies: bool = typer.Option(False, "--secure-cookies", help="Mark the console's session cookie Secure (when a TLS proxy is in front)."),
) -> None:
    """Serve Access Analyzer's API (and IAM's SimulateCustomPolicy/SimulatePrincipalPolicy) over HTTP, and the web console at /console."""
    import uvicorn

    from ..api.asgi import ServeSettings, create_app
    from ..api.client import make_application
    from ..api.sigv4 import Principal

    for value, option in ((request_timeout, "--request-timeout"), (max_body_bytes, "--max-body-bytes"),
                          (max_concurrent, "--max-concurrent")):
        _positive(value, option)
    if max_queued < 0:
        raise InputError("--max-queued must not be negative")
    if not 0 <= port <= 65535:
        raise InputError(f"--port must be between 0 and 65535, not {port}")
    if no_auth and not is_loopback(host):
        raise InputError(f"--no-auth is refused on {host}: unsigned requests are accepted on a loopback address only")
    credentials: dict = {}
    if not no_auth:
        if (access_key_id is None) != (secret_access_key is None):
            raise InputError("give both --access-key-id and --secret-access-key (or neither, to have a pair generated)")
        if access_key_id is None:
            access_key_id = "AKAP" + secrets.token_hex(8).upper()
            secret_access_key = secrets.token_urlsafe(30)
            print("accessproof serve: no credentials given; sign requests with\n"
                  f"  export AWS_ACCESS_KEY_ID={access_key_id} AWS_SECRET_ACCESS_KEY={secret_access_key}",
                  file=sys.stderr)
        credentials[access_key_id] = Principal(secret_access_key, session_token)
        credentials.update(_service_credentials(service_credentials or []))
    if not is_loopback(host):
        print(f"accessproof serve: listening on {host}, not a loopback address: requests and responses travel "
              "unencrypted (put a TLS proxy in front)", file=sys.stderr)
    backend: dict = {"analyze_in_background": True}  # long analyses never hold a request (AWS's CREATING)
    if snapshot:
        backend["snapshot"] = snapshot[0] if len(snapshot) == 1 else list(snapshot)
    if database is not None:
        backend["database"] = database
    if cloudtrail:
        backend["cloudtrail_locations"] = _trails(cloudtrail)
    application = make_application(backend, {"snapshot": backend["snapshot"]} if "snapshot" in backend else {})
    settings = ServeSettings(credentials=credentials, auth=not no_auth, max_body_bytes=max_body_bytes,
                             request_timeout=request_timeout, max_concurrent=max_concurrent, max_queued=max_queued)
    if access_log:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger = logging.getLogger("accessproof.serve.access")
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    mounts = []
    if not no_console:
        from ..console import ConsoleSettings, create_console

        logins = None if no_auth else {key: p.secret_access_key for key, p in credentials.items() if p.service is None}
        mounts.append(("/console", create_console(application, ConsoleSettings(
            credentials=logins, snapshot=backend.get("snapshot"), secure_cookies=secure_cookies))))
    app = create_app(application, settings, mounts=mounts)
    print(f"accessproof serve: http://{host}:{port} ({'unsigned requests accepted' if no_auth else 'SigV4 required'})",
          file=sys.stderr, flush=True)
    if not no_console:
        print(f"accessproof serve: console at http://{host}:{port}/console/"
              f"{'' if no_auth else ' (log in with the access key id and secret access key)'}", file=sys.stderr, flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, server_header=False,
                date_header=True)
