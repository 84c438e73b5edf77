"""The command imports what the command it runs needs, and no more: ``validate-policy`` loads
neither z3 (the checks) nor SQLAlchemy (the findings store) nor the other commands' modules; the
help still lists every command, in their order, whatever ran before it in the process."""

from __future__ import annotations

import json
import subprocess
import sys

from .conftest import EXAMPLES, ROOT

HEAVY = ("z3", "sqlalchemy", "accessproof.checks", "accessproof.analyzers", "accessproof.findings",
         "accessproof.generate", "accessproof.cli.analyze", "accessproof.cli.checks")


def imported_after(*args: str) -> dict:
    code = (
        "import json, sys\n"
        "from accessproof.cli.main import main\n"
        f"sys.argv = ['accessproof', *{list(args)!r}]\n"
        "try:\n    main()\nexcept SystemExit as e:\n    code = e.code\n"
        f"print(json.dumps({{'code': code, 'loaded': [m for m in {list(HEAVY)!r} if m in sys.modules]}}),"
        " file=sys.stderr)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    return json.loads(run.stderr.strip().splitlines()[-1])


def test_validate_policy_imports_no_check_store_or_other_command():
    one = imported_after("validate-policy", str(EXAMPLES / "policies" / "typos.json"), "--fail-on", "NONE")
    assert one == {"code": 0, "loaded": []}
    many = imported_after("validate-policy", str(EXAMPLES / "policies"), "--output", "sarif", "--fail-on", "NONE")
    assert many == {"code": 0, "loaded": []}


def test_a_check_command_still_loads_what_it_needs():
    document = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}'
    run = imported_after("check-access-not-granted", "--policy-document", document, "--policy-type", "IDENTITY_POLICY",
                         "--access", "actions=iam:PassRole")
    assert run["code"] == 0 and "z3" in run["loaded"] and "accessproof.checks" in run["loaded"]


def test_help_lists_every_command_in_order_after_one_ran(cli):
    from accessproof.cli import main as entry

    assert cli("validate-policy", str(EXAMPLES / "policies" / "typos.json"), "--fail-on", "NONE").code == 0
    assert cli("analyze", "--help").code == 0
    out = cli("--help").out
    names = [name for name in entry._COMMANDS if name != "template"]  # a group: listed after the commands
    assert out.find(" template ") > out.find(" diff ") > 0
    positions = [out.find(f"│ {name} ") for name in names]
    assert all(p >= 0 for p in positions), [n for n, p in zip(names, positions) if p < 0]
    assert positions == sorted(positions)
