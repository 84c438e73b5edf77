"""``accessproof serve``: SigV4 authentication, limits, and bad requests.

Bad requests get the model's error (or AWS's common error), never a 500 and never a traceback.
Authentication and bad requests are checked against the real command (a subprocess); the limits
(deadline, workers, queue) against the same ASGI application run by uvicorn in a thread, with a
backend whose calls take as long as the test says.
"""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from unittest import mock

import pytest
import uvicorn
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from accessproof.api.application import Application
from accessproof.api.asgi import ServeSettings, create_app
from accessproof.api.sigv4 import Principal

from .conftest import ACCESS_KEY, ROOT, SECRET_KEY, boto3_client, free_port, start_serve, stop_serve

POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]})
VALIDATE = "/policy/validation"


def raw(endpoint: str, method: str, path: str, body: bytes = b"", headers: dict | None = None,
        sign: tuple[str, str] | None = (ACCESS_KEY, SECRET_KEY), at: datetime | None = None,
        service: str = "access-analyzer") -> tuple[int, dict, bytes]:
    """One HTTP request, signed like botocore signs (optionally at another time)."""
    host = endpoint.split("//", 1)[1]
    request = AWSRequest(method=method, url=endpoint + path, data=body,
                         headers={"Content-Type": "application/json", **(headers or {})})
    if sign is not None:
        signer = SigV4Auth(Credentials(*sign), service, "us-east-1")
        if at is None:
            signer.add_auth(request)
        else:
            with mock.patch("botocore.auth.get_current_datetime", return_value=at.replace(tzinfo=None)):
                signer.add_auth(request)
    prepared = request.prepare()
    connection = http.client.HTTPConnection(host, timeout=30)
    try:
        connection.request(method, path, body=body, headers=dict(prepared.headers))
        answer = connection.getresponse()
        return answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
    finally:
        connection.close()


def assert_error(answer: tuple[int, dict, bytes], status: int, code: str) -> dict:
    got_status, headers, body = answer
    assert (got_status, headers.get("x-amzn-errortype")) == (status, code), body
    assert b"Traceback" not in body and b'File "' not in body
    document = json.loads(body)
    assert document["message"] and "\n" not in document["message"]
    return document


def validate_body(document: object = POLICY) -> bytes:
    return json.dumps({"policyDocument": document, "policyType": "IDENTITY_POLICY"}).encode()


# ------------------------------------------------------------------------- authentication

def test_a_signed_request_is_answered(served):
    status, headers, body = raw(served.endpoint, "POST", VALIDATE, validate_body())
    assert status == 200 and headers["content-type"] == "application/json" and headers["x-amzn-requestid"]
    assert json.loads(body) == {"findings": []}


def test_missing_signature(served):
    assert_error(raw(served.endpoint, "POST", VALIDATE, validate_body(), sign=None), 403,
                 "MissingAuthenticationTokenException")


def test_wrong_secret(served):
    document = assert_error(raw(served.endpoint, "POST", VALIDATE, validate_body(), sign=(ACCESS_KEY, "wrong")),
                            403, "InvalidSignatureException")
    assert document["message"].startswith("The request signature we calculated does not match")
    with pytest.raises(ClientError) as raised:
        boto3_client(served.endpoint, secret="wrong").validate_policy(policyDocument=POLICY,
                                                                      policyType="IDENTITY_POLICY")
    assert raised.value.response["Error"]["Code"] == "InvalidSignatureException"


def test_unknown_access_key(served):
    assert_error(raw(served.endpoint, "POST", VALIDATE, validate_body(), sign=("AKIAUNKNOWN", SECRET_KEY)), 403,
                 "UnrecognizedClientException")


def test_expired_and_future_signatures(served):
    now = datetime.now(timezone.utc)
    expired = assert_error(raw(served.endpoint, "POST", VALIDATE, validate_body(), at=now - timedelta(minutes=20)),
                           403, "InvalidSignatureException")
    assert expired["message"].startswith("Signature expired")
    future = assert_error(raw(served.endpoint, "POST", VALIDATE, validate_body(), at=now + timedelta(minutes=20)),
                          403, "InvalidSignatureException")
    assert future["message"].startswith("Signature not yet current")
    # Within AWS's 15 minutes the request is accepted.
    assert raw(served.endpoint, "POST", VALIDATE, validate_body(), at=now - timedelta(minutes=10))[0] == 200


def test_a_body_changed_after_signing_is_refused(served):
    request = AWSRequest(method="POST", url=served.endpoint + VALIDATE, data=validate_body(),
                         headers={"Content-Type": "application/json"})
    SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "access-analyzer", "us-east-1").add_auth(request)
    headers = dict(request.prepare().headers)
    tampered = validate_body(POLICY.replace("GetObject", "*"))
    headers["Content-Length"] = str(len(tampered))
    connection = http.client.HTTPConnection(served.endpoint.split("//")[1], timeout=30)
    connection.request("POST", VALIDATE, body=tampered, headers=headers)
    answer = connection.getresponse()
    assert_error((answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()), 403,
                 "InvalidSignatureException")


def test_a_signature_for_another_service_is_refused(served):
    document = assert_error(raw(served.endpoint, "POST", VALIDATE, validate_body(), service="s3"), 403,
                            "InvalidSignatureException")
    assert "access-analyzer" in document["message"]


def test_malformed_authorization_header(served):
    assert_error(raw(served.endpoint, "POST", VALIDATE, validate_body(), sign=None,
                     headers={"Authorization": "AWS4-HMAC-SHA256 Credential=x"}), 403,
                 "IncompleteSignatureException")


def test_iam_query_errors_are_xml(served):
    status, headers, body = raw(served.endpoint, "POST", "/", b"Action=SimulateCustomPolicy&Version=2010-05-08",
                                headers={"Content-Type": "application/x-www-form-urlencoded"}, sign=None)
    assert status == 403 and b"<Code>MissingAuthenticationToken</Code>" in body
    status, _, body = raw(served.endpoint, "POST", "/", b"Action=CreateUser&Version=2010-05-08&UserName=x",
                          headers={"Content-Type": "application/x-www-form-urlencoded"}, service="iam")
    assert status == 400 and b"<Code>InvalidAction</Code>" in body


# ------------------------------------------------------------------------- bad requests

def test_malformed_json(served):
    document = assert_error(raw(served.endpoint, "POST", VALIDATE, b'{"policyDocument": '), 400,
                            "ValidationException")
    assert document["reason"] == "cannotParse"


@pytest.mark.parametrize("body, query, field", [
    ({"policyDocument": 5, "policyType": "IDENTITY_POLICY"}, "", "policyDocument"),
    ({"policyDocument": POLICY, "policyType": ["IDENTITY_POLICY"]}, "", "policyType"),
    ({"policyDocument": POLICY, "policyType": "IDENTITY_POLICY", "validatePolicyResourceType": True}, "",
     "validatePolicyResourceType"),
    ({"policyDocument": POLICY, "policyType": "IDENTITY_POLICY"}, "?maxResults=ten", "maxResults"),
])
def test_wrong_types(served, body, query, field):
    document = assert_error(raw(served.endpoint, "POST", VALIDATE + query, json.dumps(body).encode()), 400,
                            "ValidationException")
    assert document["reason"] == "fieldValidationFailed" and document["fieldList"][0]["name"] == field


def test_body_that_is_not_an_object(served):
    assert_error(raw(served.endpoint, "POST", VALIDATE, b"[1, 2]"), 400, "ValidationException")


def test_missing_required_members_are_named(served):
    document = assert_error(raw(served.endpoint, "POST", VALIDATE, b"{}"), 400, "ValidationException")
    assert document["message"].startswith("2 validation errors detected")
    assert {f["name"] for f in document["fieldList"]} == {"policyDocument", "policyType"}


def test_wrong_type_in_the_query_string(served):
    document = assert_error(raw(served.endpoint, "GET", "/analyzer?maxResults=many"), 400, "ValidationException")
    assert document["fieldList"][0]["name"] == "maxResults"


def test_unknown_operation(served):
    assert_error(raw(served.endpoint, "GET", "/no/such/operation"), 404, "UnknownOperationException")
    assert_error(raw(served.endpoint, "PATCH", VALIDATE, validate_body()), 404, "UnknownOperationException")


def test_oversized_body(served):
    big = validate_body("x" * (5 << 20))  # beyond the default 4 MiB
    status, headers, body = raw(served.endpoint, "POST", VALIDATE, big)
    assert (status, headers.get("x-amzn-errortype")) == (413, "RequestEntityTooLargeException")
    assert b"Traceback" not in body


def test_a_served_client_uses_the_same_backend_errors(served):
    client = boto3_client(served.endpoint)
    with pytest.raises(client.exceptions.ResourceNotFoundException) as raised:
        client.get_analyzer(analyzerName="nope")
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


# ------------------------------------------------------------------------- the command line

def _serve_exit(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "accessproof.cli.main", "serve", *arguments], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def test_no_auth_is_refused_off_loopback():
    done = _serve_exit("--no-auth", "--host", "0.0.0.0", "--port", str(free_port()))
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "--no-auth is refused on 0.0.0.0" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("arguments, fragment", [
    (["--request-timeout", "0"], "--request-timeout must be positive"),
    (["--access-key-id", "AK"], "give both --access-key-id and --secret-access-key"),
    (["--service-credentials", "nocolon"], "--service-credentials takes"),
])
def test_bad_options_are_one_line_errors(arguments, fragment):
    done = _serve_exit(*arguments, "--port", str(free_port()))
    assert done.returncode == 2 and fragment in done.stderr and "Traceback" not in done.stderr


def test_no_auth_on_loopback_accepts_unsigned_requests(tmp_path):
    running = start_serve(tmp_path, ["--no-auth", "--database", f"sqlite:///{tmp_path / 'n.db'}"])
    try:
        status, _, body = raw(running.endpoint, "POST", VALIDATE, validate_body(), sign=None)
        assert status == 200 and json.loads(body) == {"findings": []}
    finally:
        stop_serve(running)


def test_generated_credentials_are_printed_and_required(tmp_path):
    running = start_serve(tmp_path, ["--database", f"sqlite:///{tmp_path / 'g.db'}", "--access-log"])
    try:
        line = next(l for l in running.output().splitlines() if "AWS_ACCESS_KEY_ID=" in l)
        key = line.split("AWS_ACCESS_KEY_ID=")[1].split()[0]
        secret = line.split("AWS_SECRET_ACCESS_KEY=")[1].split()[0]
        assert raw(running.endpoint, "POST", VALIDATE, validate_body(), sign=None)[0] == 403
        assert raw(running.endpoint, "POST", VALIDATE, validate_body(), sign=(key, secret))[0] == 200
        time.sleep(0.2)
        logged = [json.loads(l) for l in running.output().splitlines() if l.startswith("{")]
        assert {(e["operation"], e["status"]) for e in logged} >= {(None, 403), ("ValidatePolicy", 200)}
    finally:
        stop_serve(running)


# ------------------------------------------------------------------------- limits

class SlowBackend:
    """validate_policy takes ``seconds``; check_no_new_access raises a bug."""

    def __init__(self):
        self.seconds = 0.0
        self.running = 0
        self.most = 0
        self.finished = 0
        self.lock = threading.Lock()

    def validate_policy(self, **_kwargs):
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(self.seconds)
        with self.lock:
            self.running -= 1
            self.finished += 1
        return {"findings": []}

    def check_no_new_access(self, **_kwargs):
        raise RuntimeError("a bug\nwith two lines")

    def check_no_public_access(self, **_kwargs):
        return {"result": "PASS", "message": "fine", "reasons": [], "unexpected": 1}


@pytest.fixture
def threaded():
    """The ASGI app on uvicorn in a thread: one worker, one waiting place, 1 s per request."""
    backend = SlowBackend()
    application = Application(lambda: backend, lambda: None)
    settings = ServeSettings(credentials={ACCESS_KEY: Principal(SECRET_KEY)}, request_timeout=1.0,
                             max_concurrent=1, max_queued=1, max_body_bytes=1000)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(application, settings), host="127.0.0.1", port=port,
                                           log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", backend
    server.should_exit = True
    thread.join(timeout=10)


def test_a_request_past_its_deadline_is_an_error_and_keeps_its_worker(threaded):
    endpoint, backend = threaded
    backend.seconds = 4.0  # well past the 1 s deadline of this request and of the next one
    document = assert_error(raw(endpoint, "POST", VALIDATE, validate_body()), 500, "InternalServerException")
    assert "did not finish within 1 s" in document["message"] and "no result" in document["message"]
    # The work goes on: its worker is not free, so the next request waits and is throttled.
    assert_error(raw(endpoint, "POST", VALIDATE, validate_body()), 429, "ThrottlingException")
    deadline = time.monotonic() + 10
    while backend.finished < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    backend.seconds = 0.0
    assert raw(endpoint, "POST", VALIDATE, validate_body())[0] == 200
    assert backend.most == 1


def test_requests_beyond_the_queue_are_throttled(threaded):
    endpoint, backend = threaded
    backend.seconds = 0.8
    answers: list = []
    threads = [threading.Thread(target=lambda: answers.append(raw(endpoint, "POST", VALIDATE, validate_body())))
               for _ in range(4)]
    for t in threads:
        t.start()
        time.sleep(0.05)
    for t in threads:
        t.join()
    statuses = sorted(a[0] for a in answers)
    assert statuses.count(429) >= 2 and 200 in statuses, statuses
    for answer in answers:
        if answer[0] == 429:
            assert_error(answer, 429, "ThrottlingException")
            assert answer[1]["retry-after"] == "1"
    assert backend.most == 1


def test_a_backend_bug_is_a_one_line_500(threaded):
    endpoint, _ = threaded
    body = json.dumps({"newPolicyDocument": POLICY, "existingPolicyDocument": POLICY,
                       "policyType": "IDENTITY_POLICY"}).encode()
    document = assert_error(raw(endpoint, "POST", "/policy/check-no-new-access", body), 500, "InternalServerException")
    assert "RuntimeError" in document["message"]


def test_a_response_the_model_does_not_describe_is_refused(threaded):
    endpoint, _ = threaded
    body = json.dumps({"policyDocument": POLICY, "resourceType": "AWS::S3::Bucket"}).encode()
    document = assert_error(raw(endpoint, "POST", "/policy/check-no-public-access", body), 500,
                            "InternalServerException")
    assert "unexpected" in document["message"] and "service model" in document["message"]


def test_body_limit_of_the_settings(threaded):
    endpoint, _ = threaded
    assert_error(raw(endpoint, "POST", VALIDATE, validate_body("x" * 2000)), 413, "RequestEntityTooLargeException")
