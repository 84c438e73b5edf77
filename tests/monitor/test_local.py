"""``accessproof monitor --snapshot DIR``: editing a policy file updates its findings and notifies."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from accessproof.cli.main import main
from accessproof.findings import FindingsStore
from accessproof.findings.outbox import Outbox
from accessproof.monitor.service import LocalMonitor
from tests.webhook import webhook_endpoint

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "account"
QUEUE = "arn:aws:sqs:us-east-1:111122223333:orders-queue"
ANALYZER = "accessproof-external-account"


def _queue_policy(snapshot: Path, principal) -> None:
    path = snapshot / "sqs" / "orders-queue" / "get-queue-attributes.json"
    data = json.loads(path.read_text())
    policy = json.loads(data["Attributes"]["Policy"])
    policy["Statement"][0]["Principal"] = principal
    policy["Statement"][0].pop("Condition", None)
    data["Attributes"]["Policy"] = json.dumps(policy)
    path.write_text(json.dumps(data, indent=4))


def _monitor_once(snapshot: Path, database: str, config: Path, capsys, monkeypatch) -> str:
    monkeypatch.setattr("sys.argv", ["accessproof", "monitor", "--snapshot", str(snapshot), "--database", database, "--notifications",
                str(config), "--once"])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 0
    return capsys.readouterr().err


def test_editing_a_policy_opens_a_finding_and_reverting_it_resolves_it_with_one_webhook_each(tmp_path, capsys,
                                                                                            monkeypatch):
    snapshot = tmp_path / "account"
    shutil.copytree(EXAMPLE, snapshot)
    database = f"sqlite:///{tmp_path / 'findings.db'}"
    with webhook_endpoint() as endpoint:
        config = tmp_path / "notify.toml"
        config.write_text(f'[[webhooks]]\nname = "ops"\nurl = "{endpoint.url}"\n')
        _monitor_once(snapshot, database, config, capsys, monkeypatch)
        initial = endpoint.bodies()
        assert initial and {b["change"] for b in initial} == {"CREATED"}
        assert not [b for b in initial if b["finding"]["resource"] == QUEUE]  # the queue is private to start with

        _queue_policy(snapshot, "*")
        log = _monitor_once(snapshot, database, config, capsys, monkeypatch)
        assert "1 new, 0 resolved" in log
        news = endpoint.bodies()[len(initial):]
        assert [(b["change"], b["finding"]["resource"], b["finding"]["status"], b["finding"]["isPublic"])
                for b in news] == [("CREATED", QUEUE, "ACTIVE", True)]

        _queue_policy(snapshot, {"Service": "sns.amazonaws.com"})
        _monitor_once(snapshot, database, config, capsys, monkeypatch)
        later = endpoint.bodies()[len(initial) + 1:]
        assert [(b["change"], b["previousStatus"], b["finding"]["status"], b["finding"]["id"]) for b in later] == [
            ("STATUS_CHANGED", "ACTIVE", "RESOLVED", news[0]["finding"]["id"])]
        # Delivered once each: the ids the endpoint saw are the outbox's, without a repeat.
        ids = [headers["X-Accessproof-Delivery"] for headers, _ in endpoint.received]
        assert len(ids) == len(set(ids))


def test_the_watcher_analyses_only_after_a_change_and_waits_out_a_broken_file(tmp_path):
    snapshot = tmp_path / "account"
    shutil.copytree(EXAMPLE, snapshot)
    store = FindingsStore.open(f"sqlite:///{tmp_path / 'findings.db'}", account_id="111122223333")
    lines: list[str] = []
    monitor = LocalMonitor(snapshot, store, ANALYZER, log=lines.append)
    first = monitor.step()
    assert first is not None and first.opened
    assert monitor.step() is None  # nothing changed, nothing analysed
    path = snapshot / "sqs" / "orders-queue" / "get-queue-attributes.json"
    path.write_text("{ broken")
    assert monitor.step() is None
    assert "snapshot does not load" in lines[-1] and "orders-queue" in lines[-1]
    arn = store.get_analyzer(ANALYZER).arn
    assert not [f for f in store.list_findings(arn, max_results=1000).items if f.status == "RESOLVED"]
    shutil.copy(EXAMPLE / "sqs" / "orders-queue" / "get-queue-attributes.json", path)
    assert monitor.step() is not None
    assert Outbox(store.engine).rows() == []  # no destination configured: nothing enqueued
    store.close()


def test_an_organization_folder_is_watched_in_its_zone_of_trust(tmp_path, capsys, monkeypatch):
    examples = Path(__file__).resolve().parents[2] / "examples"
    for name in ("organization", "account", "account-unused"):  # the folder names the other two
        shutil.copytree(examples / name, tmp_path / name)
    folder = tmp_path / "organization"
    monkeypatch.setattr("sys.argv", ["accessproof", "monitor", "--snapshot", str(folder), "--zone-of-trust",
                                     "ORGANIZATION", "--database", f"sqlite:///{tmp_path / 'f.db'}", "--once"])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 0, capsys.readouterr().err
    assert "resources" in capsys.readouterr().err
