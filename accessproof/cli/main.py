"""``accessproof`` command: one sub-command per Access Analyzer operation."""

from __future__ import annotations

import sys

import typer

from .inputs import InputError

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
    from . import checks, generate, simulate, validate

    app.command("validate-policy")(validate.validate_policy_command)
    app.command("check-no-new-access")(checks.check_no_new_access_command)
    app.command("check-access-not-granted")(checks.check_access_not_granted_command)
    app.command("check-no-public-access")(checks.check_no_public_access_command)
    app.command("generate-policy", context_settings={"allow_extra_args": True})(generate.generate_policy_command)
    app.command("simulate-custom-policy", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})(simulate.simulate_custom_policy)
    from . import unused  # unused access analyzer (issue 7)

    app.command("analyze-unused")(unused.analyze_unused_command)
    app.command("recommend")(unused.recommend_command)
    from . import analyze  # external access analyzer (issue 5)

    app.command("analyze")(analyze.analyze_command)
    app.command("list-findings")(analyze.list_findings_command)
    app.command("update-findings")(analyze.update_findings_command)
    app.command("create-archive-rule")(analyze.create_archive_rule_command)
    app.command("apply-archive-rule")(analyze.apply_archive_rule_command)
    from . import serve  # the REST-JSON server (issue 12)

    app.command("serve")(serve.serve_command)


def fail(message: str) -> "typer.Exit":
    """Print a one-line error on stderr; the caller raises the returned Exit (status 2)."""
    print(f"accessproof: error: {message}", file=sys.stderr)
    return typer.Exit(2)


def main() -> None:
    register()
    try:
        app()
    except InputError as e:
        print(f"accessproof: error: {e}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(1)


if __name__ == "__main__":
    main()
