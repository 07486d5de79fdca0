"""PowerShell expressions as Python expressions: values, strings, operators, properties and methods."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from azrm.powershell._names import NameScope, snake_case

if TYPE_CHECKING:
    from tree_sitter import Node

__all__ = ["ExpressionTranslator", "Unconvertible", "named", "text_of", "unwrap"]


class Unconvertible(Exception):
    """A construct the converter does not turn into Python: the statement stays as a TODO comment."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def text_of(node: Node) -> str:
    """Return the source text of ``node``."""
    return (node.text or b"").decode("utf-8")


def unwrap(node: Node) -> Node:
    """Return the innermost node of a chain of wrappers around one child with the same text."""
    while (
        node.child_count == 1
        and node.children[0].is_named
        and node.children[0].text == node.text
        and node.type != "command"
    ):
        node = node.children[0]
    return node


def named(node: Node) -> list[Node]:
    """Return the named children of ``node``, comments left out."""
    return [c for c in node.named_children if c.type != "comment"]


_AUTOMATIC = {"$true": "True", "$false": "False", "$null": "None"}
_COMPARISONS = {
    "-eq": "==",
    "-ne": "!=",
    "-gt": ">",
    "-ge": ">=",
    "-lt": "<",
    "-le": "<=",
    "-ceq": "==",
    "-cne": "!=",
    "-ieq": "==",
    "-ine": "!=",
}
_STRING_METHODS = {
    "tolower": ".lower()",
    "toupper": ".upper()",
    "tolowerinvariant": ".lower()",
    "toupperinvariant": ".upper()",
    "trim": ".strip()",
    "trimstart": ".lstrip()",
    "trimend": ".rstrip()",
}
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "a": "\a", "b": "\b", "f": "\f", "v": "\v", "e": "\x1b"}
_NUMBER = re.compile(r"^(?P<n>[0-9.]+(?:e[+-]?\d+)?)(?P<suffix>l|d|kb|mb|gb|tb|pb)?$", re.IGNORECASE)
_MULTIPLIERS = {"kb": 1024, "mb": 1024**2, "gb": 1024**3, "tb": 1024**4, "pb": 1024**5}
_CASTS = {"int": "int", "int32": "int", "int64": "int", "long": "int", "string": "str", "double": "float"}
_CASTS |= {"bool": "bool", "float": "float", "decimal": "float", "array": "list", "system.string": "str"}
_CASTS |= {"system.int32": "int"}


def _literal(value: str) -> str:
    """Return a Python string literal of ``value``, double-quoted as ruff would write it."""
    text = repr(value)
    if text.startswith("'") and '"' not in value:
        text = '"' + text[1:-1].replace("\\'", "'") + '"'
    return text


class ExpressionTranslator:
    """Turn PowerShell expression nodes into Python source text (mixed into the translator)."""

    #: set by the translator
    kinds: dict[str, str]
    catch_names: list[str]
    scope: NameScope
    imports: set[str]
    uses: set[str]
    item_names: list[str]

    def var_name(self, variable: str) -> str:  # pragma: no cover - provided by the translator
        raise NotImplementedError

    def mapped_property(self, target: Node, name: str) -> str | None:  # pragma: no cover - the translator's
        raise NotImplementedError

    def command_expression(self, node: Node, piped: str | None = None) -> str:  # pragma: no cover
        raise NotImplementedError

    def pipeline_expression(self, node: Node) -> str:  # pragma: no cover
        raise NotImplementedError

    # -- values ---------------------------------------------------------------------------------

    def expr(self, node: Node) -> str:
        """Return the Python expression of a PowerShell expression node."""
        node = unwrap(node)
        handler = getattr(self, "_x_" + node.type, None)
        if handler is None:
            raise Unconvertible(f"the expression {text_of(node)!r} ({node.type.replace('_', ' ')})")
        result: str = handler(node)
        return result

    def kind_of(self, node: Node) -> str:
        """Return what ``node`` evaluates to, as far as known: str, num, list, dict, bool or ''."""
        node = unwrap(node)
        kind = {
            "expandable_string_literal": "str",
            "verbatim_string_characters": "str",
            "expandable_here_string_literal": "str",
            "verbatim_here_string_characters": "str",
            "generic_token": "str",
            "format_expression": "str",
            "decimal_integer_literal": "num",
            "real_literal": "num",
            "hexadecimal_integer_literal": "num",
            "array_literal_expression": "list",
            "array_expression": "list",
            "range_expression": "list",
            "hash_literal_expression": "dict",
        }.get(node.type, "")
        if node.type == "variable":
            kind = self.kinds.get(text_of(node)[1:].strip("{}").lower(), "")
            kind = "" if kind.startswith("cmdlet:") else kind
        elif node.type in ("parenthesized_expression", "sub_expression") and named(node):
            kind = self.kind_of(named(node)[0])
        elif node.type in ("pipeline", "pipeline_chain"):
            stages = [c for c in node.named_children if c.type != "comment"]
            last = unwrap(stages[-1])
            filters = ("where-object", "?", "where", "foreach-object", "%", "foreach", "select-object")
            if len(stages) > 1 and last.type == "command" and text_of(named(last)[0]).lower() in filters:
                kind = "list"
        elif node.type == "command" and self._range_bounds(text_of(node).strip()):
            kind = "list"
        elif node.type == "additive_expression":
            kind = self.kind_of(named(node)[0])
        return kind

    def _x_variable(self, node: Node) -> str:
        text = text_of(node)
        lowered = text.lower()
        if lowered in _AUTOMATIC:
            return _AUTOMATIC[lowered]
        if lowered in ("$_", "$psitem"):
            if not self.item_names:
                raise Unconvertible(f"{text} outside a ForEach-Object or Where-Object block")
            return self.item_names[-1]
        if text.startswith("@"):
            raise Unconvertible(f"splatting {text} outside a command")
        name = text[1:]
        if name.startswith("{") and name.endswith("}"):
            name = name[1:-1]
        scope, _, rest = name.partition(":")
        if rest and scope.lower() == "env":
            self.imports.add("os")
            return f"os.environ.get({_literal(rest)})"
        if rest and scope.lower() in ("script", "global", "local", "private"):
            name = rest
        elif rest:
            raise Unconvertible(f"the variable {text} (drive {scope}:)")
        if name.lower() == "psscriptroot":
            self.imports.add("os")
            return "os.path.dirname(os.path.abspath(__file__))"
        if name.lower() in ("args", "input", "this", "matches", "error", "lastexitcode", "host", "profile"):
            raise Unconvertible(f"the automatic variable {text}")
        return self.var_name(name)

    _x_braced_variable = _x_variable

    def _number(self, node: Node) -> str:
        return self.number_text(text_of(node))

    def number_text(self, text: str) -> str:
        """Return the Python number of a PowerShell number literal (``010``, ``0x1F``, ``1.5GB``...)."""
        if text.lower().startswith("0x"):
            return str(int(text, 16))
        match = _NUMBER.match(text)
        if not match:
            raise Unconvertible(f"the number {text}")
        number, suffix = match["n"], (match["suffix"] or "").lower()
        if number.isdigit():
            number = str(int(number))  # 010 is 10 for PowerShell, a syntax error for Python
        if suffix in _MULTIPLIERS:
            value = float(number) * _MULTIPLIERS[suffix]
            return str(int(value)) if value.is_integer() else str(value)
        return number

    _x_decimal_integer_literal = _number
    _x_real_literal = _number
    _x_hexadecimal_integer_literal = _number

    def _x_verbatim_string_characters(self, node: Node) -> str:
        return _literal(text_of(node)[1:-1].replace("''", "'"))

    def _x_verbatim_here_string_characters(self, node: Node) -> str:
        body = text_of(node)[2:-2]
        return _literal(body.removeprefix("\n").removesuffix("\n"))

    def _x_expandable_string_literal(self, node: Node) -> str:
        return self._interpolated(node, 1, 1)

    def _x_expandable_here_string_literal(self, node: Node) -> str:
        return self._interpolated(node, 2, 2, here=True)

    def _x_generic_token(self, node: Node) -> str:
        if node.named_child_count:
            return self._interpolated(node, 0, 0)
        text = text_of(node)
        if text.startswith("-"):
            raise Unconvertible(f"{text!r} reads as a bare word (a parameter name the parser did not recognise)")
        if text.startswith((".\\", "..\\")):
            text = text.replace("\\", "/")
        return _literal(text)

    def _interpolated(self, node: Node, start: int, end: int, *, here: bool = False) -> str:
        """Return an f-string (or a plain literal) for a double-quoted string with its expansions."""
        source = node.text or b""
        parts: list[tuple[str, str]] = []
        position = start
        base = node.start_byte
        for child in node.named_children:
            offset = child.start_byte - base
            if offset > position:
                parts.append(("text", source[position:offset].decode("utf-8")))
            if child.type == "variable" or child.type == "sub_expression":
                value = self._x_sub_expression(child) if child.type == "sub_expression" else self.expr(child)
                parts.append(("expr", self._in_string(value)))
            else:
                parts.append(("text", text_of(child)))
            position = child.end_byte - base
        tail = source[position : len(source) - end].decode("utf-8")
        if tail:
            parts.append(("text", tail))
        literal_parts = [(k, _unescape(v) if k == "text" else v) for k, v in parts]
        if here:
            literal_parts = _strip_here(literal_parts)
        if all(k == "text" for k, _ in literal_parts):
            return _literal("".join(v for _, v in literal_parts))
        if any("\\" in v or '"' in v or "\n" in v for k, v in literal_parts if k == "expr"):
            return " + ".join(_literal(v) if k == "text" else f"str({v})" for k, v in literal_parts)
        body = ""
        for kind, value in literal_parts:
            if kind == "text":
                body += json.dumps(value, ensure_ascii=False)[1:-1].replace("{", "{{").replace("}", "}}")
            else:
                body += "{" + value + "}"
        return 'f"' + body + '"'

    def _in_string(self, value: str) -> str:
        """Return ``value`` as PowerShell puts it in a string: a list's items joined with spaces."""
        key = self.scope.key_of(value) if value.isidentifier() else None
        kind = self.kinds.get(key, "") if key else ""
        if kind == "list":
            return f'" ".join(map(str, {value}))'
        if kind == "output":
            self.uses.add("output")
            return f'" ".join(map(str, items({value})))'
        return value

    def _x_sub_expression(self, node: Node) -> str:
        inner = named(node)
        if not inner:
            return "None"
        statements = named(inner[0]) if inner[0].type == "statement_list" else inner
        if len(statements) != 1:
            raise Unconvertible(f"the subexpression {text_of(node)!r} holds several statements")
        return self.value(statements[0])

    def value(self, node: Node) -> str:
        """Return the Python value of a pipeline, a command or an expression."""
        node = unwrap(node)
        if node.type in ("pipeline", "pipeline_chain"):
            return self.pipeline_expression(node)
        if node.type == "command":
            return self.command_expression(node)
        return self.expr(node)

    def _x_parenthesized_expression(self, node: Node) -> str:
        inner = named(node)
        if len(inner) != 1:
            raise Unconvertible(f"the expression {text_of(node)!r}")
        primary = ("command", "variable", "member_access", "element_access", "invokation_expression")
        if unwrap(inner[0]).type in primary or unwrap(inner[0]).type.endswith(("literal", "_characters")):
            return self.value(inner[0])
        return "(" + self.value(inner[0]) + ")"

    _x_pipeline = value
    _x_pipeline_chain = value
    _x_command = value

    def _x_array_literal_expression(self, node: Node) -> str:
        return "[" + ", ".join(self.expr(c) for c in named(node)) + "]"

    def _x_array_expression(self, node: Node) -> str:
        inner = named(node)
        if not inner:
            return "[]"
        statements = named(inner[0]) if inner[0].type == "statement_list" else inner
        if len(statements) == 1:
            element = unwrap(statements[0])
            if element.type in ("array_literal_expression", "range_expression", "array_expression"):
                return self.expr(element)
            if self.kind_of(element) == "list":
                return self.value(element)
            return "[" + self.value(element) + "]"
        return "[" + ", ".join(self.value(s) for s in statements) + "]"

    def _x_hash_literal_expression(self, node: Node) -> str:
        entries = []
        for entry in node.named_children:
            for item in [entry] if entry.type == "hash_entry" else named(entry):
                if item.type != "hash_entry":
                    continue
                key, value = named(item)[0], named(item)[-1]
                entries.append(f"{self._key(key)}: {self.value(value)}")
        return "{" + ", ".join(entries) + "}"

    def _key(self, node: Node) -> str:
        node = unwrap(node)
        if node.type in ("simple_name", "generic_token", "key_expression"):
            return _literal(text_of(node))
        return self.expr(node)

    def hash_entries(self, node: Node) -> list[tuple[str, Node]]:
        """Return the (key, value node) pairs of a hashtable literal, keys as written."""
        pairs = []
        for entry in node.named_children:
            for item in [entry] if entry.type == "hash_entry" else named(entry):
                if item.type == "hash_entry":
                    key = unwrap(named(item)[0])
                    key_text = text_of(key).strip("'\"")
                    pairs.append((key_text, named(item)[-1]))
        return pairs

    # -- operators ------------------------------------------------------------------------------

    def _range_bounds(self, text: str) -> tuple[str, str] | None:
        match = re.fullmatch(r"(-?\d+|\$[\w:]+)\s*\.\.\s*(-?\d+|\$[\w:]+)", text)
        return (match[1], match[2]) if match else None

    def range_of(self, low: str, high: str) -> str:
        """Return the Python range of PowerShell's ``low..high`` (both ends included)."""
        low_py = low if not low.startswith("$") else self.var_name(low[1:])
        high_py = high if not high.startswith("$") else self.var_name(high[1:])
        if low_py.lstrip("-").isdigit() and high_py.lstrip("-").isdigit():
            lo, hi = int(low_py), int(high_py)
            return f"range({lo}, {hi + 1})" if lo <= hi else f"range({lo}, {hi - 1}, -1)"
        return f"range({low_py}, {high_py} + 1)"

    def _x_range_expression(self, node: Node) -> str:
        low, high = named(node)
        return f"range({self.expr(low)}, {self.expr(high)} + 1)"

    def _operands(self, node: Node) -> tuple[list[Node], list[str]]:
        operands, operators = [], []
        for child in node.children:
            if child.type == "comment":
                continue
            if child.is_named and child.type not in ("comparison_operator", "format_operator", "assignement_operator"):
                operands.append(child)
            else:
                operators.append(text_of(child).lower())
        return operands, operators

    def _x_additive_expression(self, node: Node) -> str:
        operands, operators = self._operands(node)
        left_kind = self.kind_of(operands[0])
        parts = [self.expr(operands[0])]
        for operator, operand in zip(operators, operands[1:], strict=True):
            value = self.expr(operand)
            if operator == "+" and left_kind == "str" and self.kind_of(operand) != "str":
                value = f"str({value})"
            parts.append(f"{operator} {value}")
        return " ".join(parts)

    def _x_multiplicative_expression(self, node: Node) -> str:
        operands, operators = self._operands(node)
        if "%" in operators and self.kind_of(operands[0]) == "str":
            raise Unconvertible("% on a string")
        return " ".join(
            [self.expr(operands[0])] + [f"{o} {self.expr(v)}" for o, v in zip(operators, operands[1:], strict=True)]
        )

    def _x_format_expression(self, node: Node) -> str:
        operands, _ = self._operands(node)
        template, values = operands[0], operands[1]
        if ":" in text_of(template):
            raise Unconvertible(f"the .NET format string {text_of(template)} (write it as a Python format)")
        arguments = named(unwrap(values)) if unwrap(values).type == "array_literal_expression" else [values]
        return f"{self.expr(template)}.format({', '.join(self.expr(a) for a in arguments)})"

    def _x_comparison_expression(self, node: Node) -> str:
        operands, operators = self._operands(node)
        if len(operands) != 2 or len(operators) != 1:
            raise Unconvertible(f"the comparison {text_of(node)!r}")
        left, right = operands
        operator = operators[0]
        left_py, right_py = self.expr(left), self.expr(right)
        if operator in ("-eq", "-ne") and (left_py == "None" or right_py == "None"):
            other = right_py if left_py == "None" else left_py
            return f"{other} is {'not ' if operator == '-ne' else ''}None"
        if operator in ("-eq", "-ne", "-ieq", "-ine") and (self._is_text_literal(right) or self._is_text_literal(left)):
            # PowerShell compares strings without regard to case
            if self._is_text_literal(right):
                left_py, right_py = f"str({left_py}).casefold()", right_py.lower() if right_py.isascii() else right_py
            else:
                left_py, right_py = left_py.lower() if left_py.isascii() else left_py, f"str({right_py}).casefold()"
        if operator in ("-gt", "-ge", "-lt", "-le") and (self._is_text_literal(right) or self._is_text_literal(left)):
            left_py, right_py = f"str({left_py}).casefold()", f"str({right_py}).casefold()"
        if operator in _COMPARISONS:
            return f"{left_py} {_COMPARISONS[operator]} {right_py}"
        if operator in ("-like", "-notlike"):
            self.imports.add("fnmatch")
            test = f"fnmatch.fnmatch(str({left_py}).casefold(), str({right_py}).casefold())"
            return test if operator == "-like" else f"not {test}"
        if operator in ("-match", "-notmatch"):
            self.imports.add("re")
            test = f"re.search({right_py}, str({left_py}), re.IGNORECASE) is not None"
            return test if operator == "-match" else f"not ({test})"
        if operator in ("-contains", "-notcontains", "-in", "-notin"):
            collection, single = (left, right) if "contains" in operator else (right, left)
            collection_py, single_py = self.expr(collection), self.expr(single)
            negate = "not " if "-not" in operator else ""
            if self._is_text_literal(single):  # without regard to case, as PowerShell compares strings
                test = f"any(str(v).casefold() == {single_py}.casefold() for v in {collection_py})"
                return f"{negate}{test}"
            return f"{single_py} {negate}in {collection_py}"
        if operator == "-join":
            return f"{right_py}.join(map(str, {left_py}))"
        if operator in ("-split", "-isplit"):
            self.imports.add("re")
            return f"re.split({right_py}, {left_py}, flags=re.IGNORECASE)"
        if operator in ("-replace", "-ireplace"):
            self.imports.add("re")
            pattern_node = unwrap(right)
            if pattern_node.type == "array_literal_expression" and len(named(pattern_node)) == 2:
                pattern, replacement = (self.expr(n) for n in named(pattern_node))
                replacement = re.sub(r"\$(\d)", r"\\\\\1", replacement)  # $1 -> \\1
            elif pattern_node.type != "array_literal_expression":
                pattern, replacement = right_py, '""'
            else:
                raise Unconvertible("-replace with these operands")
            return f"re.sub({pattern}, {replacement}, str({left_py}), flags=re.IGNORECASE)"
        raise Unconvertible(f"the operator {operator}")

    def _is_text_literal(self, node: Node) -> bool:
        node = unwrap(node)
        return node.type in ("expandable_string_literal", "verbatim_string_characters") and any(
            c.isalpha() for c in text_of(node)
        )

    def _x_logical_expression(self, node: Node) -> str:
        return self._logical(node)

    def _logical(self, node: Node) -> str:
        operands, operators = self._operands(node)
        mapping = {"-and": "and", "-or": "or"}
        if any(o not in mapping for o in operators):
            raise Unconvertible(f"the operator {operators}")

        def side(operand: Node) -> str:  # PowerShell's -and and -or have one precedence: left to right
            python = self.expr(operand)
            return f"({python})" if unwrap(operand).type == "logical_expression" else python

        result = side(operands[0])
        for index, (operator, operand) in enumerate(zip(operators, operands[1:], strict=True)):
            if index and operator != operators[index - 1]:
                result = f"({result})"
            result = f"{result} {mapping[operator]} {side(operand)}"
        return result

    def _x_expression_with_unary_operator(self, node: Node) -> str:
        operator = text_of(node.children[0]).lower()
        operand = named(node)[-1]
        if node.children[0].is_named and node.children[0].type == "cast_expression":
            return self.expr(node.children[0])
        if operator in ("-not", "!"):
            return f"not {self.expr(operand)}"
        if operator in ("-", "+"):
            return operator + self.expr(operand)
        if operator.startswith("["):
            return self._cast(node.children[0], operand)
        raise Unconvertible(f"the operator {operator}")

    def _x_unary_expression(self, node: Node) -> str:
        return self._x_expression_with_unary_operator(node)

    def _x_cast_expression(self, node: Node) -> str:
        type_node, operand = named(node)[0], named(node)[-1]
        return self._cast(type_node, operand)

    def _cast(self, type_node: Node, operand: Node) -> str:
        type_name = text_of(type_node).strip("[]").lower()
        if type_name in _CASTS:
            if _CASTS[type_name] == "int" and self.kind_of(operand) != "str":
                inner = self.expr(operand)  # [int]3.5 is 4: PowerShell rounds, to even as round() does
                return f"round{inner}" if _enclosed(inner) else f"round({inner})"
            return f"{_CASTS[type_name]}({self.expr(operand)})"
        raise Unconvertible(f"the cast [{type_name}]")

    # -- properties and methods -----------------------------------------------------------------

    def _x_member_access(self, node: Node) -> str:
        children = [c for c in node.children if c.type != "comment"]
        target, member = children[0], children[-1]
        operator = text_of(children[1])
        if operator == "::":
            raise Unconvertible(f"the static member {text_of(node)}")
        name = text_of(member)
        inner = unwrap(target)
        if self.catch_names and name.lower() in ("exception", "message"):
            subject = self.expr(target)
            if subject in self.catch_names:  # $_.Exception is the error; its .Message the error's text
                return subject if name.lower() == "exception" else f"str({subject})"
        mapped = self.mapped_property(inner, name)
        if mapped is not None:
            return f"{self.expr(target)}.{mapped}" if mapped else self.expr(target)
        kind = self.kind_of(target)
        if kind in ("list", "output"):
            self.uses.add("members")
            if kind == "output":
                self.uses.add("output")
            values = f"items({self.expr(target)})" if kind == "output" else self.expr(target)
            if name.lower() in ("count", "length"):
                return f"len({values})"
            return f"members({values}, {_literal(snake_case(name))})"
        if (
            name.lower() == "password"
            and inner.type == "invokation_expression"
            and text_of(inner.children[2]).lower() == "getnetworkcredential"
        ):
            return f"{self.expr(inner.children[0])}.password.get_secret_value()"
        subject = self.expr(target)
        if subject.endswith("properties.outputs"):  # a deployment's outputs: a dict of name -> {type, value}
            return f"{subject}[{_literal(name)}]"
        if re.search(r"properties\.outputs\[[^\]]+\]$", subject) and name.lower() in ("value", "type"):
            return f"{subject}[{_literal(name.lower())}]"
        if name.lower() in ("count", "length"):
            return f"len({self.expr(target)})"
        if self.kind_of(target) == "dict":
            if name.lower() in ("keys", "values"):
                return f"list({self.expr(target)}.{name.lower()}())"
            return f"{self.expr(target)}[{_literal(name)}]"
        return f"{self.expr(target)}.{snake_case(name)}"

    def _x_element_access(self, node: Node) -> str:
        target, index = named(node)[0], named(node)[-1]
        return f"{self.expr(target)}[{self.expr(index)}]"

    def _x_invokation_expression(self, node: Node) -> str:
        children = [c for c in node.children if c.type != "comment"]
        target, operator, method = children[0], text_of(children[1]), text_of(children[2])
        arguments_node = children[3] if len(children) > 3 else None
        arguments: list[Any] = []
        if arguments_node is not None:
            for child in named(arguments_node):
                arguments.extend(named(child) if child.type == "argument_expression_list" else [child])
        args = [self.expr(a) for a in arguments]
        if operator == "::":
            return self._static_call(text_of(target).strip("[]").lower(), method.lower(), args, node)
        lowered = method.lower()
        subject = self.expr(target)
        if lowered == "tostring" and not args:
            return f"str({subject})"
        if lowered in _STRING_METHODS and not args:
            return subject + _STRING_METHODS[lowered]
        if lowered in ("replace", "split", "startswith", "endswith") and args:
            return f"{subject}.{lowered.replace('with', 'swith')}({', '.join(args)})"
        if lowered in ("addseconds", "addminutes", "addhours", "adddays") and len(args) == 1:
            self.imports.add("datetime")
            return f"({subject} + datetime.timedelta({lowered[3:]}={args[0]}))"
        if lowered == "contains" and len(args) == 1:
            return f"({args[0]} in {subject})"
        if lowered == "substring" and args:
            end = f"{args[0]} + {args[1]}" if len(args) > 1 else ""
            return f"{subject}[{args[0]}:{end}]"
        raise Unconvertible(f"the .NET method call {text_of(node)!r}")

    def _static_call(self, type_name: str, method: str, args: list[str], node: Node) -> str:
        if type_name in ("guid", "system.guid") and method == "newguid" and not args:
            self.imports.add("uuid")
            return "uuid.uuid4()"
        if type_name in ("pscredential", "system.management.automation.pscredential") and method == "new":
            if len(args) != 2:
                raise Unconvertible("PSCredential needs a user name and a password")
            return f"azrm.Credential({args[0]}, {args[1]})"
        if type_name in ("math", "system.math") and method in ("max", "min", "abs"):
            return f"{method}({', '.join(args)})"
        raise Unconvertible(f"the .NET call {text_of(node)!r}")


def _enclosed(text: str) -> bool:
    """Whether ``text`` is one parenthesised expression: ``(a + b)``, not ``(a) + (b)``."""
    if not (text.startswith("(") and text.endswith(")")):
        return False
    depth = 0
    for index, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and index < len(text) - 1:
            return False
    return True


def _unescape(text: str) -> str:
    """Return a double-quoted string's text with PowerShell's backtick escapes applied."""
    out, i = [], 0
    while i < len(text):
        char = text[i]
        if char == "`" and i + 1 < len(text):
            following = text[i + 1]
            out.append(_ESCAPES.get(following, following))
            i += 2
            continue
        if char == '"' and text[i + 1 : i + 2] == '"':
            out.append('"')
            i += 2
            continue
        out.append(char)
        i += 1
    return "".join(out)


def _strip_here(parts: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Drop the newline after ``@"`` and the one before ``"@`` from a here-string's parts."""
    if parts and parts[0][0] == "text":
        parts[0] = ("text", parts[0][1].removeprefix("\n"))
    if parts and parts[-1][0] == "text":
        parts[-1] = ("text", parts[-1][1].removesuffix("\n"))
    return parts


for _kind in ("additive", "multiplicative", "comparison", "logical", "format", "range"):
    setattr(
        ExpressionTranslator,
        f"_x_{_kind}_argument_expression",
        getattr(ExpressionTranslator, f"_x_{_kind}_expression"),
    )
