"""``accessproof diff OLD NEW``: the access delta of two policies, two templates/plans, or (with
``--git-path``) two git revisions of a folder.

Exit status: 0 no new access, 1 new access (newly allowed actions or new external access),
2 bad input.
"""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from ..checks import CheckInputError, CheckUndecided
from ..delta import GitError, delta_markdown, delta_text, documents_delta, revisions_delta
from ..templates import Settings, TemplateError
from ..templates.source import read_template_file
from .inputs import InputError, read_stdin


class DiffOutput(str, Enum):
    json = "json"
    text = "text"
    markdown = "markdown"


class DiffPolicyType(str, Enum):
    IDENTITY_POLICY = "IDENTITY_POLICY"
    RESOURCE_POLICY = "RESOURCE_POLICY"


def _document(value: str) -> tuple[str, str]:
    if value == "-":
        return "<stdin>", read_stdin()
    path = value[len("file://"):] if value.startswith("file://") else value
    return read_template_file(Path(path))


def diff_command(
    old: str = typer.Argument(..., help="The old policy or template (a path, file://path or -); with --git-path, a revision."),
    new: str = typer.Argument(..., help="The new policy or template; with --git-path, a revision."),
    git_path: Optional[str] = typer.Option(None, "--git-path", help="Compare every policy and template under this "
                                                                      "folder between the revisions OLD and NEW."),
    repo: str = typer.Option(".", "--repo", help="The git repository (with --git-path)."),
    policy_type: Optional[DiffPolicyType] = typer.Option(
        None, "--policy-type", help="For two policies: IDENTITY_POLICY or RESOURCE_POLICY (default: RESOURCE_POLICY "
                                    "when a statement has a Principal)."),
    output: DiffOutput = typer.Option(DiffOutput.text, "--output", help="text, json or markdown."),
    parameters: Optional[list[str]] = typer.Option(None, "--parameters", help="A template parameter as Key=Value (repeatable)."),
    region: str = typer.Option("us-east-1", "--region"),
    account_id: str = typer.Option("123456789012", "--account-id"),
    partition: str = typer.Option("aws", "--partition"),
) -> None:
    """The exact access a change newly allows (and removes), each action proven by a witness.

    Exit status: 0 no new access, 1 new access, 2 bad input.
    """
    pairs = []
    for item in parameters or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise InputError(f"--parameters {item!r}: expected Key=Value")
        pairs.append((key, value))
    settings = Settings(account_id, region, partition, tuple(pairs))
    try:
        if git_path is not None:
            report = revisions_delta(Path(repo), old, new, git_path, settings)
        else:
            report = documents_delta(_document(old), _document(new), settings,
                                     policy_type.value if policy_type else None)
    except (TemplateError, GitError, CheckInputError) as e:
        raise InputError(str(e)) from None
    except CheckUndecided as e:
        raise InputError(str(e)) from None
    if output is DiffOutput.json:
        typer.echo(json.dumps(report.as_dict(), indent=4))
    elif output is DiffOutput.markdown:
        typer.echo(delta_markdown(report), nl=False)
    else:
        typer.echo(delta_text(report))
    if report.grants_new_access:
        raise typer.Exit(1)
