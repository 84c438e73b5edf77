"""Policy text with spans marked: the statement that grants a finding's access, the findings of
ValidatePolicy at their locations. The text is attacker-controlled: every character is escaped,
the marks are the only markup.

Spans are character offsets ``[start, end)`` in the text. Overlapping spans are flattened: where
two overlap, the one that starts later (the more precise one) wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional, Sequence

from markupsafe import Markup, escape


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str  # a CSS class: "grant", "error", "security_warning", "warning", "suggestion"
    label: str = ""  # shown as the mark's title (issue code, statement id)
    anchor: Optional[str] = None  # an id the page links to


def _owners(length: int, spans: Sequence[Span]) -> list[Optional[int]]:
    owner: list[Optional[int]] = [None] * length
    for index, span in sorted(enumerate(spans), key=lambda item: (item[1].start, -item[1].end)):
        for position in range(max(0, span.start), min(length, max(span.end, span.start + 1))):
            owner[position] = index
    return owner


def _runs(text: str, spans: Sequence[Span]) -> Iterable[tuple[str, Optional[int]]]:
    owner = _owners(len(text), spans)
    start = 0
    for position in range(1, len(text) + 1):
        if position == len(text) or owner[position] != owner[start]:
            yield text[start:position], owner[start]
            start = position


def highlight(text: str, spans: Sequence[Span]) -> Markup:
    """``text`` as lines (``<span class="line">``, numbered by CSS) with ``<mark>`` around spans."""
    lines: list[str] = []
    current: list[str] = []
    anchored: set[int] = set()
    for run, index in _runs(text, spans):
        pieces = run.split("\n")
        for number, piece in enumerate(pieces):
            if number:
                lines.append("".join(current))
                current = []
            if number < len(pieces) - 1:
                piece = piece.removesuffix("\r")  # a CRLF line end is one line end
            if not piece:
                continue
            if index is None:
                current.append(str(escape(piece)))
                continue
            span = spans[index]
            anchor = ""
            if span.anchor and index not in anchored:
                anchored.add(index)
                anchor = f' id="{escape(span.anchor)}"'
            title = f' title="{escape(span.label)}"' if span.label else ""
            current.append(f'<mark class="{escape(span.kind)}"{anchor}{title}>{escape(piece)}</mark>')
    lines.append("".join(current))
    return Markup("".join(f'<span class="line">{line}</span>\n' for line in lines))
