"""``accessproof collect --print-policy``: a read-only policy, proved so with CheckAccessNotGranted."""

from __future__ import annotations

import json

import pytest

from accessproof.catalog.service_reference import default_catalog
from accessproof.checks import check_access_not_granted
from accessproof.cli.main import main
from accessproof.inventory.collect import collector_actions, collector_policy

MAX_ACTIONS = 100  # CheckAccessNotGranted takes at most 100 actions per call
WRITE_LEVELS = ("Write", "Permissions management", "Tagging")


def _services(policy: dict) -> set[str]:
    actions = [a for s in policy["Statement"] for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])]
    return {a.split(":")[0] for a in actions}


def _write_actions(services: set[str]) -> list[str]:
    catalog = default_catalog()
    return sorted(a.full_name for s in services for a in catalog.match_actions(f"{s}:*")
                  if any(level in a.access_level for level in WRITE_LEVELS))


def _proved_not_granted(document: str, actions: list[str], resources: list[str] | None = None) -> None:
    for start in range(0, len(actions), MAX_ACTIONS):
        access = {"actions": actions[start:start + MAX_ACTIONS], **({"resources": resources} if resources else {})}
        result = check_access_not_granted(document, [access], "IDENTITY_POLICY")
        assert result.result == "PASS", (actions[start:start + MAX_ACTIONS], result.as_dict())


def test_every_action_is_a_known_read_or_list_action():
    catalog = default_catalog()
    for name in collector_actions():
        action = catalog.action(name)
        assert action is not None, name
        assert action.access_level in ("Read", "List"), (name, action.access_level)


def test_the_policy_grants_no_write_permissions_or_tagging_action():
    policy = collector_policy()
    writes = _write_actions(_services(policy))
    assert len(writes) > 1000  # every write action of every service the collector reads
    _proved_not_granted(json.dumps(policy), writes)


def test_the_organization_policy_adds_only_assuming_the_named_role():
    policy = collector_policy(member_role="OrganizationAccountAccessRole")
    document = json.dumps(policy)
    writes = [a for a in _write_actions(_services(policy)) if a != "sts:AssumeRole"]
    _proved_not_granted(document, writes)
    _proved_not_granted(document, ["sts:AssumeRole"], ["arn:aws:iam::111122223333:role/Admin"])
    granted = check_access_not_granted(document, [{"actions": ["sts:AssumeRole"], "resources": [
        "arn:aws:iam::111122223333:role/OrganizationAccountAccessRole"]}], "IDENTITY_POLICY")
    assert granted.result == "FAIL"


def test_print_policy(capsys, monkeypatch):
    monkeypatch.setattr("sys.argv", ["accessproof", "collect", "--print-policy"])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 0
    assert json.loads(capsys.readouterr().out) == collector_policy()


@pytest.mark.parametrize("argv, message", [
    (["collect"], "give the output folder"),
    (["collect", "out", "--organization"], "--organization needs --member-role"),
    (["collect", "out", "--member-role", "R"], "--member-role is for --organization"),
])
def test_usage_errors_are_one_line(argv, message, capsys, monkeypatch):
    monkeypatch.setattr("sys.argv", ["accessproof", *argv])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
