"""Usage errors on every ``accessproof`` command: one line on stderr, exit status 2 (DESIGN.md,
"The contract": 2 = bad input or usage, with a one-line error on stderr, no traceback)."""

import sys

import pytest

from accessproof.cli.main import app, main, register

register()
COMMANDS = sorted({c.name for c in app.registered_commands})


def _run(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["accessproof", *args])
    monkeypatch.setenv("COLUMNS", "200")
    with pytest.raises(SystemExit) as e:
        main()
    out = capsys.readouterr()
    return e.value.code, out.out, out.err


def test_every_command_is_covered():
    assert {"simulate-custom-policy", "validate-policy", "check-no-new-access", "analyze", "generate-policy"} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_an_unknown_flag_is_a_one_line_error(monkeypatch, capsys, command):
    code, out, err = _run(monkeypatch, capsys, command, "--no-such-flag", "x")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"accessproof: error: {command}: No such option: --no-such-flag")


def test_an_unknown_command_and_a_bad_choice_are_one_line_errors(monkeypatch, capsys):
    code, _, err = _run(monkeypatch, capsys, "no-such-command")
    assert code == 2 and err == "accessproof: error: No such command 'no-such-command'.\n"
    code, _, err = _run(monkeypatch, capsys, "validate-policy", "--policy-type", "BOGUS", "-")
    assert code == 2 and err.count("\n") == 1 and "--policy-type" in err


def test_help_still_prints_and_succeeds(monkeypatch, capsys):
    code, out, _ = _run(monkeypatch, capsys, "simulate-custom-policy", "--help")
    assert code == 0 and "--ordered-organization-policy-input-list" in out
