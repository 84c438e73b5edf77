"""``accessproof`` command: one sub-command per Access Analyzer operation."""

from __future__ import annotations

import atexit
import gc
import importlib
import sys
from typing import Optional

import typer

from ..untrusted import one_line
from .inputs import InputError

try:  # typer >= 0.2x carries its own copy of click
    from typer._click.exceptions import NoArgsIsHelpError, UsageError
except ImportError:  # pragma: no cover - older typer uses click itself
    from click.exceptions import NoArgsIsHelpError, UsageError

app = typer.Typer(
    name="accessproof",
    help="Validate IAM policies, prove properties of them, and find external and unused access — locally.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """Validate IAM policies, prove properties of them, and find external and unused access — locally."""


# Every command, in the order ``--help`` lists them: (module under accessproof.cli, function, the AWS
# operation it mirrors (the module's attribute) or None, extra settings). A command's module is
# imported only when that command runs (or for --help): the modules of all the commands together
# take longer to import than validating a policy does.
_COMMANDS: dict[str, tuple[str, str, Optional[str], dict]] = {
    "validate-policy": ("validate", "validate_policy_command", "VALIDATE_POLICY", {}),
    "check-no-new-access": ("checks", "check_no_new_access_command", "CHECK_NO_NEW_ACCESS", {}),
    "check-access-not-granted": ("checks", "check_access_not_granted_command", "CHECK_ACCESS_NOT_GRANTED", {}),
    "check-no-public-access": ("checks", "check_no_public_access_command", "CHECK_NO_PUBLIC_ACCESS", {}),
    "generate-policy": ("generate", "generate_policy_command", None, {"context_settings": {"allow_extra_args": True}}),
    "simulate-custom-policy": ("simulate", "simulate_custom_policy", "SIMULATE_CUSTOM_POLICY", {}),
    "analyze-unused": ("unused", "analyze_unused_command", None, {}),  # unused access analyzer (issue 7)
    "recommend": ("unused", "recommend_command", None, {}),
    "analyze": ("analyze", "analyze_command", None, {}),  # external access analyzer (issue 5)
    "list-findings": ("analyze", "list_findings_command", "LIST_FINDINGS", {}),
    "update-findings": ("analyze", "update_findings_command", "UPDATE_FINDINGS", {}),
    "create-archive-rule": ("analyze", "create_archive_rule_command", "CREATE_ARCHIVE_RULE", {}),
    "apply-archive-rule": ("analyze", "apply_archive_rule_command", "APPLY_ARCHIVE_RULE", {}),
    "serve": ("serve", "serve_command", None, {}),  # the REST-JSON server (issue 12)
    "collect": ("collect", "collect_command", None, {}),  # live accounts (issue 14)
    "monitor": ("monitor", "monitor_command", None, {}),
    "template": ("template", "template_app", None, {}),  # templates, access delta (issue 15)
    "diff": ("delta", "diff_command", None, {}),
}
_registered: list[str] = []
_at_exit: list = []  # what main() registered with atexit (once per process)


def _register_one(name: str) -> None:
    module_name, attribute, mirror, settings = _COMMANDS[name]
    module = importlib.import_module(f"{__package__}.{module_name}")
    target = getattr(module, attribute)
    if isinstance(target, typer.Typer):
        app.add_typer(target, name=name)
    elif mirror is not None:
        from .awscommand import mirrors

        app.command(name, cls=mirrors(getattr(module, mirror)), **settings)(target)
    else:
        app.command(name, **settings)(target)
    _registered.append(name)


def register(command: Optional[str] = None) -> None:
    """Register ``command`` alone when it is one (what a run of that command needs), else every
    command in their order (help, an unknown name). Once each per process: tests call main() repeatedly."""
    if command in _COMMANDS:
        if command not in _registered:
            _register_one(command)
        return
    if _registered == list(_COMMANDS):
        return
    app.registered_commands.clear()
    app.registered_groups.clear()
    _registered.clear()
    for name in _COMMANDS:
        _register_one(name)


def _command_name(args: list[str]) -> Optional[str]:
    """The sub-command a command line names (the root takes no option but --help)."""
    return args[0] if args and not args[0].startswith("-") else None


def fail(message: str) -> "typer.Exit":
    """Print a one-line error on stderr; the caller raises the returned Exit (status 2)."""
    print(f"accessproof: error: {one_line(message)}", file=sys.stderr)
    return typer.Exit(2)


def usage_error_line(error: UsageError) -> str:
    """A usage error (unknown flag or command, missing or bad value) on one line, naming the command."""
    command = error.ctx.info_name if error.ctx is not None and error.ctx.parent is not None else ""
    message = " ".join(error.format_message().split())
    return f"{command}: {message}" if command else message


def _skip_final_collections() -> None:
    """At exit, after every other exit handler (registered first, run last): the objects left are
    moved out of the cycle collector's reach (``gc.freeze``), so the interpreter's final
    collections do not walk them. After validating many policies in this process the catalog's
    caches hold some 650,000 objects, and those collections took longer (1.3 – 1.8 s) than
    validating the 1,390 managed policies on two workers; the memory is the system's again either way."""
    gc.freeze()


def main() -> None:
    if _skip_final_collections not in _at_exit:
        atexit.register(_skip_final_collections)
        _at_exit.append(_skip_final_collections)
    register(_command_name(sys.argv[1:]))
    try:
        status = app(standalone_mode=False)
    except NoArgsIsHelpError as e:
        e.show()
        sys.exit(e.exit_code)
    except UsageError as e:
        print(f"accessproof: error: {usage_error_line(e)}", file=sys.stderr)
        sys.exit(2)
    except typer.Abort:
        print("accessproof: aborted", file=sys.stderr)
        sys.exit(1)
    except InputError as e:
        print(f"accessproof: error: {one_line(str(e))}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(1)
    sys.exit(status if isinstance(status, int) else 0)


if __name__ == "__main__":
    main()
