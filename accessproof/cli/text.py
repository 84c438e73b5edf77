"""Readable terminal output: each finding with the policy line it points at."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

_STYLE = {"ERROR": "bold red", "SECURITY_WARNING": "bold magenta", "WARNING": "yellow", "SUGGESTION": "cyan"}
console = Console(highlight=False, soft_wrap=True)


def render_error(name: str, code: str, message: str) -> None:
    """A file that could not be validated, in its place in the report."""
    console.print(f"[bold red]{escape(name)}: not validated[/bold red]: {escape(code)}: {escape(message)}")


def render_findings(name: str, text: str, findings: list[dict]) -> None:
    if not findings:
        console.print(f"[green]{escape(name)}: no findings[/green]")
        return
    lines = text.splitlines()
    console.print(f"[bold]{escape(name)}[/bold]: {len(findings)} finding{'s' if len(findings) != 1 else ''}")
    for f in findings:
        loc = f["locations"][0] if f["locations"] else None
        where = f"{loc['span']['start']['line']}:{loc['span']['start']['column'] + 1}" if loc else "-"
        style = _STYLE[f["findingType"]]
        console.print(
            f"  {where:>7}  [{style}]{f['findingType']:<16}[/{style}] [bold]{f['issueCode']}[/bold]"
        )
        console.print(f"           {escape(f['findingDetails'])}")
        if loc:
            start, end = loc["span"]["start"], loc["span"]["end"]
            number = start["line"]
            if 0 < number <= len(lines):
                source = lines[number - 1]
                width = (end["column"] if end["line"] == number else len(source)) - start["column"]
                shown, offset = _clip(source, start["column"])
                console.print(f"           [dim]{number:>4} |[/dim] {escape(shown)}")
                console.print(f"           [dim]     |[/dim] {' ' * offset}[{style}]{'^' * max(1, min(width, 120))}[/{style}]")
        console.print(f"           [dim]{f['learnMoreLink']}[/dim]")


def _clip(line: str, column: int, width: int = 140) -> tuple[str, int]:
    """Long lines (minified policies) are shown as a window around the column."""
    if len(line) <= width:
        return line, column
    start = max(0, column - 40)
    return line[start:start + width], column - start
