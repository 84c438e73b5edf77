"""The AWS CLI's shorthand syntax for structure, map and list arguments.

The grammar is the documented one (AWS CLI User Guide, "Using shorthand syntax in the AWS CLI";
the "Shorthand Syntax" line of each parameter in the AWS CLI Command Reference, e.g. ``aws
accessanalyzer list-findings --filter``:
``KeyName1={eq=[string,string],neq=[string,string],contains=[string,string],exists=boolean}``)::

    structure := key ("=" | "@=") value ("," key ("=" | "@=") value)*
    key       := one or more of  A-Z a-z 0-9 - _ . : / #
    value     := list | hash | scalar ("," scalar)*      several scalars: a list ("a=b,c" is a=[b, c])
    list      := "[" [item ("," item)* [","]] "]"
    hash      := "{" [key "=" item ("," key "=" item)*] "}"
    item      := list | hash | scalar
    scalar    := 'single quoted' | "double quoted" | bare

- At the top, a key's values run up to the next ``key=`` (``a=b,c,d=e`` is ``{"a": ["b", "c"],
  "d": "e"}``): a later value holding ``=`` must be quoted; inside ``{...}`` a key has one item
  (write ``{k=[a,b]}`` for a list).
- A bare scalar runs up to the next ``,`` (or the ``]`` / ``}`` that closes its list or hash);
  ``\\,`` is a comma, any other backslash is itself; spaces around a scalar are dropped. It cannot
  start with ``=``, ``[`` or ``{``, nor hold a quote, nor a ``]`` or ``}`` past its first character
  (nor as its first character where that bracket closes the enclosing list or structure: there the
  AWS CLI would read ``{k=}}`` as ``k="}"``, which this parser refuses): quote such values.
- In quotes, a backslash escapes the quote character and a backslash; nothing else.
- ``key@=file://path`` (or ``fileb://``) loads the value from a file; ``@=`` before anything
  else takes the value as written.

Values are strings (or lists and dicts of them): the service model decides what they become
(``accessproof.cli.awsmodel``). Lists and hashes nest at most ``MAX_DEPTH`` deep, as JSON arguments
(``accessproof.untrusted``). Where the AWS CLI accepts an input this parser refuses, it is
because the AWS CLI would silently misread it: an empty key, or a key given twice.
"""

from __future__ import annotations

import string
from typing import Any, Callable, Optional, Union

from ..untrusted import MAX_DEPTH

KEY_CHARACTERS = frozenset(string.ascii_letters + string.digits + "-_.:/#")
_BARE_NEVER = frozenset(",'\"]}")  # a bare scalar stops (or the input is wrong) at these
_SPACE = frozenset(" \t\r\n")

Loaded = Union[str, bytes]


class ShorthandError(ValueError):
    """Not shorthand; ``position`` is the offset where reading stopped."""

    def __init__(self, message: str, position: int):
        super().__init__(f"{message} (at character {position + 1})")
        self.position = position


def parse_shorthand(text: str, load_file: Optional[Callable[[str], Loaded]] = None) -> dict[str, Any]:
    """The structure written in shorthand; ``load_file`` reads ``key@=file://...`` values."""
    return _Parser(text, load_file).document()


class _Parser:
    def __init__(self, text: str, load_file: Optional[Callable[[str], Loaded]]):
        self.text = text
        self.at = 0
        self.load_file = load_file
        self.depth = 0  # lists and hashes open

    # ------------------------------------------------------------------ structure

    def document(self) -> dict[str, Any]:
        pairs = self._pairs(closing=None)
        if self.at != len(self.text):
            raise self._error(f"expected ',' or the end, found {self.text[self.at]!r}")
        return pairs

    def _pairs(self, closing: Optional[str]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        self._skip_space()
        if closing is not None and self._peek() == closing:
            return out
        while True:
            start = self.at
            key, from_file = self._key()
            if key in out:
                raise ShorthandError(f"key {key!r} is given twice", start)
            self._skip_space()
            bracketed = not from_file and self._peek() in ("[", "{")
            out[key] = self._file_value(closing) if from_file else self._value(closing)
            value_end = self.at
            self._skip_space()
            if self._peek() != ",":
                if closing is None and bracketed and self.at == len(self.text) > value_end:
                    # The AWS CLI refuses blanks after a last list or structure ("a={} "): so do we.
                    raise ShorthandError("blanks after the closing bracket at the end: remove them", value_end)
                return out
            self.at += 1
            self._skip_space()

    def _key(self) -> tuple[str, bool]:
        start = self.at
        while self.at < len(self.text) and self.text[self.at] in KEY_CHARACTERS:
            self.at += 1
        key = self.text[start:self.at]
        if not key:
            raise self._error("expected a key (letters, digits, - _ . : / #)")
        self._skip_space()
        if self.text.startswith("@=", self.at):
            self.at += 2
            return key, True
        if self._peek() == "=":
            self.at += 1
            return key, False
        raise self._error(f"expected '=' after the key {key!r}")

    def _file_value(self, closing: Optional[str]) -> Loaded:
        self._skip_space()
        start = self.at
        value = self._scalar(closing)
        if value.startswith(("file://", "fileb://")):
            if self.load_file is None:
                raise ShorthandError("@= cannot read files here", start)
            return self.load_file(value)
        return value

    # ------------------------------------------------------------------ values

    def _value(self, closing: Optional[str]) -> Any:
        self._skip_space()
        char = self._peek()
        if char == "[":
            return self._list()
        if char == "{":
            return self._hash()
        values = [self._scalar(closing)]
        while closing is None and self._continues_with_a_value():
            self.at += 1  # the comma
            self._skip_space()
            start = self.at
            if self._peek() in ("[", "{"):
                raise self._error("a list or a structure must be the key's only value")
            value = self._scalar(closing)
            if not value and self.at == start:
                raise ShorthandError("expected a value after ','", start)
            values.append(value)
        return values[0] if len(values) == 1 else values

    def _continues_with_a_value(self) -> bool:
        """After a scalar: is the next comma followed by another value of the same key? It is
        unless the text up to the following comma holds an "=" outside quotes: then it is the next
        ``key=`` (or ``key@=``), as the AWS CLI reads it, and a malformed key is an error there."""
        save = self.at
        self._skip_space()
        if self._peek() != ",":
            self.at = save
            return False
        probe = self.at + 1
        while probe < len(self.text) and self.text[probe] in _SPACE:
            probe += 1
        if self.text[probe:probe + 1] in ("'", '"'):
            return True
        segment_end = probe
        while segment_end < len(self.text) and not (
                self.text[segment_end] == "," and self.text[segment_end - 1] != "\\"):
            segment_end += 1
        if "=" in self.text[probe:segment_end]:
            self.at = save
            return False
        return True

    def _open(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self._error(f"lists and structures nested deeper than {MAX_DEPTH} levels")
        self.at += 1  # [ or {

    def _list(self) -> list[Any]:
        self._open()
        items: list[Any] = []
        self._skip_space()
        while self._peek() != "]":
            if self.at >= len(self.text):
                raise self._error("expected ']'")
            items.append(self._item())
            self._skip_space()
            if self._peek() == ",":
                self.at += 1
                self._skip_space()
            elif self._peek() != "]":
                raise self._error("expected ',' or ']'")
        self.at += 1  # ]
        self.depth -= 1
        return items

    def _item(self) -> Any:
        char = self._peek()
        if char == "[":
            return self._list()
        if char == "{":
            return self._hash()
        return self._scalar("]")

    def _hash(self) -> dict[str, Any]:
        self._open()
        pairs = self._pairs(closing="}")
        self._skip_space()
        if self._peek() != "}":
            raise self._error("expected ',' or '}'")
        self.at += 1
        self.depth -= 1
        return pairs

    def _scalar(self, closing: Optional[str]) -> str:
        """A quoted or bare scalar; ``closing`` is the bracket that ends the enclosing list or
        structure (None at the top)."""
        char = self._peek()
        if char in ("'", '"'):
            return self._quoted(char)
        if char in ("=", "[", "{"):
            raise self._error(f"a value cannot start with {char!r}: quote it")
        out: list[str] = []
        if char in ("]", "}") and char != closing:  # a bracket that closes nothing is the value's first character
            out.append(char)
            self.at += 1
        while self.at < len(self.text):
            char = self.text[self.at]
            if char == "\\" and self.text.startswith(",", self.at + 1):
                out.append(",")
                self.at += 2
                continue
            if char in _BARE_NEVER:
                break
            out.append(char)
            self.at += 1
        return "".join(out).strip(" \t\r\n")

    def _quoted(self, quote: str) -> str:
        start = self.at
        self.at += 1
        out: list[str] = []
        while self.at < len(self.text):
            char = self.text[self.at]
            if char == "\\" and self.at + 1 < len(self.text) and self.text[self.at + 1] in (quote, "\\"):
                out.append(self.text[self.at + 1])
                self.at += 2
                continue
            if char == quote:
                self.at += 1
                return "".join(out)
            out.append(char)
            self.at += 1
        raise ShorthandError(f"unterminated {quote}quoted{quote} value", start)

    # ------------------------------------------------------------------ helpers

    def _peek(self) -> str:
        return self.text[self.at] if self.at < len(self.text) else ""

    def _skip_space(self) -> None:
        while self.at < len(self.text) and self.text[self.at] in _SPACE:
            self.at += 1

    def _error(self, message: str) -> ShorthandError:
        return ShorthandError(message, self.at)
