"""PowerShell's control flow as Python's: if, loops, try/catch/finally, break, exit and throw."""

from __future__ import annotations

from typing import TYPE_CHECKING

from azrm.powershell._commands import CommandTranslator
from azrm.powershell._expressions import Unconvertible, named, text_of

if TYPE_CHECKING:
    from tree_sitter import Node

__all__ = ["ControlFlow"]


class ControlFlow(CommandTranslator):
    """Turn control-flow statements into Python (mixed into the translator, which walks the blocks)."""

    in_script_block: int
    catch_names: list[str]

    def block(self, nodes: list[Node]) -> list[str]:  # pragma: no cover - the translator's
        raise NotImplementedError

    def _iterable(self, stages: list[Node]) -> str:  # pragma: no cover - the translator's
        raise NotImplementedError

    def statement(self, node: Node) -> list[str]:  # pragma: no cover - the translator's
        raise NotImplementedError

    def _body(self, node: Node) -> list[str]:
        statements = [c for c in _flatten_block(node)]
        lines = self.block(statements)
        return [
            "    " + line if line else "" for line in (lines if any(_is_code(x) for x in lines) else [*lines, "pass"])
        ]

    def _s_if_statement(self, node: Node) -> list[str]:
        lines: list[str] = []
        keyword = "if"
        parts = [
            node,
            *[c for c in node.named_children if c.type in ("elseif_clauses", "elseif_clause", "else_clause")],
        ]
        clauses: list[Node] = []
        for part in parts:
            if part.type == "elseif_clauses":
                clauses.extend(c for c in part.named_children if c.type == "elseif_clause")
            else:
                clauses.append(part)
        for clause in clauses:
            block = next(c for c in clause.named_children if c.type == "statement_block")
            if clause.type == "else_clause":
                lines += ["else:", *self._body(block)]
                continue
            condition = next(c for c in clause.named_children if c.type not in ("statement_block", "comment"))
            lines += [f"{keyword} {self.value(condition)}:", *self._body(block)]
            keyword = "elif"
        return lines

    def _s_foreach_statement(self, node: Node) -> list[str]:
        children = [c for c in node.named_children if c.type != "comment"]
        variable, collection, block = children[0], children[1], children[-1]
        if collection.type == "command_name":
            bounds = self._range_bounds(text_of(collection).strip())
            if bounds is None:
                raise Unconvertible(f"foreach over {text_of(collection)!r}")
            iterable = self.range_of(*bounds)
        else:
            iterable = self._iterable([collection])
        name = self.var_name(text_of(variable)[1:])
        return [f"for {name} in {iterable}:", *self._body(block)]

    def _s_while_statement(self, node: Node) -> list[str]:
        children = [c for c in node.named_children if c.type != "comment"]
        condition, block = children[0], children[-1]
        return [f"while {self.value(condition)}:", *self._body(block)]

    def _s_post_increment_expression(self, node: Node) -> list[str]:
        return [f"{self.expr(named(node)[0])} += 1"]

    _s_pre_increment_expression = _s_post_increment_expression

    def _s_post_decrement_expression(self, node: Node) -> list[str]:
        return [f"{self.expr(named(node)[0])} -= 1"]

    _s_pre_decrement_expression = _s_post_decrement_expression

    def _s_flow_control_statement(self, node: Node) -> list[str]:
        keyword = text_of(node.children[0]).lower()
        value = named(node)
        if keyword in ("break", "continue"):
            if self.in_script_block:
                raise Unconvertible(f"{keyword} in a ForEach-Object block (it ends the whole pipeline in PowerShell)")
            if value:
                raise Unconvertible(f"{keyword} to a label")
            return [keyword]
        if keyword == "exit":
            self.imports.add("sys")
            return [f"sys.exit({self.expr(value[0]) if value else 0})"]
        if keyword == "throw":
            if not value and self.catch_names:
                return ["raise"]  # in a catch block: the error goes on up
            message = self.expr(value[0]) if value else '"ScriptHalted"'
            return [f"raise RuntimeError({message})"]
        raise Unconvertible(f"{keyword} (the script's flow is not a function's)")

    def _s_try_statement(self, node: Node) -> list[str]:
        """Return ``try:``/``except Exception as error:``/``finally:``: a bare ``catch`` catches everything."""
        body = next(c for c in node.named_children if c.type == "statement_block")
        lines = ["try:", *self._body(body)]
        clauses = [c for c in node.named_children if c.type in ("catch_clauses", "catch_clause", "finally_clause")]
        flat: list[Node] = []
        for clause in clauses:
            flat.extend(named(clause) if clause.type == "catch_clauses" else [clause])
        for clause in flat:
            block = next(c for c in clause.named_children if c.type == "statement_block")
            if clause.type == "finally_clause":
                lines += ["finally:", *self._body(block)]
                continue
            if any(c.type in ("catch_type_list", "type_literal") for c in clause.named_children):
                raise Unconvertible("a catch of a .NET exception type (azrm raises Python exceptions)")
            error = self.scope.fresh("error")
            self.item_names.append(error)
            self.catch_names.append(error)
            try:
                lines += [f"except Exception as {error}:", *self._body(block)]
            finally:
                self.item_names.pop()
                self.catch_names.pop()
                self.scope.release(error)
        return lines

    def _s_for_statement(self, node: Node) -> list[str]:
        """Return ``for (init; condition; step) {}`` as the init and a ``while`` loop ending with the step."""
        parts = [c for c in node.named_children if c.type != "comment"]
        block = parts[-1]
        clauses = parts[:-1]
        if len(clauses) != 3 or _has_continue(block):
            raise Unconvertible("a for loop without its three parts, or with continue")
        init, condition, step = clauses
        body = self._body(block)
        step_lines = ["    " + line for line in self.statement(step)]
        body = [line for line in body if line.strip() != "pass"]
        return [*self.statement(init), f"while {self.value(condition)}:", *body, *step_lines]

    def _s_do_statement(self, node: Node) -> list[str]:
        """Return ``do {} while/until ()`` as ``while True:`` with the test at the end."""
        parts = [c for c in node.named_children if c.type != "comment"]
        block, condition = parts[0], parts[-1]
        if _has_continue(block):
            raise Unconvertible("continue in a do loop (Python's would skip the test)")
        until = any(text_of(c) == "until" for c in node.children if not c.is_named)
        test = self.value(condition)
        exit_test = f"if {test}:" if until else f"if not ({test}):"
        return ["while True:", *self._body(block), f"    {exit_test}", "        break"]


def _has_continue(block: Node) -> bool:
    stack = [block]
    while stack:
        node = stack.pop()
        if node.type == "flow_control_statement" and text_of(node).lower().startswith("continue"):
            return True
        stack.extend(node.named_children)
    return False


def _flatten_block(node: Node) -> list[Node]:
    found: list[Node] = []
    for child in node.named_children:
        if child.type in ("script_block", "script_block_body", "statement_list", "statement_block"):
            found.extend(_flatten_block(child))
        else:
            found.append(child)
    return found


def _is_code(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")
