"""ARM template expressions: ``[concat(parameters('prefix'), '-', variables('suffix'))]``.

A JSON string is an expression when it starts with ``[`` and ends with ``]``; ``[[`` at the start
escapes a literal ``[``. The grammar::

    expression := primary accessor*
    primary    := call | string | number
    call       := name ('.' name)? '(' [expression (',' expression)*] ')'
    accessor   := '.' name | '[' expression ']'
    string     := "'" ("''" | any character but "'")* "'"

Function and property names compare case-insensitively, as in ARM. Parsing gives a small tree
(:class:`Call`, :class:`Literal`, :class:`Member`, :class:`Index`); evaluation walks it with a
:class:`Scope` that provides the functions, so evaluation is lazy where ARM's is (``if``) and the
engine decides what ``reference()`` means at each phase.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ArmLambda",
    "Call",
    "ExpressionError",
    "Index",
    "Literal",
    "Member",
    "Node",
    "evaluate",
    "is_expression",
    "parse",
    "walk_calls",
]


class ExpressionError(Exception):
    """A malformed expression or one that cannot be evaluated; ``path`` says where, when known."""

    def __init__(self, message: str, *, path: str = "", expression: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.expression = expression

    def __str__(self) -> str:
        where = f" at '{self.path}'" if self.path else ""
        expr = f" in '{self.expression}'" if self.expression else ""
        return f"{self.message}{where}{expr}"


@dataclass(frozen=True)
class Literal:
    """A string or number."""

    value: Any


@dataclass(frozen=True)
class Call:
    """A function call: ``name(args)``; ``name`` may be ``namespace.function`` (user functions)."""

    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Member:
    """Property access: ``target.name``."""

    target: Node
    name: str


@dataclass(frozen=True)
class Index:
    """Index access: ``target[index]``."""

    target: Node
    index: Node


Node = Literal | Call | Member | Index


def is_expression(value: Any) -> bool:
    """Whether a JSON value is a template expression (a string in ``[...]``, not ``[[`` escaped)."""
    return isinstance(value, str) and len(value) >= 2 and value[0] == "[" and value[-1] == "]" and value[1] != "["


def unescape(value: str) -> str:
    """Return a non-expression string's value: ``[[...]`` stands for ``[...]``."""
    return value[1:] if value.startswith("[[") else value


# -- tokens ------------------------------------------------------------------------------------------
_PUNCT = set("(),.[]")


def _tokens(text: str) -> Iterator[tuple[str, Any, int]]:
    """Yield ``(kind, value, position)``: kinds are name, string, number, and punctuation."""
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
            continue
        if c == "'":
            j, out = i + 1, []
            while True:
                if j >= n:
                    raise ExpressionError(f"unterminated string starting at character {i + 1}", expression=text)
                if text[j] == "'":
                    if j + 1 < n and text[j + 1] == "'":
                        out.append("'")
                        j += 2
                        continue
                    break
                out.append(text[j])
                j += 1
            yield "string", "".join(out), i
            i = j + 1
            continue
        if c.isdigit() or (c == "-" and i + 1 < n and text[i + 1].isdigit()):
            j = i + 1
            while j < n and (text[j].isdigit() or text[j] == "."):
                j += 1
            raw = text[i:j]
            yield "number", float(raw) if "." in raw else int(raw), i
            i = j
            continue
        if c.isalpha() or c == "_" or c == "$":
            j = i + 1
            while j < n and (text[j].isalnum() or text[j] in "_$"):
                j += 1
            yield "name", text[i:j], i
            i = j
            continue
        if c in _PUNCT:
            yield c, c, i
            i += 1
            continue
        raise ExpressionError(f"unexpected character {c!r} at character {i + 1}", expression=text)


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = list(_tokens(text))
        self.pos = 0

    def peek(self) -> tuple[str, Any, int] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, kind: str | None = None) -> tuple[str, Any, int]:
        token = self.peek()
        if token is None:
            raise ExpressionError("the expression ends too early", expression=self.text)
        if kind is not None and token[0] != kind:
            raise ExpressionError(
                f"expected {kind!r} at character {token[2] + 1} but found {token[1]!r}", expression=self.text
            )
        self.pos += 1
        return token

    def expression(self) -> Node:
        node = self.primary()
        while True:
            token = self.peek()
            if token is None or token[0] not in (".", "["):
                return node
            self.take()
            if token[0] == ".":
                node = Member(node, self.take("name")[1])
            else:
                index = self.expression()
                self.take("]")
                node = Index(node, index)

    def primary(self) -> Node:
        kind, value, position = self.take()
        if kind in ("string", "number"):
            return Literal(value)
        if kind != "name":
            raise ExpressionError(f"unexpected {value!r} at character {position + 1}", expression=self.text)
        name = value
        nxt = self.peek()
        if name.lower() in ("true", "false", "null") and (nxt is None or nxt[0] != "("):
            return Literal({"true": True, "false": False, "null": None}[name.lower()])  # bare keywords
        ahead = [t[0] for t in self.tokens[self.pos : self.pos + 3]]
        if ahead == [".", "name", "("]:  # namespace.function(...): a user-defined function
            self.take(".")
            name = f"{name}.{self.take('name')[1]}"
        self.take("(")
        args: list[Node] = []
        closing = self.peek()
        if closing is not None and closing[0] == ")":
            self.take(")")
            return Call(name, ())
        while True:
            args.append(self.expression())
            kind = self.take()[0]
            if kind == ")":
                return Call(name, tuple(args))
            if kind != ",":
                raise ExpressionError("expected ',' or ')' between function arguments", expression=self.text)


def parse(text: str) -> Node:
    """Parse the inside of ``[...]`` (or the whole string with its brackets) into a tree."""
    inner = text[1:-1] if is_expression(text) else text
    parser = _Parser(inner)
    node = parser.expression()
    if parser.peek() is not None:
        token = parser.peek()
        assert token is not None
        raise ExpressionError(f"unexpected {token[1]!r} after the expression", expression=inner)
    return node


def walk_calls(node: Node) -> Iterator[Call]:
    """Every function call in a tree (to find ``reference()`` dependencies without evaluating)."""
    if isinstance(node, Call):
        yield node
        for arg in node.args:
            yield from walk_calls(arg)
    elif isinstance(node, Member):
        yield from walk_calls(node.target)
    elif isinstance(node, Index):
        yield from walk_calls(node.target)
        yield from walk_calls(node.index)


# -- evaluation ------------------------------------------------------------------------------------------
Function = Callable[..., Any]


def member(value: Any, name: str) -> Any:
    """``value.name`` with ARM's case-insensitive property names."""
    if isinstance(value, Mapping):
        if name in value:
            return value[name]
        lowered = name.lower()
        for key, item in value.items():
            if str(key).lower() == lowered:
                return item
        raise ExpressionError(
            f"The language expression property '{name}' doesn't exist, available properties are "
            f"'{', '.join(map(str, value))}'."
        )
    raise ExpressionError(f"The language expression property '{name}' can't be evaluated on a {type_name(value)}.")


def type_name(value: Any) -> str:
    """ARM's name for a value's type."""
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int):
        return "Integer"
    if isinstance(value, float):
        return "Float"
    if isinstance(value, str):
        return "String"
    if isinstance(value, list):
        return "Array"
    if isinstance(value, dict):
        return "Object"
    return "Null"


#: functions ARM evaluates that no table here provides yet: a call names a real function, so say so
_ARM_ONLY = frozenset(
    {
        "deployer",
        "references",
        "managementgroup",
        "tologicalzone",
        "tologicalzones",
        "tophysicalzone",
        "tophysicalzones",
        "builduri",
        "parseuri",
    }
)


def evaluate(node: Node, functions: Mapping[str, Function], lazy: Mapping[str, Function] | None = None) -> Any:
    """Evaluate a tree. ``functions`` take evaluated arguments; ``lazy`` ones take a thunk per argument."""
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, Member):
        return member(evaluate(node.target, functions, lazy), node.name)
    if isinstance(node, Index):
        target = evaluate(node.target, functions, lazy)
        index = evaluate(node.index, functions, lazy)
        if isinstance(target, list):
            if not isinstance(index, int) or isinstance(index, bool):
                raise ExpressionError(f"an array index must be an integer, not {type_name(index)}")
            if not 0 <= index < len(target):  # ARM has no negative indexes: [-1] is out of bounds too
                raise ExpressionError(f"The language expression property array index '{index}' is out of bounds.")
            return target[index]
        if isinstance(target, Mapping):
            return member(target, str(index))
        raise ExpressionError(f"cannot index a {type_name(target)}")
    name = node.name.lower()
    if name == "lambda":
        return _make_lambda(node, functions, lazy)
    if lazy and name in lazy:
        thunks = [(lambda arg=arg: evaluate(arg, functions, lazy)) for arg in node.args]
        return lazy[name](*thunks)
    function = functions.get(name)
    if function is None:
        if name in _ARM_ONLY:
            raise ExpressionError(
                f"The template function '{node.name}' is valid in Azure but the local Azure lacks it."
            )
        raise ExpressionError(
            f"The template function '{node.name}' is not valid. Please see https://aka.ms/arm-functions for usage "
            "details."
        )
    args = [evaluate(arg, functions, lazy) for arg in node.args]
    try:
        return function(*args)
    except ExpressionError:
        raise
    except TypeError as exc:
        raise ExpressionError(f"'{node.name}' was called with the wrong arguments ({exc})") from None


class ArmLambda:
    """A ``lambda('x', ...)`` value, called by ``filter``, ``map``, ``reduce``, ``sort``, ``toObject``, ``groupBy``...

    Extra values are ignored, so a function may offer an item's index to a lambda that does not name it.
    """

    def __init__(
        self, names: list[str], body: Node, functions: Mapping[str, Function], lazy: Mapping[str, Function] | None
    ) -> None:
        self.names = names
        self.body = body
        self.functions = functions
        self.lazy = lazy

    def __call__(self, *values: Any) -> Any:
        """Evaluate the body with the lambda's variables bound to ``values``."""
        if len(values) < len(self.names):
            raise ExpressionError(f"the lambda takes {len(self.names)} argument(s), it was given {len(values)}")
        bound = {n.lower(): v for n, v in zip(self.names, values, strict=False)}
        outer = self.functions.get("lambdavariables")

        def variables(name: str) -> Any:
            if str(name).lower() in bound:
                return bound[str(name).lower()]
            if outer is not None:
                return outer(name)
            raise ExpressionError(f"lambdaVariables: no lambda variable '{name}' here")

        return evaluate(self.body, {**self.functions, "lambdavariables": variables}, self.lazy)


def _make_lambda(node: Call, functions: Mapping[str, Function], lazy: Mapping[str, Function] | None) -> ArmLambda:
    if len(node.args) < 2:
        raise ExpressionError("lambda takes the names of its variables, then its body")
    names = [evaluate(arg, functions, lazy) for arg in node.args[:-1]]
    if not all(isinstance(n, str) and n for n in names):
        raise ExpressionError("a lambda's variable names are strings")
    return ArmLambda([str(n) for n in names], node.args[-1], functions, lazy)
