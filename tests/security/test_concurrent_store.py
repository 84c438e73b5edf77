"""The findings store under concurrent writers, from the side of a user who starts several analyses at
once (two terminals, a CI matrix, a cron job overlapping a manual run) on one SQLite file or one
PostgreSQL database.

What must hold, whatever the interleaving: every access is one finding (no duplicate ACTIVE findings,
no duplicate identities); the number of ACTIVE findings is the number a single run records; a RESOLVED
finding means the access is gone (the next run resolves nothing that still exists).

The findings are read from the database directly (SQLAlchemy Core on the ``findings`` table), not
through the store under test.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import uuid
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from botocore.exceptions import ClientError, ParamValidationError
from sqlalchemy import create_engine, inspect, select, text

import accessproof
from accessproof.analyzers.external import ExternalAccessAnalyzer, ZoneOfTrust
from accessproof.analyzers.external_service import load_snapshots
from accessproof.findings import FindingsStore, lifecycle
from accessproof.findings.db import FINDINGS, make_engine
from tests.boto import body
from tests.findings.conftest import postgresql_url  # noqa: F401  (the throwaway PostgreSQL cluster)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "account"
ANALYZER_NAME = "accessproof-external-account"
ANALYZER_ARN = f"arn:aws:access-analyzer:us-east-1:111122223333:analyzer/{ANALYZER_NAME}"
WEBSITE_POLICY = Path("s3") / "example-public-website" / "get-bucket-policy.json"
PROCESSES = 3  # concurrent `accessproof analyze` processes per round
ROUNDS = 2  # before the account changes (a third round after it)
THREADS = 4
THREAD_ROUNDS = 5
# How long a writer holding the lock waits for the others to have read (forced interleaving, below).
INTERLEAVING_WAIT_SECONDS = 2.0


# --- databases and snapshots ----------------------------------------------------------------

@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file that does not exist yet, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'findings.db'}"
        return
    server = request.getfixturevalue("postgresql_url")
    name = f"concurrent_{uuid.uuid4().hex[:12]}"
    admin = create_engine(make_engine(server).url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def snapshot(tmp_path: Path) -> Path:
    copy = tmp_path / "account"
    shutil.copytree(EXAMPLE, copy)
    return copy


Identity = tuple[str, str, str, str]


def stored_findings(url: str) -> list[dict[str, Any]]:
    """Every finding row of the analyzer, read directly from the database."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(
                select(FINDINGS).where(FINDINGS.c.analyzer_arn == ANALYZER_ARN))]
    finally:
        engine.dispose()


def identity(row: dict[str, Any]) -> Identity:
    """What an access is: resource, principal, actions, condition (the finding id aside)."""
    return (row["resource"], json.dumps(row["principal"], sort_keys=True), json.dumps(sorted(row["action"] or [])),
            json.dumps(row["condition"], sort_keys=True))


def by_status(rows: list[dict[str, Any]], status: str) -> Counter:
    return Counter(identity(row) for row in rows if row["status"] == status)


def assert_no_duplicates(rows: list[dict[str, Any]]) -> None:
    open_rows = [row for row in rows if row["status"] in ("ACTIVE", "ARCHIVED")]
    keys = Counter(row["key"] for row in open_rows)
    assert [key for key, n in keys.items() if n > 1] == [], "one access recorded as several open findings"
    identities = Counter(identity(row) for row in open_rows)
    assert [i for i, n in identities.items() if n > 1] == []


# --- the command line -------------------------------------------------------------------------

def start_analyze(snapshot: Path, url: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "accessproof.cli.main", "analyze", str(snapshot), "--database", url,
                             "--output", "json"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})


def analyze_concurrently(snapshot: Path, url: str, processes: int = PROCESSES) -> None:
    running = [start_analyze(snapshot, url) for _ in range(processes)]
    for process in running:
        stdout, stderr = process.communicate(timeout=600)
        assert process.returncode == 1, stderr  # 1: ACTIVE findings, as every run must report
        assert stderr == ""
        json.loads(stdout)


def reference_run(snapshot: Path, tmp_path: Path) -> list[dict[str, Any]]:
    """What one run alone records: the expected state after any number of concurrent runs."""
    url = f"sqlite:///{tmp_path / f'reference-{uuid.uuid4().hex[:8]}.db'}"
    analyze_concurrently(snapshot, url, processes=1)
    return stored_findings(url)


def test_concurrent_analyze_processes_record_each_access_once(database, snapshot, tmp_path):
    expected = reference_run(snapshot, tmp_path)
    expected_active = by_status(expected, "ACTIVE")
    assert sum(expected_active.values()) > 10 and max(expected_active.values()) == 1

    first_ids: set[str] = set()
    for round_number in range(ROUNDS):  # the first round also races to create the analyzer and the schema
        analyze_concurrently(snapshot, database)
        rows = stored_findings(database)
        assert_no_duplicates(rows)
        assert by_status(rows, "ACTIVE") == expected_active, f"round {round_number + 1}"
        assert by_status(rows, "RESOLVED") == Counter(), "nothing changed, so nothing may be resolved"
        ids = {row["id"] for row in rows}
        assert ids == (first_ids or ids)  # later rounds keep the findings of the first
        first_ids = ids

    # The account changes (the public website's bucket policy is removed); every run sees it.
    previous = stored_findings(database)
    (snapshot / WEBSITE_POLICY).unlink()
    changed = reference_run(snapshot, tmp_path)
    analyze_concurrently(snapshot, database)
    rows = stored_findings(database)
    assert_no_duplicates(rows)
    assert by_status(rows, "ACTIVE") == by_status(changed, "ACTIVE")
    gone = by_status(previous, "ACTIVE") - by_status(changed, "ACTIVE")
    assert gone and by_status(rows, "RESOLVED") == gone  # each gone access resolved exactly once

    # A following run: nothing that still exists is resolved, nothing is opened.
    before = {row["id"]: row["status"] for row in rows}
    analyze_concurrently(snapshot, database, processes=1)
    assert {row["id"]: row["status"] for row in stored_findings(database)} == before


# --- threads through the client ---------------------------------------------------------------

def run_in_threads(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls at once (a barrier), each in its own thread; re-raise the first error."""
    start = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(index: int, call: Callable[[], Any]) -> None:
        start.wait()
        try:
            results[index] = call()
        except BaseException as error:  # noqa: BLE001  (reported to the test below)
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    if errors:
        raise errors[0]
    return results


_SOLVER = threading.Lock()


class OneSolverAtATime:
    """The real external access analyzer, one analysis at a time in the process: z3's Python API works
    on one global context, which threads may not use at once (it crashes). The threads still meet
    at the store, which is what these tests are about."""

    def __init__(self, zone: ZoneOfTrust) -> None:
        self._analyzer = ExternalAccessAnalyzer(zone)

    def analyze(self, resource: Any, snapshot: Any = None) -> Any:
        with _SOLVER:
            return self._analyzer.analyze(resource, snapshot)

    def analyze_snapshot(self, snapshot: Any, progress: Any = None) -> Any:
        with _SOLVER:
            return self._analyzer.analyze_snapshot(snapshot, progress)


def clients(snapshot: Path, url: str, count: int) -> list[Any]:
    return [accessproof.client("accessanalyzer", snapshot=str(snapshot), database=url,
                               external_analyzer_factory=OneSolverAtATime) for _ in range(count)]


def test_concurrent_create_analyzer_one_wins_the_others_conflict(database, snapshot):
    """Creating one analyzer from several clients at once: one creates it (and analyses), the others get
    ConflictException (never a database error), and the analysis is recorded once."""

    def create(client: Any) -> Callable[[], str]:
        def call() -> str:
            try:
                return client.create_analyzer(analyzerName=ANALYZER_NAME, type="ACCOUNT")["arn"]
            except client.exceptions.ConflictException:
                return "conflict"
        return call

    outcomes = run_in_threads([create(c) for c in clients(snapshot, database, THREADS)])
    assert sorted(outcomes) == sorted([ANALYZER_ARN] + ["conflict"] * (THREADS - 1))
    rows = stored_findings(database)
    assert_no_duplicates(rows)
    assert rows and {row["status"] for row in rows} == {"ACTIVE"}


def test_concurrent_client_analyses_never_duplicate_or_resolve_existing_access(database, snapshot):
    workers = clients(snapshot, database, THREADS)
    workers[0].create_analyzer(analyzerName=ANALYZER_NAME, type="ACCOUNT")
    expected = by_status(stored_findings(database), "ACTIVE")
    for _ in range(THREAD_ROUNDS):
        outcomes = run_in_threads([lambda c=c: c.analyze_external_access(analyzerArn=ANALYZER_ARN) for c in workers])
        assert [o["resolved"] for o in outcomes] == [0] * THREADS
        assert [o["opened"] for o in outcomes] == [0] * THREADS
        rows = stored_findings(database)
        assert_no_duplicates(rows)
        assert by_status(rows, "ACTIVE") == expected


@pytest.fixture
def interleaved(monkeypatch: pytest.MonkeyPatch) -> threading.Barrier:
    """Force the interleaving that loses updates: each analysis, once it has read the stored findings,
    waits until every other concurrent analysis has read them too before it writes. A store that
    serializes its writers holds the lock while it waits, so the wait times out and the writers take turns."""
    gate = threading.Barrier(THREADS)
    real_reconcile = lifecycle.reconcile

    def reconcile_when_all_have_read(*args: Any, **kwargs: Any) -> Any:
        try:
            gate.wait(timeout=INTERLEAVING_WAIT_SECONDS)
        except threading.BrokenBarrierError:
            pass
        return real_reconcile(*args, **kwargs)

    monkeypatch.setattr(lifecycle, "reconcile", reconcile_when_all_have_read)
    return gate


def test_forced_read_read_write_write_interleaving_is_serialized(database, snapshot, interleaved):
    workers = clients(snapshot, database, THREADS)
    arn = workers[0].create_analyzer(analyzerName=ANALYZER_NAME, type="ACCOUNT")["arn"]
    for worker in workers[1:]:  # warm each client's analyzer, so that the analyses reach the store together
        interleaved.abort()
        worker.analyze_external_access(analyzerArn=arn)
    initial = by_status(stored_findings(database), "ACTIVE")
    website = (snapshot / WEBSITE_POLICY).read_text()

    (snapshot / WEBSITE_POLICY).unlink()  # every analysis now sees the website's public access gone
    interleaved.reset()
    outcomes = run_in_threads([lambda c=c: c.analyze_external_access(analyzerArn=arn) for c in workers])
    rows = stored_findings(database)
    assert_no_duplicates(rows)
    resolved = by_status(rows, "RESOLVED")
    assert resolved and sum(o["resolved"] for o in outcomes) == sum(resolved.values())  # by one writer, once
    assert by_status(rows, "ACTIVE") == initial - resolved

    (snapshot / WEBSITE_POLICY).write_text(website)  # and back: new access, one new finding each
    interleaved.reset()
    outcomes = run_in_threads([lambda c=c: c.analyze_external_access(analyzerArn=arn) for c in workers])
    rows = stored_findings(database)
    assert_no_duplicates(rows)
    assert sum(o["opened"] for o in outcomes) == sum(resolved.values())
    assert by_status(rows, "ACTIVE") == initial and by_status(rows, "RESOLVED") == resolved


def test_a_stale_concurrent_run_does_not_resolve_what_a_newer_run_found(database, snapshot):
    """Run A reads the snapshot, then the account changes (new public access), run B reads it and records
    first; A, recording last, must not resolve B's new finding: the access exists."""
    client = accessproof.client("accessanalyzer", snapshot=str(snapshot), database=database)
    arn = client.create_analyzer(analyzerName=ANALYZER_NAME, type="ACCOUNT")["arn"]
    website = (snapshot / WEBSITE_POLICY).read_text()
    (snapshot / WEBSITE_POLICY).unlink()
    client.analyze_external_access(analyzerArn=arn)  # the website's public access is resolved
    store = FindingsStore.open(database, account_id="111122223333")
    try:
        started_after = store.get_analyzer_by_arn(arn).analyses_recorded  # A starts, reads the snapshot
        [account] = load_snapshots([str(snapshot)])
        stale = ExternalAccessAnalyzer(ZoneOfTrust.of(account.account, "ACCOUNT")).analyze_snapshot(account)
        (snapshot / WEBSITE_POLICY).write_text(website)  # the account changes: public again
        active_before = {row["id"] for row in stored_findings(database) if row["status"] == "ACTIVE"}
        assert client.analyze_external_access(analyzerArn=arn)["opened"] > 0  # B records first
        found_by_newer = {row["id"] for row in stored_findings(database) if row["status"] == "ACTIVE"} - active_before
        outcome = store.record_analysis(arn, stale, complete=True, started_after=started_after)  # A records last
    finally:
        store.close()
    assert outcome.resolved == ()
    rows = stored_findings(database)
    assert_no_duplicates(rows)
    assert found_by_newer <= {row["id"] for row in rows if row["status"] == "ACTIVE"}


# --- careless input -----------------------------------------------------------------------------

def test_archive_rule_with_an_empty_filter_is_refused(tmp_path, snapshot):
    url = f"sqlite:///{tmp_path / 'findings.db'}"
    client = accessproof.client("accessanalyzer", snapshot=str(snapshot), database=url)
    with pytest.raises(client.exceptions.ValidationException, match="at least one criterion"):
        client.create_analyzer(analyzerName=ANALYZER_NAME, type="ACCOUNT",
                               archiveRules=[{"ruleName": "everything", "filter": {}}])
    arn = client.create_analyzer(analyzerName=ANALYZER_NAME, type="ACCOUNT")["arn"]
    with pytest.raises(client.exceptions.ValidationException, match="at least one criterion"):
        client.create_archive_rule(analyzerName=ANALYZER_NAME, ruleName="everything", filter={})
    client.create_archive_rule(analyzerName=ANALYZER_NAME, ruleName="partner",
                               filter={"principal.AWS": {"eq": ["999988887777"]}})
    with pytest.raises(client.exceptions.ValidationException, match="at least one criterion"):
        client.update_archive_rule(analyzerName=ANALYZER_NAME, ruleName="partner", filter={})
    assert [r["ruleName"] for r in client.list_archive_rules(analyzerName=ANALYZER_NAME)["archiveRules"]] == ["partner"]
    statuses = {f["status"] for f in client.list_findings(analyzerArn=arn)["findings"]}
    assert statuses == {"ACTIVE"}  # nothing was archived by a rule that matches everything

    run = subprocess.run([sys.executable, "-m", "accessproof.cli.main", "create-archive-rule", "--analyzer-name",
                          ANALYZER_NAME, "--rule-name", "all", "--filter", "{}", "--database", url],
                         cwd=ROOT, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert run.returncode == 2 and len(run.stderr.strip().splitlines()) == 1 and "at least one criterion" in run.stderr


POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]})


@pytest.mark.parametrize("max_items, refused_by_botocore", [
    (0, True), (-1, True), ("5", True), (2.0, True), (1001, False), (True, False)])
def test_simulator_max_items_out_of_range_is_a_validation_error(max_items, refused_by_botocore):
    """boto3 refuses some values before sending (its model's min and types); the service refuses
    the rest with IAM's ValidationError."""
    iam = accessproof.client("iam")
    expected = ParamValidationError if refused_by_botocore else ClientError
    with pytest.raises(expected, match="MaxItems") as raised:
        iam.simulate_custom_policy(PolicyInputList=[POLICY], ActionNames=["s3:GetObject"], MaxItems=max_items)
    if not refused_by_botocore:
        assert raised.value.response["Error"]["Code"] == "ValidationError"


def test_simulator_pages_end_and_cover_every_result():
    iam = accessproof.client("iam")
    actions = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    seen, marker, pages = [], None, 0
    while True:
        page = iam.simulate_custom_policy(PolicyInputList=[POLICY], ActionNames=actions, MaxItems=1,
                                          **({"Marker": marker} if marker else {}))
        pages += 1
        assert pages <= len(actions)
        seen += [r["EvalActionName"] for r in page["EvaluationResults"]]
        if not page["IsTruncated"]:
            break
        marker = page["Marker"]
    assert seen == actions
    with pytest.raises(ParamValidationError, match="Marker"):  # botocore: the model's min length of 1
        iam.simulate_custom_policy(PolicyInputList=[POLICY], ActionNames=actions, Marker="")
    for marker in ("not-a-marker", "99"):
        with pytest.raises(ClientError, match="Marker") as raised:
            iam.simulate_custom_policy(PolicyInputList=[POLICY], ActionNames=actions, Marker=marker)
        assert raised.value.response["Error"]["Code"] == "ValidationError"


def cli_in(directory: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "accessproof.cli.main", *args], cwd=directory, capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})


def assert_no_database_error(run: subprocess.CompletedProcess, name: str) -> None:
    assert run.returncode == 2, run.stderr
    assert run.stderr.startswith("accessproof: error: no findings database at sqlite:///")
    assert name in run.stderr and len(run.stderr.strip().splitlines()) == 1 and "Traceback" not in run.stderr


@pytest.mark.parametrize("command", [
    ["list-findings", "--analyzer-arn", ANALYZER_ARN, "--output", "text"],
    ["recommend", "41b29500"],
    ["update-findings", "--analyzer-arn", ANALYZER_ARN, "--status", "ARCHIVED", "--ids", "x"],
    ["apply-archive-rule", "--analyzer-arn", ANALYZER_ARN, "--rule-name", "r"],
    ["create-archive-rule", "--analyzer-name", ANALYZER_NAME, "--rule-name", "r", "--filter",
     '{"isPublic": {"eq": ["true"]}}'],
])
def test_commands_on_a_missing_default_database_say_so_and_create_nothing(tmp_path, command):
    assert_no_database_error(cli_in(tmp_path, *command), "accessproof.db")  # ./accessproof.db
    assert list(tmp_path.iterdir()) == []


def test_list_findings_on_a_missing_named_database_creates_nothing(tmp_path):
    run = cli_in(tmp_path, "list-findings", "--analyzer-arn", ANALYZER_ARN, "--database",
                 f"sqlite:///{tmp_path / 'named.db'}")
    assert_no_database_error(run, "named.db")
    assert list(tmp_path.iterdir()) == []


def test_client_reads_on_a_missing_database_answer_as_aws_and_create_nothing(database, tmp_path):
    client = accessproof.client("accessanalyzer", database=database)
    assert body(client.list_analyzers()) == {"analyzers": []}  # an account without analyzers
    for call in (lambda: client.get_analyzer(analyzerName=ANALYZER_NAME),
                 lambda: client.list_findings(analyzerArn=ANALYZER_ARN),
                 lambda: client.list_archive_rules(analyzerName=ANALYZER_NAME),
                 lambda: client.get_findings_statistics(analyzerArn=ANALYZER_ARN),
                 lambda: client.list_analyzed_resources(analyzerArn=ANALYZER_ARN)):
        with pytest.raises(client.exceptions.ResourceNotFoundException, match="no findings database"):
            call()
    assert list(tmp_path.iterdir()) == []  # no SQLite file
    engine = make_engine(database)
    try:
        with engine.connect() as connection:
            assert inspect(connection).get_table_names() == []  # and, on PostgreSQL, no table
    finally:
        engine.dispose()
