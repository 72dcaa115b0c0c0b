"""Regular expressions that mean the same to Python's `re` and to JSON Schema (ECMA-262), so
a reader and its API document check one rule.

The two disagree on white space (Python's `\\s` and `str.strip()` take the information
separators U+001C..U+001F and U+0085; ECMA's take U+FEFF), so classes spell it out.
"""

from __future__ import annotations

_CHARS = "".join(f"\\u{c:04x}" for c in range(0x3001) if chr(c).isspace())
SPACE = f"[{_CHARS}]"
"""One white-space character, as `str.isspace()` has it."""
NOT_SPACE = f"[^{_CHARS}]"
"""One character that is not white space: a string that holds one is not blank."""


def any_case(text: str) -> str:
    """A pattern matching `text` in any case."""
    return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else c for c in text)
