"""The AWS CLI's command-line conventions for the commands that mirror an AWS operation.

- Several values after one list option (``--ids a b``, ``--action-names s3:GetObject s3:PutObject``),
  or the option repeated.
- ``--cli-input-json JSON|file://path``: the operation's input as JSON (``--generate-cli-skeleton``
  prints a sample); an option given on the command line wins over the same member in the JSON
  (AWS CLI Command Reference, ``--cli-input-json``).
- ``--generate-cli-skeleton [input|output]``: a sample input (the members the command takes) or
  output, printed without running anything.

Structures, maps and lists are typed by the model (``accessproof.cli.awsmodel``).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, ClassVar, Optional

import typer
from rich.markup import escape
from typer.core import TyperCommand

try:  # typer >= 0.2x carries its own copy of click
    from typer._click.core import Context
    from typer._click.exceptions import UsageError
except ImportError:  # pragma: no cover - older typer uses click itself
    from click import Context, UsageError

from .awsmodel import LITERAL, Mirror, file_url_path, is_document, load_text, option_name
from .inputs import InputError, parse_json_text

if TYPE_CHECKING:
    from botocore.model import Shape

CLI_INPUT_JSON = "--cli-input-json"
GENERATE_CLI_SKELETON = "--generate-cli-skeleton"


def expand_list_flags(args: list[str], list_flags: frozenset[str]) -> list[str]:
    """AWS CLI list syntax (``--flag a b``) rewritten as the flag repeated (``--flag a --flag b``).

    Values run up to the next ``--`` token; any other token is left where it is, so that the
    parser reports an unknown flag or a stray value instead of this function guessing."""
    out: list[str] = []
    current: Optional[str] = None
    first_value_pending = False
    for token in args:
        if token.startswith("--"):
            name, eq, _ = token.partition("=")
            current = name if name in list_flags else None
            first_value_pending = current is not None and not eq
            out.append(token)
        elif current is not None and not first_value_pending:
            out.extend((current, token))
        else:
            first_value_pending = False
            out.append(token)
    return out


class AwsListCommand(TyperCommand):
    """A command whose list options also take several values after one flag, as the AWS CLI's do."""

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        flags = frozenset(opt for p in self.params if getattr(p, "multiple", False)
                          for opt in p.opts if opt.startswith("--"))
        return super().parse_args(ctx, expand_list_flags(list(args), flags))


class AwsCommand(AwsListCommand):
    """A command that mirrors ``mirror`` (set by ``mirrors``): AWS CLI lists, ``--cli-input-json``
    and ``--generate-cli-skeleton``."""

    mirror: ClassVar[Mirror]

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # Taken out of the arguments before the parser sees them (they supply or replace required
        # options), so they are described here rather than declared as options.
        note = (f"Also, as in the AWS CLI: {CLI_INPUT_JSON} JSON|file://path (the operation's input as JSON; "
                f"options on the command line win) and {GENERATE_CLI_SKELETON} [input|output] (print a sample "
                "and exit).")
        note = escape(note)  # the help is rendered with rich markup
        self.epilog = f"{self.epilog}\n\n{note}" if self.epilog else note

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        args, input_json, skeleton = _take_input_options(ctx, list(args))
        if skeleton is not None:
            typer.echo(json.dumps(self.mirror.skeleton(self.members(), output=skeleton == "output"), indent=4))
            raise typer.Exit(0)
        if input_json is not None:
            ctx.default_map = {**(ctx.default_map or {}), **self.defaults_from_json(input_json)}
        return super().parse_args(ctx, args)

    def members(self) -> dict[str, Any]:
        """The operation's members this command takes, with their options."""
        options = {opt: p for p in self.params for opt in p.opts}
        return {m: options[option_name(m)] for m in self.mirror.model.input_shape.members if option_name(m) in options}

    def defaults_from_json(self, value: str) -> dict[str, Any]:
        """``--cli-input-json`` as the options' defaults (so that the command line wins)."""
        path = file_url_path(value)
        data = parse_json_text(load_text(value), "<argument>" if path is None else str(path), CLI_INPUT_JSON)
        if not isinstance(data, dict):
            raise InputError(f"{CLI_INPUT_JSON}: expected a JSON object of the operation's parameters")
        shape = self.mirror.model.input_shape
        taken = self.members()
        defaults: dict[str, Any] = {}
        for key, item in data.items():
            if key not in shape.members:
                raise InputError(f"{CLI_INPUT_JSON}: unknown parameter {key!r}; {self.name} takes {', '.join(taken)}")
            if key not in taken:
                raise InputError(f"{CLI_INPUT_JSON}: {key} is not supported by accessproof {self.name} "
                                 f"(it takes {', '.join(taken)})")
            defaults[taken[key].name] = _default(item, shape.members[key], key)
        return defaults


def mirrors(mirror: Mirror) -> type[AwsCommand]:
    """The command class for a command that mirrors ``mirror``."""
    return type(f"{mirror.operation}Command", (AwsCommand,), {"mirror": mirror})


def _default(value: Any, shape: Shape, member: str) -> Any:
    """A member's JSON value as its option's default: literal (``LITERAL``) wherever the command
    would otherwise read a path, a file or shorthand."""
    if shape.type_name == "list":
        if not isinstance(value, list):
            raise InputError(f"{CLI_INPUT_JSON}: {member}: expected a list")
        if is_document(shape.member):
            return [_document(v, member) for v in value]
        return [LITERAL + json.dumps(value)]
    if shape.type_name in ("structure", "map"):
        return LITERAL + json.dumps(value)
    if is_document(shape):
        return _document(value, member)
    if shape.type_name == "string" and not isinstance(value, str):
        raise InputError(f"{CLI_INPUT_JSON}: {member}: expected a string")
    return value


def _document(value: Any, member: str) -> str:
    if not isinstance(value, str):
        raise InputError(f"{CLI_INPUT_JSON}: {member}: expected the policy document as a JSON string")
    return LITERAL + value


def _take_input_options(ctx: Context, args: list[str]) -> tuple[list[str], Optional[str], Optional[str]]:
    """(the other arguments, the --cli-input-json value, the --generate-cli-skeleton kind)."""
    rest: list[str] = []
    input_json: Optional[str] = None
    skeleton: Optional[str] = None
    index = 0
    while index < len(args):
        name, eq, inline = args[index].partition("=")
        following = args[index + 1] if index + 1 < len(args) else None
        if name == CLI_INPUT_JSON:
            if not eq and following is None:
                raise UsageError(f"Option '{CLI_INPUT_JSON}' requires an argument.", ctx=ctx)
            input_json = inline if eq else following
            index += 1 if eq else 2
        elif name == GENERATE_CLI_SKELETON:
            if eq and inline not in ("input", "output"):
                raise UsageError(f"{GENERATE_CLI_SKELETON} takes input or output, not {inline!r}.", ctx=ctx)
            takes_next = not eq and following in ("input", "output")
            skeleton = inline if eq else (following if takes_next else "input")
            index += 2 if takes_next else 1
        else:
            rest.append(args[index])
            index += 1
    return rest, input_json, skeleton
