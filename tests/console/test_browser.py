"""The console in a real browser: Debian's ``chromium`` driven by Playwright's Python API
(``executable_path``; Playwright's own browsers are never downloaded), against ``accessproof
serve`` started as a user starts it, on the example organization.

``make chromium`` installs the browser when it is missing. With ``ACCESSPROOF_CONSOLE_SCREENSHOTS``
set to a folder (``make screenshots``: docs/console), a screenshot of each page is written there.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Iterator

import pytest

from accessproof.findings import FindingsStore
from accessproof.findings.model import FreshFinding, ResourceAnalysis
from tests.api.conftest import ROOT, Served, boto3_client, start_serve, stop_serve

KEY, SECRET = "AKIACONSOLEBROWSER", "console-browser-secret"
EVIL = "arn:aws:sqs:us-east-1:555555555555:<script>window.__pwned=1</script>"
SCREENSHOTS = os.environ.get("ACCESSPROOF_CONSOLE_SCREENSHOTS")
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
# The form fields of a page that no label names (accessibility: every field has one).
UNLABELLED = """Array.from(document.querySelectorAll('input:not([type=hidden]), select, textarea'))
    .filter(e => e.labels.length === 0).map(e => e.name)"""


def chromium_path() -> str:
    found = os.environ.get("ACCESSPROOF_CHROMIUM") or next(
        (p for p in CHROMIUM_CANDIDATES if os.access(p, os.X_OK)), None) or shutil.which("chromium")
    if not found:
        pytest.fail("Chromium not found: install Debian's package (make chromium, or apt-get install -y chromium)",
                    pytrace=False)
    return found


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[tuple[Served, str, str]]:
    folder = tmp_path_factory.mktemp("console")
    shutil.copytree(ROOT / "examples" / "account", folder / "account")
    shutil.copytree(ROOT / "examples" / "account-unused", folder / "account-unused")
    shutil.copytree(ROOT / "examples" / "organization", folder / "organization")
    database = f"sqlite:///{folder / 'console.db'}"
    # A finding whose resource name is attacker text, recorded before the server starts.
    store = FindingsStore.open(database)
    injected = store.create_analyzer("injected", "ACCOUNT").arn
    store.record_analysis(injected, [ResourceAnalysis(EVIL, "AWS::SQS::Queue", "555555555555", (FreshFinding(
        resource=EVIL, resource_type="AWS::SQS::Queue", resource_owner_account="555555555555",
        principal={"AWS": "999988887777"}, action=("sqs:SendMessage",), is_public=False,
        sources=({"type": "POLICY"},)),))])
    store.close()
    running = start_serve(folder, ["--snapshot", str(folder / "organization"), "--database", database,
                                   "--access-key-id", KEY, "--secret-access-key", SECRET])
    try:
        import accessproof

        client = boto3_client(running.endpoint, key=KEY, secret=SECRET)
        arn = client.create_analyzer(analyzerName="organization", type="ORGANIZATION")["arn"]
        deadline = time.monotonic() + 120  # CREATING until its first analysis ends (no waiter in the model)
        while client.get_analyzer(analyzerName="organization")["analyzer"]["status"] != "ACTIVE":
            assert time.monotonic() < deadline, "the organization's analysis did not finish"
            time.sleep(0.3)
        extended = accessproof.client("accessanalyzer", endpoint_url=running.endpoint, aws_access_key_id=KEY,
                                      aws_secret_access_key=SECRET)
        unused = extended.create_analyzer(analyzerName="unused", type="ORGANIZATION_UNUSED_ACCESS")["arn"]
        extended.analyze_unused_access(analyzerArn=unused, now=datetime(2026, 11, 28))
        yield running, arn, database
    finally:
        stop_serve(running)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    dialogs: list[str] = []
    opened.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    opened.dialogs = dialogs
    yield opened
    context.close()


def shoot(page, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


def log_in(page, endpoint: str, target: str = "/console/") -> None:
    page.goto(endpoint + target)
    assert "/console/login" in page.url
    shoot(page, "login")
    page.fill("#access_key_id", KEY)
    page.fill("#secret_access_key", SECRET)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "/console/login" not in page.url


def active_per_account(served: Served) -> Counter:
    client = boto3_client(served.endpoint, key=KEY, secret=SECRET)
    counts: Counter = Counter()
    for analyzer in client.list_analyzers()["analyzers"]:
        pages = client.get_paginator("list_findings_v2").paginate(
            analyzerArn=analyzer["arn"], filter={"status": {"eq": ["ACTIVE"]}})
        for found in pages:
            counts.update(f["resourceOwnerAccount"] for f in found["findings"])
    return counts


def test_overview_ranks_accounts_as_the_api_counts_them(served, page):
    running, _, _ = served
    log_in(page, running.endpoint)
    rows = page.locator("#accounts tbody tr")
    shown = [(rows.nth(i).locator("a.account").inner_text(), int(rows.nth(i).locator(".active-count").inner_text()))
             for i in range(rows.count())]
    expected = active_per_account(running)
    assert shown == sorted(expected.items(), key=lambda item: (-item[1], item[0]))
    assert [account for account, _ in shown][:2] == ["111122223333", "444455556666"]
    assert page.locator("svg.chart").count() == 4
    assert page.locator("#analyzers tbody tr").count() == 3
    shoot(page, "overview")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1  # no sideways page scroll
    shoot(page, "overview-phone")


def test_filter_open_archive_reload_and_list_findings(served, page):
    running, arn, database = served
    log_in(page, running.endpoint, "/console/findings")
    assert page.evaluate(UNLABELLED) == []
    page.fill("#f-rt", "AWS::S3::Bucket")
    page.fill("#f-resource", "public-website")
    page.select_option("#f-public", "true")  # submits the form (the one script of the console)
    page.wait_for_url("**isPublic=true**")
    if "resourceType=" not in page.url:
        page.click("text=Apply")
        page.wait_for_url("**resourceType=**")
    cells = page.locator("#findings-table tbody tr td:nth-child(2)")
    assert cells.count() >= 1 and set(cells.all_inner_texts()) == {"AWS::S3::Bucket"}
    shared = page.url
    shoot(page, "findings")
    page.goto(shared)  # the URL keeps the filter: the same rows
    assert set(page.locator("#findings-table tbody tr td:nth-child(2)").all_inner_texts()) == {"AWS::S3::Bucket"}

    page.locator("a.finding-link").first.click()
    page.wait_for_selector("#status")
    finding_id = page.url.rsplit("/", 1)[-1]
    assert page.inner_text("#status") == "ACTIVE"
    assert page.inner_text("#sentence").startswith("Anyone (for example ")
    assert " can call s3:" in page.inner_text("#sentence")
    assert page.locator("#policy mark.grant").count() >= 1  # the statement that grants it
    shoot(page, "finding")
    for _ in range(60):  # by keyboard: Tab to the Archive button, Enter
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "archive":
            break
    assert page.evaluate("document.activeElement.id") == "archive"
    page.keyboard.press("Enter")
    page.wait_for_selector("#unarchive")
    assert page.inner_text("#status") == "ARCHIVED"
    page.reload()
    assert page.inner_text("#status") == "ARCHIVED"
    assert "ACTIVE → ARCHIVED (UpdateFindings)" in page.inner_text("#history")

    listed = subprocess.run([sys.executable, "-m", "accessproof.cli.main", "list-findings", "--analyzer-arn", arn,
                             "--database", database, "--output", "json"], capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert listed.returncode in (0, 1), listed.stderr
    statuses = {f["id"]: f["status"] for f in json.loads(listed.stdout)["findings"]}
    assert statuses[finding_id] == "ARCHIVED"


def test_a_resource_named_with_a_script_tag_renders_as_text(served, page):
    running, _, _ = served
    log_in(page, running.endpoint, "/console/findings?resource=script")
    link = page.locator("a.finding-link")
    assert link.count() == 1 and link.inner_text() == EVIL
    link.click()
    page.wait_for_selector("#resource")
    assert page.inner_text("#resource") == EVIL
    assert page.evaluate("window.__pwned") is None and page.dialogs == []
    assert page.locator("main script").count() == 0


def test_paste_a_policy_and_see_its_findings(served, page):
    running, _, _ = served
    log_in(page, running.endpoint, "/console/checks")
    assert page.evaluate(UNLABELLED) == []  # every field has a label
    page.fill("#policy", json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:GetObjekt", "iam:PassRole"], "Resource": "*"}]}, indent=2))
    page.click("#run")
    page.wait_for_selector("#result")
    findings = page.inner_text("#validation-findings")
    assert "INVALID_ACTION" in findings and "PASS_ROLE_WITH_STAR_IN_RESOURCE" in findings
    assert page.locator("#result mark.error, #result mark.security_warning").count() >= 2
    shoot(page, "checks")
    page.check("input[value=no-public-access]")
    page.fill("#policy", json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}))
    page.click("#run")
    page.wait_for_selector("#result")
    assert "FAIL" in page.inner_text("#summary") and "can call s3:GetObject" in page.inner_text("#result")


def test_unused_access_with_a_recommended_policy(served, page):
    running, _, _ = served
    log_in(page, running.endpoint, "/console/unused")
    assert page.locator("section.entity").count() >= 3
    shoot(page, "unused")
    role = page.locator("section.entity", has_text="role/DataReaderRole")
    assert "s3: s3:CreateBucket" in role.inner_text()  # unused actions, with when each was last used
    role.locator("a", has_text="Recommended policy").first.click()
    page.wait_for_selector("#rec-heading")
    assert page.locator("table.diff").count() >= 1
    removed = page.locator("table.diff tr.removed td:first-child, table.diff tr.changed td:first-child")
    assert any('"s3:*"' in text for text in removed.all_inner_texts())  # the existing policy's wildcard goes
    assert page.locator(".proof-pass").count() >= 1  # and the recommended policy is proved to grant nothing new
    shoot(page, "unused-recommendation")
