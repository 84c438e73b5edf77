"""A side-by-side diff of two policy texts (the existing policy and the recommended one)."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class DiffRow:
    left: Optional[str]
    right: Optional[str]
    kind: str  # "same", "removed", "added", "changed"


def pretty(text: str) -> str:
    """A policy pretty-printed with sorted-free 2-space indentation (as written when it is not JSON)."""
    try:
        return json.dumps(json.loads(text), indent=2)
    except (ValueError, RecursionError):
        return text


def side_by_side(before: str, after: str) -> list[DiffRow]:
    """Rows pairing the lines of ``before`` and ``after``: equal lines side by side, removed lines
    on the left only, added lines on the right only, replaced blocks paired line by line."""
    left, right = pretty(before).splitlines(), pretty(after).splitlines()
    rows: list[DiffRow] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, left, right, autojunk=False).get_opcodes():
        if tag == "equal":
            rows.extend(DiffRow(a, b, "same") for a, b in zip(left[i1:i2], right[j1:j2]))
        elif tag == "delete":
            rows.extend(DiffRow(a, None, "removed") for a in left[i1:i2])
        elif tag == "insert":
            rows.extend(DiffRow(None, b, "added") for b in right[j1:j2])
        else:
            a, b = left[i1:i2], right[j1:j2]
            for n in range(max(len(a), len(b))):
                left_line, right_line = a[n] if n < len(a) else None, b[n] if n < len(b) else None
                kind = "changed" if left_line is not None and right_line is not None else (
                    "removed" if right_line is None else "added")
                rows.append(DiffRow(left_line, right_line, kind))
    return rows
