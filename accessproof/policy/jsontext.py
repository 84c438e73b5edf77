"""A JSON reader that remembers where every key and value stands in the text.

ValidatePolicy reports locations as spans of the original text, so the standard ``json`` module
(which forgets positions) cannot be used. This reader keeps character offsets only; lines and
columns are derived on demand from a line index (``TextIndex``), which keeps parsing cheap.

It applies the limits and the duplicate-key rule of ``accessproof.untrusted`` (the reader of
every other user JSON): nesting deeper than ``MAX_DEPTH``, a number literal longer than
``MAX_NUMBER_CHARS`` or beyond a float's range raises ``JsonLimitError``; a key repeated in one object raises
``JsonSyntaxError`` at the repeated key, as does a ``\\uD800``-``\\uDFFF`` escape that is not half of a
pair (not Unicode text: it could not even be printed). IAM's grammar forbids repeated keys ("Individual elements
must not contain multiple instances of the same key", IAM User Guide, "Grammar of the IAM JSON
policy language"), so ValidatePolicy reports JSON_SYNTAX_ERROR there, the evaluator refuses the
policy as malformed and the checks refuse the request: no reader ever picks one of the values.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from typing import Union

from ..untrusted import MAX_DEPTH, MAX_NUMBER_CHARS, UNPAIRED_SURROGATE, JsonLimitError, JsonSyntaxError, excerpt

# Node kinds
OBJECT = "object"
ARRAY = "array"
STRING = "string"
NUMBER = "number"
BOOLEAN = "boolean"
NULL = "null"


@dataclass(slots=True)
class Member:
    """One ``"key": value`` pair of an object, in source order (keys are unique within an object)."""

    key: str
    key_start: int
    key_end: int
    value: "Node"


@dataclass(slots=True)
class Node:
    """A JSON value with its half-open character span ``[start, end)`` in the source text.

    ``value`` holds: for strings the decoded text, for numbers an int or float, for booleans a
    bool, for null ``None``, for arrays a list of nodes, for objects a list of ``Member``.
    ``raw`` is the literal source text of scalar tokens (numbers keep their spelling).
    """

    kind: str
    start: int
    end: int
    value: Union[str, int, float, bool, None, list["Node"], list[Member]]
    raw: str = ""

    def members(self) -> list[Member]:
        assert self.kind == OBJECT
        return self.value  # type: ignore[return-value]

    def items(self) -> list["Node"]:
        assert self.kind == ARRAY
        return self.value  # type: ignore[return-value]

    def to_python(self):
        """The plain Python value."""
        if self.kind == OBJECT:
            return {m.key: m.value.to_python() for m in self.members()}
        if self.kind == ARRAY:
            return [n.to_python() for n in self.items()]
        return self.value


class TextIndex:
    """Converts character offsets to 1-based lines and 0-based columns."""

    def __init__(self, text: str):
        self.text = text
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def line_col(self, offset: int) -> tuple[int, int]:
        line = bisect_right(self._line_starts, offset)
        return line, offset - self._line_starts[line - 1]


# One token per match, white space before it skipped. ``bad`` catches any other character (and
# the end of the text, as an empty match) so that an error can name its position.
_TOKEN = re.compile(
    r"""[ \t\n\r]*(?:"""
    r"""(?P<string>"[^"\\\x00-\x1f]*(?:\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})[^"\\\x00-\x1f]*)*")"""
    r"""|(?P<punct>[{}\[\],:])"""
    r"""|(?P<number>-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)"""
    r"""|(?P<literal>true|false|null)"""
    r"""|(?P<bad>.|\Z))""",
    re.DOTALL,
)
_INFINITIES = (float("inf"), float("-inf"))  # 1e400: a valid literal that no float holds
_LITERALS = {"true": (BOOLEAN, True), "false": (BOOLEAN, False), "null": (NULL, None)}
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_ESCAPE = re.compile(r"\\(u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|.)")


def _unescape(body: str, offset: int) -> str:
    """The text of a string token's ``body`` (without its quotes), which starts at ``offset``."""
    if "\\" not in body:
        return body

    def replace(m: re.Match[str]) -> str:
        esc = m.group(1)
        if esc[0] != "u":
            return _ESCAPES[esc]
        if len(esc) > 5:  # a UTF-16 surrogate pair
            hi, lo = int(esc[1:5], 16), int(esc[7:11], 16)
            return chr(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
        code = int(esc[1:], 16)
        if 0xD800 <= code <= 0xDFFF:
            raise JsonSyntaxError(UNPAIRED_SURROGATE, offset)
        return chr(code)

    return _ESCAPE.sub(replace, body)


class _Parser:
    """Recursive descent over the token stream of ``_TOKEN``."""

    def __init__(self, text: str):
        self.text = text
        self.tokens = _TOKEN.finditer(text)
        self.token: re.Match[str] = next(self.tokens)

    def advance(self) -> None:
        self.token = next(self.tokens)

    def fail(self, what: str) -> JsonSyntaxError:
        tok = self.token
        kind = tok.lastgroup
        offset = tok.start(kind)  # type: ignore[arg-type]
        if offset >= len(self.text):
            return JsonSyntaxError(f"Unexpected end of input: {what}", len(self.text))
        return JsonSyntaxError(f"Unexpected character {self.text[offset]!r}: {what}", offset)

    def punct(self, char: str) -> bool:
        tok = self.token
        if tok.lastgroup == "punct" and tok.group("punct") == char:
            self.advance()
            return True
        return False

    def value(self, depth: int) -> Node:
        """The value at the current token; ``depth`` arrays and objects are open around it."""
        tok = self.token
        kind = tok.lastgroup
        if kind == "string":
            start, end = tok.span("string")
            raw = tok.group("string")
            self.advance()
            return Node(STRING, start, end, _unescape(raw[1:-1], start), raw)
        if kind == "punct":
            char = tok.group("punct")
            if char in "{[" and depth >= MAX_DEPTH:
                start = tok.start("punct")
                raise JsonLimitError(f"JSON nested deeper than {MAX_DEPTH} levels", start)
            if char == "{":
                return self.object(depth + 1)
            if char == "[":
                return self.array(depth + 1)
        elif kind == "number":
            start, end = tok.span("number")
            raw = tok.group("number")
            if len(raw) > MAX_NUMBER_CHARS:
                raise JsonLimitError(f"a number of {len(raw):,} characters; the maximum is {MAX_NUMBER_CHARS}", start)
            self.advance()
            number: int | float = float(raw) if ("." in raw or "e" in raw or "E" in raw) else int(raw)
            if number in _INFINITIES:
                raise JsonLimitError(f"a number out of range ({excerpt(raw, 20)})", start)
            return Node(NUMBER, start, end, number, raw)
        elif kind == "literal":
            start, end = tok.span("literal")
            raw = tok.group("literal")
            self.advance()
            node_kind, value = _LITERALS[raw]
            return Node(node_kind, start, end, value, raw)
        raise self.fail("expected a value")

    def object(self, depth: int) -> Node:
        start = self.token.start("punct")
        self.advance()
        members: list[Member] = []
        if self.token.lastgroup == "punct" and self.token.group("punct") == "}":
            end = self.token.end()
            self.advance()
            return Node(OBJECT, start, end, members)
        keys: set[str] = set()
        while True:
            tok = self.token
            if tok.lastgroup != "string":
                raise self.fail("expected a quoted key")
            key_start, key_end = tok.span("string")
            key = _unescape(tok.group("string")[1:-1], key_start)
            if key in keys:
                # CHOICE: AWS does not publish where its parser stops on a repeated key: at the key.
                raise JsonSyntaxError(f"duplicate key {excerpt(key)} (keys must be unique within an object)", key_start)
            keys.add(key)
            self.advance()
            if not self.punct(":"):
                raise self.fail("expected ':'")
            members.append(Member(key, key_start, key_end, self.value(depth)))
            if self.punct(","):
                continue
            tok = self.token
            if tok.lastgroup == "punct" and tok.group("punct") == "}":
                self.advance()
                return Node(OBJECT, start, tok.end(), members)
            raise self.fail("expected ',' or '}'")

    def array(self, depth: int) -> Node:
        start = self.token.start("punct")
        self.advance()
        items: list[Node] = []
        if self.token.lastgroup == "punct" and self.token.group("punct") == "]":
            end = self.token.end()
            self.advance()
            return Node(ARRAY, start, end, items)
        while True:
            items.append(self.value(depth))
            if self.punct(","):
                continue
            tok = self.token
            if tok.lastgroup == "punct" and tok.group("punct") == "]":
                self.advance()
                return Node(ARRAY, start, tok.end(), items)
            raise self.fail("expected ',' or ']'")


def parse_json(text: str) -> Node:
    """Parse ``text`` (one JSON value, surrounding white space allowed) into a ``Node`` tree.

    Raises ``JsonSyntaxError`` with the offset of the first offending character (of the repeated
    key for a duplicate), ``JsonLimitError`` (a ``JsonSyntaxError``) past the limits.
    """
    parser = _Parser(text)
    node = parser.value(0)
    tok = parser.token
    if tok.lastgroup != "bad" or tok.group("bad") != "":
        raise parser.fail("expected end of input")
    return node
