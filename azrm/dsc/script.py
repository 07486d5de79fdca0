"""Read a PowerShell DSC configuration script.

Its ``Configuration`` blocks, the modules it imports with ``Import-DscResource`` (every form
PowerShell accepts), and the resources each block declares.

The script is parsed with tree-sitter's PowerShell grammar (``tree-sitter-powershell``):
:func:`syntax_problem` says where a script that PowerShell would not parse goes wrong (an unclosed
``{``, an unterminated string...), and the ``Configuration`` blocks are the parse tree's
``Configuration <Name>`` commands, so one in a comment or a string is not one. The modules and the
resources each block declares are then read from the text with comments removed (``#`` to the end
of a line, ``<# ... #>`` blocks) and strings respected, so a commented-out ``Import-DscResource`` is
not a dependency and a ``#`` inside a string is not a comment.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["BUILTIN_MODULE", "DscScript", "ModuleRef", "parse_script", "syntax_problem"]

#: The module that ships with Windows; Publish-AzVMDscConfiguration never bundles it.
BUILTIN_MODULE = "PSDesiredStateConfiguration"
_NOT_RESOURCES = frozenset(
    {
        "node",
        "configuration",
        "param",
        "if",
        "elseif",
        "else",
        "foreach",
        "for",
        "while",
        "switch",
        "do",
        "try",
        "catch",
        "finally",
        "import-dscresource",
        "return",
        "function",
        "begin",
        "process",
        "end",
    }
)


@dataclass(frozen=True)
class ModuleRef:
    """A module named by ``Import-DscResource`` (with the version, when the script pins one)."""

    name: str
    version: str | None = None


@dataclass(frozen=True)
class DscScript:
    """What a configuration script declares."""

    configurations: tuple[str, ...]
    modules: tuple[ModuleRef, ...]
    resources: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)

    def defines(self, configuration: str) -> bool:
        """Whether ``configuration`` is one of the script's ``Configuration`` blocks (case-insensitive)."""
        return configuration.lower() in (c.lower() for c in self.configurations)

    @property
    def external_modules(self) -> tuple[ModuleRef, ...]:
        """Imported modules other than the built-in ``PSDesiredStateConfiguration``, each once."""
        seen: dict[str, ModuleRef] = {}
        for module in self.modules:
            if module.name.lower() != BUILTIN_MODULE.lower():
                seen.setdefault(module.name.lower(), module)
        return tuple(seen.values())


def _strip(text: str, *, blank_strings: bool) -> str:
    """Remove comments; with ``blank_strings``, also replace string contents with spaces."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("<#", i):
            end = text.find("#>", i + 2)
            end = n if end < 0 else end + 2
            out.append("".join("\n" if ch == "\n" else " " for ch in text[i:end]))
            i = end
        elif c == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif text.startswith(("@'", '@"'), i) and text[i + 2 : i + 3] in ("\n", "\r"):
            quote = text[i + 1]
            end = text.find("\n" + quote + "@", i + 2)
            end = n if end < 0 else end + 3
            chunk = text[i:end]
            out.append(_blank(chunk) if blank_strings else chunk)
            i = end
        elif c in ("'", '"'):
            j = _string_end(text, i)
            chunk = text[i : j + 1]
            out.append(c + _blank(chunk[1:-1]) + c if blank_strings else chunk)
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _string_end(text: str, start: int) -> int:
    """Return the index of the quote closing the string opened at ``start`` (``len(text)`` or more if never).

    A doubled quote escapes itself; in a double-quoted string a backtick escapes the next character.
    """
    quote, j, n = text[start], start + 1, len(text)
    while j < n:
        escaped = quote == '"' and text[j] == "`"
        doubled = text[j] == quote and text[j + 1 : j + 2] == quote
        if escaped or doubled:
            j += 2
        elif text[j] == quote:
            return j
        else:
            j += 1
    return j


def _blank(text: str) -> str:
    return "".join("\n" if ch == "\n" else " " for ch in text)


# -- Import-DscResource ------------------------------------------------------------------------------
_TOKEN = re.compile(
    r"""\s*(?:
        (?P<param>-[A-Za-z]+:?)
      | (?P<sq>'(?:[^']|'')*')
      | (?P<dq>"(?:[^"`]|`.|"")*")
      | (?P<open>@\(|@\{|\(|\{)
      | (?P<close>\)|\})
      | (?P<sep>[,;=]|\n)
      | (?P<word>[^\s,;=(){}'"]+)
    )""",
    re.VERBOSE,
)


def _tokens(statement: str) -> list[tuple[str, str]]:
    out = []
    pos = 0
    while pos < len(statement):
        m = _TOKEN.match(statement, pos)
        if not m or m.end() == pos:
            break
        pos = m.end()
        kind = m.lastgroup or ""
        value = m.group(kind)
        if kind == "sq":
            kind, value = "str", value[1:-1].replace("''", "'")
        elif kind == "dq":
            kind, value = "str", value[1:-1].replace('""', '"').replace("`", "")
        out.append((kind, value))
    return out


def _statement_end(code: str, start: int) -> int:
    """End of the statement starting at ``start``: a newline outside brackets and not after a backtick."""
    depth, i = 0, start
    while i < len(code):
        c = code[i]
        if c in "({":
            depth += 1
        elif c in ")}":
            if depth == 0:
                return i
            depth -= 1
        elif c == "`" and code[i + 1 : i + 2] in ("\n", "\r"):
            i += 2
            continue
        elif c in "\n;" and depth == 0:
            return i
        i += 1
    return i


def _parse_values(tokens: list[tuple[str, str]], i: int) -> tuple[list[ModuleRef], int]:
    """Parse a parameter value: names, lists, ``@(...)`` arrays and ``@{ModuleName=...}`` tables."""
    refs: list[ModuleRef] = []
    while i < len(tokens):
        kind, value = tokens[i]
        if kind in ("str", "word"):
            refs.append(ModuleRef(value))
            i += 1
        elif kind == "open" and value in ("@(", "("):
            inner, i = _parse_values(tokens, i + 1)
            refs.extend(inner)
            if i < len(tokens) and tokens[i][0] == "close":
                i += 1
        elif kind == "open" and value == "@{":
            table: dict[str, str] = {}
            i += 1
            while i < len(tokens) and tokens[i][0] != "close":
                if tokens[i][0] in ("str", "word") and i + 2 < len(tokens) and tokens[i + 1] == ("sep", "="):
                    table[tokens[i][1].lower()] = tokens[i + 2][1]
                    i += 3
                else:
                    i += 1
            i += 1
            name = table.get("modulename")
            if name:
                refs.append(ModuleRef(name, table.get("requiredversion") or table.get("moduleversion")))
        else:
            return refs, i
        if i < len(tokens) and tokens[i] == ("sep", ","):
            i += 1
            continue
        return refs, i
    return refs, i


def _parse_import(statement: str) -> list[ModuleRef]:
    statement = re.sub(r"`\r?\n", " ", statement)  # line continuations
    tokens = [t for t in _tokens(statement) if t != ("sep", "\n")]
    modules: list[ModuleRef] = []
    version: str | None = None
    i = 0
    while i < len(tokens):
        kind, value = tokens[i]
        name = value.lower().rstrip(":")
        if kind == "param" and (name == "-module" or name.startswith("-modulen")):
            found, i = _parse_values(tokens, i + 1)
            modules.extend(found)
        elif kind == "param" and name.startswith("-modulev"):
            if i + 1 < len(tokens) and tokens[i + 1][0] in ("str", "word"):
                version = tokens[i + 1][1]
            i += 2
        else:
            i += 1
    if version and len(modules) == 1 and modules[0].version is None:
        modules = [ModuleRef(modules[0].name, version)]
    return modules


@functools.lru_cache(maxsize=1)
def _parser() -> Any:
    import tree_sitter
    import tree_sitter_powershell

    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_powershell.language()))


def _tree(text: str) -> Any:
    return _parser().parse(text.encode("utf-8"))


def _place(text: str, index: int) -> str:
    line = text.count("\n", 0, index) + 1
    return f"line {line}, column {index - (text.rfind(chr(10), 0, index) + 1) + 1}"


def _structure_problem(text: str) -> str | None:  # one branch per kind of token
    """Return the first unclosed or unmatched bracket, string, here-string or block comment, or ``None``."""
    text = text.replace("\r\n", "\n")
    pairs = {")": "(", "}": "{", "]": "["}
    stack: list[tuple[str, int]] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("<#", i):
            end = text.find("#>", i + 2)
            if end < 0:
                return f"{_place(text, i)}: the block comment '<#' is never closed with '#>'"
            i = end + 2
        elif c == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif text.startswith(("@'", '@"'), i) and text[i + 2 : i + 3] == "\n":
            quote = text[i + 1]
            end = text.find("\n" + quote + "@", i + 2)
            if end < 0:
                return f"{_place(text, i)}: the here-string {text[i : i + 2]} is never closed with {quote}@"
            i = end + 3
        elif c in ("'", '"'):
            j = _string_end(text, i)
            if j >= n:
                return f"{_place(text, i)}: the string {c}... is never closed"
            i = j + 1
        elif c == "`":
            i += 2  # an escaped character
        elif c in "({[":
            stack.append((c, i))
            i += 1
        elif c in ")}]":
            if not stack or stack[-1][0] != pairs[c]:
                return f"{_place(text, i)}: unexpected '{c}'" + (
                    f" (the '{stack[-1][0]}' at {_place(text, stack[-1][1])} is still open)" if stack else ""
                )
            stack.pop()
            i += 1
        else:
            i += 1
    if stack:
        opener, at = stack[-1]
        return f"{_place(text, at)}: the '{opener}' is never closed"
    return None


def syntax_problem(text: str) -> str | None:
    """Return where a PowerShell script fails to parse (``line 3, column 1: ...``), or ``None`` when it parses.

    The script is parsed with tree-sitter's PowerShell grammar. That grammar does not cover all that
    PowerShell accepts (it stumbles on a multi-line empty block, or ``-ModuleName A, B`` in some
    places), so an error it reports is confirmed by a scan of the brackets, strings, here-strings
    and comments before the script is called broken: a script is refused only when both find a fault,
    and the scan's place and words are given.
    """
    if not _tree(text).root_node.has_error:
        return None
    return _structure_problem(text)


def _configuration_names(tree: Any) -> list[str]:
    """Return the names of the script's ``Configuration <Name>`` commands, from its parse tree."""
    names: list[str] = []
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.type == "command":
            command_name = node.child_by_field_name("command_name") or next(
                (c for c in node.children if c.type == "command_name"), None
            )
            if command_name is not None and command_name.text.decode().lower() == "configuration":
                elements = next((c for c in node.children if c.type == "command_elements"), None)
                token = next((c for c in (elements.children if elements else []) if c.type == "generic_token"), None)
                if token is not None:
                    names.append(token.text.decode())
        stack.extend(reversed(node.children))
    return names


def parse_script(text: str) -> DscScript:
    """Read a configuration script's text."""
    code = _strip(text.replace("\r\n", "\n"), blank_strings=False)
    blanked = _strip(text.replace("\r\n", "\n"), blank_strings=True)
    modules: list[ModuleRef] = []
    for m in re.finditer(r"(?i)\bImport-DscResource\b", blanked):
        end = _statement_end(code, m.end())
        modules.extend(_parse_import(code[m.end() : end]))
    configurations: list[str] = []
    resources: dict[str, tuple[tuple[str, str], ...]] = {}
    tree = _tree(text)
    # the parse tree says which are Configuration commands; where tree-sitter's grammar falls short
    # of PowerShell (the script passed syntax_problem), the text's own ``Configuration <Name>`` lines do
    declared = None if tree.root_node.has_error else {name.lower() for name in _configuration_names(tree)}
    for m in re.finditer(r"(?im)^[ \t]*configuration[ \t]+([A-Za-z_][\w-]*)", blanked):
        name = m.group(1)
        if declared is not None and name.lower() not in declared:  # not a Configuration command to the parser
            continue
        configurations.append(name)
        body = _block(blanked, m.end())
        found = []
        declaration = r"(?m)(?:(?<=[{;])|^)[ \t]*([A-Za-z][\w]*)[ \t]+([A-Za-z_$][\w$-]*)[ \t]*\n?[ \t]*\{"
        for r in re.finditer(declaration, body):
            if r.group(1).lower() not in _NOT_RESOURCES:
                found.append((r.group(1), r.group(2)))
        resources[name] = tuple(found)
    return DscScript(tuple(configurations), tuple(modules), resources)


def _block(code: str, start: int) -> str:
    """Return the text of the ``{ ... }`` block that follows ``start``."""
    open_at = code.find("{", start)
    if open_at < 0:
        return ""
    depth = 0
    for i in range(open_at, len(code)):
        if code[i] == "{":
            depth += 1
        elif code[i] == "}":
            depth -= 1
            if depth == 0:
                return code[open_at + 1 : i]
    return code[open_at + 1 :]
