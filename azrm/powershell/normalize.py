"""Make text copied from web pages what PowerShell's own tokenizer would read.

PowerShell accepts the en dash, em dash and horizontal bar as a hyphen (``\u2013Name``, ``\u2013eq``), Unicode
spaces as spaces, and typographic quotes as quotes; tree-sitter's grammar does not, and misreads
them without reporting an error (``\u2013Name`` becomes a bare word). So they are replaced before
parsing, and each kind of replacement is reported once with the first line where it happened.

A backtick followed by spaces at the end of a line is not a line continuation for PowerShell (the
command ends there and the next line fails); the author meant one, so it is made one and reported,
as a fix-up the converted script relies on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Fixup", "normalize"]

_DASHES = "\u2013\u2014\u2015"
_SPACES = "\u00a0\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
_DOUBLE_QUOTES = "\u201c\u201d\u201e"
_SINGLE_QUOTES = "\u2018\u2019\u201a\u201b"
_TRANSLATION = str.maketrans(
    {
        **{c: "-" for c in _DASHES},
        **{c: " " for c in _SPACES},
        **{c: '"' for c in _DOUBLE_QUOTES},
        **{c: "'" for c in _SINGLE_QUOTES},
    }
)
_KINDS = (
    (_DASHES, "a typographic dash read as a hyphen (U+2013 -> '-')"),
    (_SPACES, "a non-breaking or other Unicode space read as a space"),
    (_DOUBLE_QUOTES + _SINGLE_QUOTES, "typographic quotes read as quotes"),
)
_BACKTICK_SPACE = re.compile(r"`[ \t]+$", re.MULTILINE)
#: ``$cred.GetNetworkCredential().Password`` as a command argument: PowerShell reads it, the grammar does not
_CALL_THEN_MEMBER = re.compile(
    r"(?<=\s)(\$\w+(?:\.\w+)*\.\w+\([^()\"'\n]*\)(?:\.\w+)+"  # $cred.GetNetworkCredential().Password
    r"|\([^()\n]*\)(?:\.\w+\([^()\n]*\))+(?:\.\w+)*)"  # (Get-Date).AddHours(2)
    r"(?=[\s|;)]|$)"
)


@dataclass(frozen=True)
class Fixup:
    """One kind of change the normalising pass made: the first line (1-based) and what was done."""

    line: int
    message: str
    count: int = 1


def _line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def normalize(text: str) -> tuple[str, list[Fixup]]:
    """Return ``text`` as PowerShell reads it, and the fix-ups made (see the module's docstring)."""
    fixups: list[Fixup] = []
    if text.startswith("\ufeff"):
        text = text[1:]
        fixups.append(Fixup(1, "a byte-order mark removed"))
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    for chars, message in _KINDS:
        positions = [i for i, c in enumerate(text) if c in chars]
        if positions:
            fixups.append(Fixup(_line_of(text, positions[0]), message, len(positions)))
    text = text.translate(_TRANSLATION)
    matches = list(_BACKTICK_SPACE.finditer(text))
    if matches:
        fixups.append(
            Fixup(
                _line_of(text, matches[0].start()),
                "a backtick followed by spaces at the end of a line taken as a line continuation "
                "(PowerShell itself would end the command there)",
                len(matches),
            )
        )
        text = _BACKTICK_SPACE.sub("`", text)
    return "\n".join(_argument_fixes(text.split("\n"))), fixups


def _argument_fixes(lines: list[str]) -> list[str]:
    """Apply the argument rewrites to each line of code (a here-string's lines are text: left as they are)."""
    out: list[str] = []
    closing: str | None = None
    for line in lines:
        if closing is not None:
            out.append(line)
            if line.startswith(closing):
                closing = None
            continue
        out.append(_quote_bare_lists(_parenthesize_calls(line)))
        stripped = line.rstrip()
        if stripped.endswith(('@"', "@'")):
            closing = stripped[-1] + "@"
    return out


#: a comma list of bare words as a command argument (``Select-Object Name, Location``)
_BARE_LIST = re.compile(
    r"(?<=\s)([A-Za-z_][\w.-]*(?:[ \t]*,[ \t]*[A-Za-z_][\w.-]*)+)"  # words, commas
    r"(?=[ \t]*(?:$|[|;#)]|[ \t]-[A-Za-z]))"  # then the end, a pipe, or the next parameter
)


def _quote_bare_lists(line: str) -> str:
    """Quote the words of a bare comma list outside strings, brackets and parentheses: the same strings.

    PowerShell reads ``Select-Object Name, Location`` as an array of two strings; the grammar cannot.
    """

    def quote(match: re.Match[str]) -> str:
        before = line[: match.start()]
        if (
            before.count('"') % 2
            or before.count("'") % 2
            or "#" in before
            or before.count("(") > before.count(")")
            or before.count("[") > before.count("]")
            or (before.count("{") > before.count("}") and "=" in before.rsplit("{", 1)[-1])
        ):
            return match.group(0)
        return ", ".join(f"'{word.strip()}'" for word in match.group(0).split(","))

    return _BARE_LIST.sub(quote, line) if "," in line else line


def _parenthesize_calls(line: str) -> str:
    """Put a member read after a method call outside strings in parentheses: same meaning, one the grammar reads."""

    def wrap(match: re.Match[str]) -> str:
        before = line[: match.start()]
        if before.count('"') % 2 or before.count("'") % 2 or "#" in before:
            return match.group(0)
        return f"({match.group(0)})"

    return _CALL_THEN_MEMBER.sub(wrap, line) if "(" in line else line
