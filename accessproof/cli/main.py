"""``accessproof`` command: one sub-command per Access Analyzer operation."""

from __future__ import annotations

import sys

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


def register() -> None:
    if app.registered_commands:  # once per process (tests call main() repeatedly)
        return
    from . import checks, generate, simulate, validate
    from .awscommand import mirrors

    app.command("validate-policy", cls=mirrors(validate.VALIDATE_POLICY))(validate.validate_policy_command)
    app.command("check-no-new-access", cls=mirrors(checks.CHECK_NO_NEW_ACCESS))(checks.check_no_new_access_command)
    app.command("check-access-not-granted", cls=mirrors(checks.CHECK_ACCESS_NOT_GRANTED))(
        checks.check_access_not_granted_command)
    app.command("check-no-public-access", cls=mirrors(checks.CHECK_NO_PUBLIC_ACCESS))(checks.check_no_public_access_command)
    app.command("generate-policy", context_settings={"allow_extra_args": True})(generate.generate_policy_command)
    app.command("simulate-custom-policy", cls=mirrors(simulate.SIMULATE_CUSTOM_POLICY))(simulate.simulate_custom_policy)
    from . import unused  # unused access analyzer (issue 7)

    app.command("analyze-unused")(unused.analyze_unused_command)
    app.command("recommend")(unused.recommend_command)
    from . import analyze  # external access analyzer (issue 5)

    app.command("analyze")(analyze.analyze_command)
    app.command("list-findings", cls=mirrors(analyze.LIST_FINDINGS))(analyze.list_findings_command)
    app.command("update-findings", cls=mirrors(analyze.UPDATE_FINDINGS))(analyze.update_findings_command)
    app.command("create-archive-rule", cls=mirrors(analyze.CREATE_ARCHIVE_RULE))(analyze.create_archive_rule_command)
    app.command("apply-archive-rule", cls=mirrors(analyze.APPLY_ARCHIVE_RULE))(analyze.apply_archive_rule_command)
    from . import serve  # the REST-JSON server (issue 12)

    app.command("serve")(serve.serve_command)
    from . import collect, monitor  # live accounts (issue 14)

    app.command("collect")(collect.collect_command)
    app.command("monitor")(monitor.monitor_command)
    from . import delta, template  # templates, access delta (issue 15)

    app.add_typer(template.template_app, name="template")
    app.command("diff")(delta.diff_command)


def fail(message: str) -> "typer.Exit":
    """Print a one-line error on stderr; the caller raises the returned Exit (status 2)."""
    print(f"accessproof: error: {one_line(message)}", file=sys.stderr)
    return typer.Exit(2)


def usage_error_line(error: UsageError) -> str:
    """A usage error (unknown flag or command, missing or bad value) on one line, naming the command."""
    command = error.ctx.info_name if error.ctx is not None and error.ctx.parent is not None else ""
    message = " ".join(error.format_message().split())
    return f"{command}: {message}" if command else message


def main() -> None:
    register()
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
