"""The console's pages and forms through Starlette's test client, mounted as ``serve`` mounts it."""

from __future__ import annotations

import re
import warnings
from html import unescape

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from accessproof.api.asgi import ServeSettings, create_app
from accessproof.api.client import make_application
from accessproof.api.sigv4 import Principal
from accessproof.console import ConsoleSettings, create_console
from accessproof.findings import FindingsStore
from accessproof.findings.model import ARCHIVED, FreshFinding, ResourceAnalysis

OWNER, OTHER, OUTSIDER = "111122223333", "444455556666", "999988887777"
EVIL_BUCKET = 'arn:aws:s3:::<script>alert("pwned")</script>'
EVIL_PRINCIPAL = "<img src=x onerror=alert(1)>"
KEY_ID, SECRET = "AKIACONSOLETEST", "console-secret"


def _finding(resource: str, account: str = OWNER, principal: str = OUTSIDER, public: bool = False,
             resource_type: str = "AWS::S3::Bucket") -> ResourceAnalysis:
    fresh = FreshFinding(resource=resource, resource_type=resource_type, resource_owner_account=account,
                         principal={"AWS": "*" if public else principal}, action=("s3:GetObject",),
                         condition={"aws:SourceIp": "10.0.0.0/8"} if public else {}, is_public=public,
                         sources=({"type": "POLICY"},),
                         witness={"principal": "anonymous" if public else principal, "action": "s3:GetObject",
                                  "resource": resource + "/x", "context": {"aws:sourceip": "10.0.0.1"}})
    return ResourceAnalysis(resource, resource_type, account, (fresh,))


@pytest.fixture
def database(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'findings.db'}"
    store = FindingsStore.open(url)
    arn = store.create_analyzer("org", "ORGANIZATION").arn
    results = [_finding(EVIL_BUCKET, principal=EVIL_PRINCIPAL), _finding("arn:aws:s3:::public-site", public=True)]
    results += [_finding(f"arn:aws:s3:::other-{n:03d}", account=OTHER) for n in range(60)]
    store.record_analysis(arn, results, complete=True)
    store.close()
    return url


def _client(database: str, auth: bool = False) -> TestClient:
    application = make_application({"database": database})
    console = create_console(application, ConsoleSettings(credentials={KEY_ID: SECRET} if auth else None))
    settings = ServeSettings(credentials={KEY_ID: Principal(SECRET)}, auth=True) if auth else ServeSettings(auth=False)
    return TestClient(create_app(application, settings, mounts=[("/console", console)]), follow_redirects=False)


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _finding_url(client: TestClient, resource_part: str) -> str:
    html = client.get("/console/findings", params={"resource": resource_part}).text
    return unescape(re.search(r'class="finding-link" href="([^"]+)"', html).group(1))


def test_attacker_text_renders_as_text_on_every_page(database):
    client = _client(database)
    url = _finding_url(client, "script")
    for path in ("/console/", "/console/findings?account=" + OWNER, url):
        html = client.get(path).text
        assert "<script>alert" not in html and "<img src=x" not in html, path
    findings = client.get("/console/findings?account=" + OWNER).text
    assert "&lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt;" in findings
    assert "&lt;img src=x onerror=alert(1)&gt;" in client.get(url).text


def test_pages_carry_a_content_security_policy_that_allows_only_the_console_itself(database):
    response = _client(database).get("/console/")
    assert response.status_code == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "cdn" not in response.text.lower() and "https://" not in response.text  # nothing external
    assert _client(database).get("/console/static/console.css").status_code == 200


def test_overview_ranks_accounts_by_active_findings(database):
    html = _client(database).get("/console/").text
    accounts = re.findall(r'class="account" href="[^"]+">(\d+)</a>', html)
    counts = re.findall(r'class="num active-count">(\d+)<', html)
    assert list(zip(accounts, counts)) == [(OTHER, "60"), (OWNER, "2")]
    assert "+60" in html  # the one analysis opened them all


def test_findings_filter_sort_and_pages_from_the_url(database):
    client = _client(database)
    html = client.get("/console/findings", params={"account": OTHER, "sort": "resource", "order": "asc"}).text
    resources = re.findall(r'class="finding-link" href="[^"]+">([^<]+)</a>', html)
    assert resources == [f"arn:aws:s3:::other-{n:03d}" for n in range(50)]
    assert "1–50 of 60 findings" in html
    following = unescape(re.search(r'rel="next" href="([^"]+)"', html).group(1))
    assert "page=2" in following and "account=" + OTHER in following
    rest = re.findall(r'class="finding-link" href="[^"]+">([^<]+)</a>', client.get(following).text)
    assert rest == [f"arn:aws:s3:::other-{n:03d}" for n in range(50, 60)]
    beyond = client.get("/console/findings", params={"account": OTHER, "page": "99"}).text
    assert "51–60 of 60 findings" in beyond and len(re.findall(r'class="finding-link"', beyond)) == 10
    both = client.get("/console/findings", params={"account": OTHER, "principal": OUTSIDER, "page": "2"}).text
    assert "51–60 of 60 findings" in both  # the same through the full filter (a principal criterion)
    public = client.get("/console/findings", params={"isPublic": "true", "conditionKey": "aws:SourceIp"}).text
    assert re.findall(r'class="finding-link" href="[^"]+">([^<]+)</a>', public) == ["arn:aws:s3:::public-site"]
    bad = client.get("/console/findings", params={"status": "NOPE", "page": "x"})
    assert bad.status_code == 200 and "unknown status" in bad.text


def test_archive_through_the_form_persists_and_is_in_the_history(database):
    client = _client(database)
    url = _finding_url(client, "public-site")
    page = client.get(url).text
    assert "Anonymous callers can call s3:GetObject on arn:aws:s3:::public-site/x when aws:SourceIp is 10.0.0.1" in page
    response = client.post(url + "/status", data={"status": ARCHIVED, "csrf_token": _csrf(page)})
    assert response.status_code == 303
    after = client.get(response.headers["location"]).text
    assert 'id="status" class="badge status-archived">ARCHIVED<' in after
    assert "ACTIVE → <strong>ARCHIVED</strong> (UpdateFindings)" in after
    store = FindingsStore.open(database, create=False)
    (finding,) = [f for a in store.list_analyzers() for f in store.list_findings(a.arn).items if "public-site" in f.resource]
    assert finding.status == ARCHIVED
    store.close()


def test_a_form_without_the_right_csrf_token_changes_nothing(database):
    client = _client(database)
    url = _finding_url(client, "public-site")
    token = _csrf(client.get(url).text)
    for data in ({"status": ARCHIVED}, {"status": ARCHIVED, "csrf_token": "0" * 64}):
        refused = client.post(url + "/status", data=data)
        assert refused.status_code == 403 and "CSRF" in refused.text
    elsewhere = client.post(url + "/status", data={"status": ARCHIVED, "csrf_token": token},
                            headers={"origin": "https://evil.example"})
    assert elsewhere.status_code == 403
    other_browser = _client(database)  # its own session: the token is not its
    assert other_browser.post(url + "/status", data={"status": ARCHIVED, "csrf_token": token}).status_code == 403
    assert 'class="badge status-active">ACTIVE<' in client.get(url).text


def test_an_archive_rule_from_a_finding_is_created_and_applied(database):
    client = _client(database)
    url = _finding_url(client, "other-007")
    token = _csrf(client.get(url).text)
    response = client.post(url + "/archive-rule", data={"csrf_token": token, "rule_name": "other-account",
                                                        "resourceOwnerAccount": "1", "apply": "1"})
    assert response.status_code == 303 and "applied" in unescape(response.headers["location"]).replace("+", " ")
    assert "No finding matches" in client.get("/console/findings", params={"account": OTHER}).text
    assert "60 findings" in client.get("/console/findings", params={"account": OTHER, "status": "ARCHIVED"}).text
    empty = client.post(url + "/archive-rule", data={"csrf_token": token, "rule_name": "everything"})
    assert empty.status_code == 400 and "at least one criterion" in empty.text


def test_login_is_required_when_the_api_requires_signatures(database):
    client = _client(database, auth=True)
    first = client.get("/console/findings?account=" + OTHER)
    assert first.status_code == 303 and first.headers["location"].startswith("/console/login?next=")
    login = client.get(first.headers["location"]).text
    token = _csrf(login)
    wrong = client.post("/console/login", data={"csrf_token": token, "access_key_id": KEY_ID,
                                                "secret_access_key": "guess", "next": "/console/findings"})
    assert wrong.status_code == 401 and "not the server" in wrong.text
    assert client.get("/console/").status_code == 303
    right = client.post("/console/login", data={"csrf_token": token, "access_key_id": KEY_ID,
                                                "secret_access_key": SECRET, "next": "https://evil.example/"})
    assert right.status_code == 303 and right.headers["location"] == "/console/"  # no open redirect
    assert client.get("/console/").status_code == 200
    assert client.get("/findings").status_code == 403  # the API itself still wants a signature
    logout = client.post("/console/logout", data={"csrf_token": _csrf(client.get("/console/").text)})
    assert logout.status_code == 303 and client.get("/console/").status_code == 303


def test_policy_checks_in_the_browser(database):
    client = _client(database)
    token = _csrf(client.get("/console/checks").text)
    policy = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "*"}]}'
    html = client.post("/console/checks", data={"csrf_token": token, "policy": policy, "check": "validate",
                                                "policy_type": "IDENTITY_POLICY"}).text
    assert "INVALID_ACTION" in html and '<mark class="error" id="finding-0"' in html
    typed = policy.replace(", ", ",\r\n")  # a textarea's line ends, as browsers send them
    marked = client.post("/console/checks", data={"csrf_token": token, "policy": typed, "check": "validate",
                                                  "policy_type": "IDENTITY_POLICY"}).text
    assert re.search(r'<mark class="error" id="finding-0" title="[^"]*">&#34;s3:GetObjekt&#34;</mark>', marked)
    assert "(line 3, column " in marked
    bucket = ('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", '
              '"Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}')
    public = client.post("/console/checks", data={"csrf_token": token, "policy": bucket, "check": "no-public-access",
                                                  "public_type": "AWS::S3::Bucket"}).text
    # Which outsider the witness names is the solver's choice (anonymous or a user of another account).
    assert 'class="proof-fail">FAIL<' in public
    assert re.search(r"Witness: [^<]+ can call s3:GetObject on arn:aws:s3:::b/[^<]*", public)
    granted = client.post("/console/checks", data={"csrf_token": token, "policy": policy.replace("GetObjekt", "GetObject"),
                                                   "check": "access-not-granted", "actions": "s3:PutObject",
                                                   "policy_type": "IDENTITY_POLICY"}).text
    assert 'class="proof-pass">PASS<' in granted
    broken = client.post("/console/checks", data={"csrf_token": token, "policy": "{", "check": "no-new-access",
                                                  "existing": "{}", "policy_type": "IDENTITY_POLICY"})
    assert broken.status_code == 200 and 'class="problem"' in broken.text and "Traceback" not in broken.text


def test_errors_are_pages_without_tracebacks(database):
    client = _client(database)
    assert client.get("/console").headers["location"] == "/console/"
    assert client.get("/").headers["location"] == "/console/"  # a browser at the server's address
    assert client.get("/console/static/../app.py").status_code == 404
    missing = client.get("/console/analyzers/org/findings/does-not-exist")
    assert missing.status_code == 404 and "No finding does-not-exist" in missing.text
    assert client.get("/console/analyzers/nope/findings/x").status_code == 404
    token = _csrf(client.get("/console/checks").text)
    huge = client.post("/console/checks", data={"csrf_token": token, "policy": "x" * (3 << 20)})
    assert huge.status_code == 413
    assert client.post("/console/checks", content=b"{}", headers={"content-type": "application/json"}).status_code == 415


def test_serve_mounts_the_console_unless_told_not_to(tmp_path):
    import urllib.error
    import urllib.request

    from tests.api.conftest import start_serve, stop_serve

    database = f"sqlite:///{tmp_path / 'findings.db'}"
    for arguments, expected in (([], 200), (["--no-console"], 404)):
        running = start_serve(tmp_path, ["--no-auth", "--database", database, *arguments])
        try:
            try:
                with urllib.request.urlopen(running.endpoint + "/console/", timeout=30) as response:
                    status, body = response.status, response.read().decode()
            except urllib.error.HTTPError as error:
                status, body = error.code, error.read().decode()
            assert status == expected, body
            assert ("<h1>Overview</h1>" in body) == (expected == 200)
        finally:
            stop_serve(running)
    assert not (tmp_path / "findings.db").exists()  # looking at the console creates no database
