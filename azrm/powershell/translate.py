"""Turn a PowerShell script that uses AzureRM/Az cmdlets into an azrm Python script.

The script is normalised (:mod:`azrm.powershell.normalize`), parsed with tree-sitter's PowerShell
grammar, and walked statement by statement. A statement the converter cannot turn into Python
faithfully stays in the output as comments under a ``# TODO(azrm): <reason>`` line, and is counted
in the report: the output never runs something that silently differs from the script.
"""

from __future__ import annotations

import ast
import functools
import os
import re
from dataclasses import dataclass, field
from pathlib import PurePath, PureWindowsPath
from typing import TYPE_CHECKING

from azrm.powershell._commands import (
    _CONTEXT_CMDLETS,
    _SESSION_CMDLETS,
    SECRET_PARAMETER,
    _block_statements,
    read_arguments,
)
from azrm.powershell._control import ControlFlow, _is_code
from azrm.powershell._expressions import Unconvertible, _literal, named, text_of, unwrap
from azrm.powershell._names import NameScope, snake_case
from azrm.powershell.normalize import Fixup, normalize
from azrm.powershell.table import CmdletTable, load_table

if TYPE_CHECKING:
    from tree_sitter import Node

__all__ = ["Conversion", "ConversionReport", "Untranslated", "translate"]

_DROPPED_COMMANDS = {
    "write-verbose": "Write-Verbose (PowerShell prints it only with -Verbose)",
    "write-debug": "Write-Debug",
    "write-information": "Write-Information",
    "import-module": "Import-Module (the Python script imports azrm)",
    "enable-azurermalias": "Enable-AzureRmAlias (azrm takes both names)",
    "set-strictmode": "Set-StrictMode",
    "clear-host": "Clear-Host",
}
_DROPPED_VARIABLES = {"erroractionpreference", "verbosepreference", "progresspreference", "warningpreference"}


@dataclass(frozen=True)
class Untranslated:
    """A statement left as a TODO: its lines (1-based, inclusive) and why."""

    line: int
    end_line: int
    reason: str


@dataclass
class ConversionReport:
    """What the converter did: lines of code converted and not, fix-ups, notes and the script's inputs."""

    code_lines: int = 0
    untranslated: list[Untranslated] = field(default_factory=list)
    fixups: list[Fixup] = field(default_factory=list)
    notes: list[tuple[int, str]] = field(default_factory=list)
    inputs: list[tuple[str, str]] = field(default_factory=list)
    todo_lines: int = 0

    @property
    def converted_lines(self) -> int:
        """Lines of code (not blank, not only a comment) that were converted."""
        return self.code_lines - self.todo_lines

    def summary(self, name: str = "the script") -> str:
        """Return the report as text: counts, then each line not converted, fix-up and note."""
        lines = [
            f"{name}: {self.converted_lines} of {self.code_lines} lines of code converted, "
            f"{self.todo_lines} left as TODO(azrm)"
        ]
        lines += [f"  line {u.line}: not converted: {u.reason}" for u in self.untranslated]
        lines += [
            f"  line {f.line}: fixed: {f.message}" + (f" ({f.count}x)" if f.count > 1 else "") for f in self.fixups
        ]
        lines += [f"  line {line}: {message}" for line, message in self.notes]
        lines += [f"  input: {env}: {what}" for env, what in self.inputs]
        return "\n".join(lines)


@dataclass(frozen=True)
class Conversion:
    """The Python script and the report of a conversion."""

    python: str
    report: ConversionReport


class Translator(ControlFlow):
    """Walk one parsed script and build the Python script (use :func:`translate`)."""

    def __init__(self, source: str, table: CmdletTable, report: ConversionReport, name: str) -> None:
        self.source = source
        self.table = table
        self.report = report
        self.script_name = name
        self.scope = NameScope()
        self.kinds: dict[str, str] = {}
        self.imports: set[str] = set()
        self.uses: set[str] = set()
        self.item_names: list[str] = []
        self.splat_targets: dict[str, str] = {}
        self.splat_flags: dict[str, bool] = {}
        self.published_archives: list[str] = []
        self.secret_variables: set[str] = set()
        self.argument_variables: set[str] = set()
        self.assigned: set[str] = set()
        self.undefined_reported: set[str] = set()
        self.remarks: list[str] = []
        self.in_script_block = 0
        self.catch_names: list[str] = []
        self._spellings: list[tuple[int, str]] = []
        self.error_action_stop = False
        self._line = 1

    # -- names and notes ------------------------------------------------------------------------

    def var_name(self, variable: str) -> str:
        """Return the Python name of ``$variable``; report one that the script never assigns."""
        key = variable.lower()
        if key not in self.assigned:
            if key not in self.undefined_reported:
                self.undefined_reported.add(key)
                self.note(f"${variable} is never assigned in the script: PowerShell reads it as $null, and so None")
            return "None"
        return self.scope.name(variable)

    def mapped_property(self, target: Node, name: str) -> str | None:
        """Return the azrm spelling of property ``name`` of what ``target`` holds, if the table gives one."""
        cmdlet_name = ""
        if target.type == "variable":
            kind = self.kinds.get(_variable_key(target), "")
            cmdlet_name = kind.removeprefix("cmdlet:") if kind.startswith("cmdlet:") else ""
        elif target.type == "parenthesized_expression" and named(target):
            inner = unwrap(named(target)[0])
            cmdlet_name = self.command_name(inner) if inner.type == "command" else ""
        cmdlet = self.table.find(cmdlet_name) if cmdlet_name else None
        return cmdlet.properties.get(name.lower()) if cmdlet is not None else None

    def note(self, message: str, *, remark: bool = False) -> None:
        """Add a note about the statement being converted to the report (``remark``: and above it in the output)."""
        self.report.notes.append((self._line, message))
        if remark:
            self.remarks.append(message)

    # -- the pass before converting -------------------------------------------------------------

    def prescan(self, root: Node) -> None:
        """Find what the conversion needs to know ahead: assigned variables, splats, secrets."""
        modified: set[str] = set()
        stack = [root]
        while stack:
            node = stack.pop()
            stack.extend(node.named_children)
            if node.type == "assignment_expression":
                target = unwrap(node.named_children[0])
                if target.type == "variable":
                    self.assigned.add(_variable_key(target))
                    self._spellings.append((target.start_byte, _spelling(target)))
                else:
                    base = _base_variable(target)
                    if base:
                        modified.add(base)
            elif node.type in ("foreach_statement", "script_parameter"):
                variable = next((c for c in node.named_children if c.type == "variable"), None)
                if variable is not None:
                    self.assigned.add(_variable_key(variable))
                    self._spellings.append((variable.start_byte, _spelling(variable)))
            if node.type == "variable" and _variable_key(node) == "erroractionpreference":
                parent = node.parent
                if parent is not None and parent.type == "assignment_expression":
                    self.error_action_stop = "stop" in text_of(parent).lower()
            elif node.type == "command":
                self._prescan_command(node)
        for name in modified:
            self.splat_targets.pop(name, None)
        for _, spelling in sorted(self._spellings):
            self.scope.name(spelling)  # the script's names first: the converter's own (item...) avoid them

    def _prescan_command(self, node: Node) -> None:
        name = self.command_name(node)
        args = read_arguments(node)
        cmdlet = self.table.find(name)
        for splat in args.splats:
            key = splat.lower()
            target = cmdlet.name if cmdlet else ""
            if key in self.splat_targets and self.splat_targets[key] != target:
                target = ""
            self.splat_targets[key] = target
        if name.lower() == "convertto-securestring":
            value = args.named.get("String") or (args.positional[0] if args.positional else None)
            if value is not None and not isinstance(value, bool) and unwrap(value).type == "variable":
                self.secret_variables.add(_variable_key(unwrap(value)))
        if cmdlet is not None:
            for argument in [*args.named.values(), *args.positional]:
                if not isinstance(argument, bool) and unwrap(argument).type == "variable":
                    self.argument_variables.add(_variable_key(unwrap(argument)))
            for written, argument in args.named.items():
                parameter = cmdlet.parameter(written)
                if (
                    parameter is not None
                    and SECRET_PARAMETER.search(parameter.name)
                    and not isinstance(argument, bool)
                    and unwrap(argument).type == "variable"
                ):
                    self.secret_variables.add(_variable_key(unwrap(argument)))

    # -- blocks and statements ------------------------------------------------------------------

    def block(self, nodes: list[Node]) -> list[str]:
        """Return the Python lines of a sequence of statements and comments (blank lines kept)."""
        lines: list[str] = []
        previous_end: int | None = None
        for node in nodes:
            if previous_end is not None and node.start_point[0] - previous_end > 1 and lines and lines[-1] != "":
                lines.append("")
            previous_end = node.end_point[0]
            if node.type == "comment":
                lines.extend(_comment_lines(text_of(node)))
                continue
            self._line = node.start_point[0] + 1
            lines.extend(line for c in _inner_comments(node) for line in _comment_lines(text_of(c)))
            self.remarks = []
            try:
                if node.has_error:
                    raise Unconvertible(_parse_problem(node))
                converted = self.statement(node)
                _check_python(converted)
                lines.extend(f"# azrm convert: {remark}" for remark in self.remarks)
                lines.extend(converted)
            except Unconvertible as problem:
                lines.extend(self._todo(node, problem.reason))
            except (ValueError, KeyError, IndexError, AttributeError, TypeError, AssertionError) as error:
                # a construct the converter's walk did not expect: this statement is not converted, the rest is
                reason = f"the converter does not know this form ({type(error).__name__}); please report it"
                lines.extend(self._todo(node, reason))
        return lines

    def _todo(self, node: Node, reason: str) -> list[str]:
        first, last = node.start_point[0] + 1, node.end_point[0] + 1
        if node.end_point[1] == 0 and last > first:
            last -= 1
        self.report.untranslated.append(Untranslated(first, last, reason))
        original = self.source.splitlines()[first - 1 : last]
        if _SECRET_HINT.search("\n".join(original)):  # a password or key written into the script: never copied
            original = [_STRING.sub('"********"', line) for line in original]
        return [f"# TODO(azrm): {reason}"] + [f"# {line}".rstrip() for line in original]

    def statement(self, node: Node) -> list[str]:
        """Return the Python lines of one statement (raises :class:`Unconvertible`)."""
        node = unwrap(node)
        handler = getattr(self, "_s_" + node.type, None)
        if handler is not None:
            result: list[str] = handler(node)
            return result
        if node.type in ("pipeline", "pipeline_chain", "command"):
            return self._command_statement(node)
        value = self.expr(node)
        return [f"print({value})"]

    def _s_param_block(self, node: Node) -> list[str]:
        """Return the script's parameters as inputs: a default as the value, else an environment variable."""
        lines: list[str] = []
        parameters = next((c for c in node.named_children if c.type == "parameter_list"), None)
        for parameter in named(parameters) if parameters is not None else []:
            variable = (
                parameter
                if parameter.type == "variable"
                else next((c for c in parameter.named_children if c.type == "variable"), None)
            )
            if variable is None:
                raise Unconvertible(f"the script parameter {text_of(parameter)!r}")
            spelling = _spelling(variable)
            name = self.scope.name(spelling)
            default = next((c for c in parameter.named_children if c.type == "script_parameter_default"), None)
            secret = "securestring" in text_of(parameter).lower() or "pscredential" in text_of(parameter).lower()
            if "pscredential" in text_of(parameter).lower():
                env = self.scope.env_name(spelling)
                self.report.inputs.append((f"{env}_USER, {env}_PASSWORD", f"the script's parameter ${spelling}"))
                lines.append(f"{name} = azrm.get_credential(env={_literal(env)})")
            elif default is not None and named(default):
                lines.append(f"{name} = {self.value(named(default)[-1])}")
            else:
                lines.append(self._input_line(spelling, name, secret=secret, what="a parameter of the script"))
        return lines

    def _s_function_statement(self, node: Node) -> list[str]:
        raise Unconvertible("a function definition (write it as a Python function)")

    def _s_empty_statement(self, node: Node) -> list[str]:
        return []

    def _s_assignment_expression(self, node: Node) -> list[str]:
        children = named(node)
        target_node = unwrap(children[0])
        operator = text_of(next(c for c in children if c.type == "assignement_operator")).strip()
        value_node = children[-1]
        if target_node.type == "variable":
            key = _variable_key(target_node)
            if key in _DROPPED_VARIABLES:
                self.note(f"${key} = ... dropped: azrm raises a typed error where a cmdlet would stop")
                return []
            special = self._special_assignment(target_node, key, value_node) if operator == "=" else None
            if special is not None:
                return special
            target = self.var_name(text_of(target_node)[1:].strip("{}"))
        else:
            target = self.expr(target_node)
            key = ""
        loop = self._collecting_loop(value_node, target) if operator == "=" else None
        if loop is not None:
            self.kinds[key] = "output"
            return loop
        value = self.value(value_node)
        if operator == "+=" and self.kinds.get(key) == "list":
            if self.kind_of(value_node) == "list":
                return [f"{target}.extend({value})"]
            return [f"{target}.append({value})"]
        if operator not in ("=", "+=", "-=", "*=", "/="):
            raise Unconvertible(f"the assignment operator {operator}")
        if key and operator == "=" and len(_stages(value_node)) > 1 and self.kind_of(value_node) == "list":
            # PowerShell assigns a pipeline's output as nothing ($null), the one object, or an array
            self.uses.add("output")
            self.kinds[key] = "output"
            return [f"{target} = output({value})"]
        if key and operator == "=":
            self.kinds[key] = self.kind_of(value_node)
            inner = unwrap(value_node)
            cmdlet = self.table.find(self.command_name(inner)) if inner.type == "command" else None
            if cmdlet is not None and not self.kinds[key]:
                self.kinds[key] = "cmdlet:" + cmdlet.name
        return [f"{target} {operator} {value}"]

    def _special_assignment(self, target: Node, key: str, value_node: Node) -> list[str] | None:
        """Return the lines of assignments the converter treats specially: inputs and splat tables."""
        variable = text_of(target)[1:]
        inner = unwrap(value_node)
        name = self.scope.name(variable)
        if inner.type == "command":
            command = self.command_name(inner).lower()
            if command == "get-credential":
                env = self.scope.env_name(variable)
                self.report.inputs.append((f"{env}_USER, {env}_PASSWORD", f"Get-Credential (line {self._line})"))
                args = read_arguments(inner)
                user = args.named.get("UserName") or args.named.get("Credential")
                message = args.named.get("Message")
                arguments = []
                if message is not None and not isinstance(message, bool):
                    arguments.append(self.expr(message))
                if user is not None and not isinstance(user, bool):
                    arguments.append(f"user_name={self.expr(user)}")
                arguments.append(f"env={_literal(env)}")
                self.kinds[key] = "credential"
                return [f"{name} = azrm.get_credential({', '.join(arguments)})"]
            if command == "convertto-securestring":
                return self._secure_string(variable, name, inner)
        stages = _stages(value_node)
        if (
            len(stages) == 2
            and unwrap(stages[1]).type == "command"
            and self.command_name(unwrap(stages[1])).lower() == "convertto-securestring"
            and _is_string_literal(stages[0])
        ):
            return [self._input_line(variable, name, secret=True, what="a password given in the script")]
        if key in self.secret_variables and _is_string_literal(inner):
            return [self._input_line(variable, name, secret=True, what="a password for ConvertTo-SecureString")]
        if key in self.argument_variables and _is_string_literal(inner) and text_of(inner) in ('""', "''"):
            self.note(f"${variable} is empty in the script: the converted script asks for it", remark=True)
            self.kinds[key] = "str"
            return [self._input_line(variable, name, secret=False, what="left empty in the script")]
        if inner.type == "hash_literal_expression" and key in self.splat_targets and self.splat_targets[key]:
            return [f"{name} = {self._splat_dict(key, inner)}"]
        return None

    def _input_line(self, variable: str, name: str, *, secret: bool, what: str) -> str:
        env = self.scope.env_name(variable)
        self.report.inputs.append((env, f"${variable}: {what} (line {self._line})"))
        flag = ", secret=True" if secret else ""
        return f"{name} = azrm.read_input({_literal(env)}{flag})"

    def secret_input(self, what: str, description: str) -> str:
        """Return ``azrm.read_input(...)`` for a password the script writes inline (never the literal)."""
        env = f"{snake_case(what).upper()}_LINE_{self._line}"
        self.report.inputs.append((env, f"{description} (line {self._line})"))
        return f"azrm.read_input({_literal(env)}, secret=True)"

    def _secure_string(self, variable: str, name: str, command: Node) -> list[str]:
        args = read_arguments(command)
        value = args.named.get("String") or (args.positional[0] if args.positional else None)
        if "AsPlainText" not in args.named or value is None or isinstance(value, bool):
            raise Unconvertible("ConvertTo-SecureString of an encrypted string")
        self.kinds[variable.lower()] = "secret"
        if _is_string_literal(unwrap(value)):
            return [self._input_line(variable, name, secret=True, what="a password given in the script")]
        return [f"{name} = {self.expr(value)}"]

    def _splat_dict(self, key: str, node: Node) -> str:
        cmdlet = self.table.find(self.splat_targets[key])
        assert cmdlet is not None
        entries = []
        for written, value in self.hash_entries(node):
            parameter = self.usable_parameter(cmdlet, written)
            if parameter.drop:
                continue
            if parameter.as_job:
                self.splat_flags[key] = self.expr(value) == "True"
                continue
            python = self.parameter_value(cmdlet, parameter, value)
            entries.append(f"{_literal(parameter.kw or '')}: {python}")
        self.kinds[key] = "dict"
        return "{" + ", ".join(entries) + "}"

    def _collecting_loop(self, value_node: Node, target: str) -> list[str] | None:
        """Return ``target = []`` and a loop when a ForEach-Object block of statements is assigned."""
        stages = _stages(value_node)
        if len(stages) < 2 or not self._is_foreach(stages[-1]):
            return None
        block = self._foreach_block(stages[-1])
        statements = _block_statements(unwrap(block))
        if len(statements) <= 1:
            return None
        collection = self._iterable(stages[:-1])
        loop_var = self.scope.fresh("item")
        body = self._loop_body(statements, loop_var, collect=target)
        self.uses.add("output")
        return [f"{target} = []", f"for {loop_var} in {collection}:", *body, f"{target} = output({target})"]

    def _loop_body(self, statements: list[Node], loop_var: str, *, collect: str | None = None) -> list[str]:
        """Return the lines of a ForEach-Object block run for each ``loop_var`` (``$_``)."""
        self.item_names.append(loop_var)
        self.in_script_block += 1
        try:
            lines: list[str] = []
            for statement in statements:
                self._line = statement.start_point[0] + 1
                inner = unwrap(statement)
                if inner.type == "empty_statement":
                    continue
                try:
                    written = self._written_output(inner) if collect else None
                    if written is not None:
                        lines.append(f"{collect}.append({written})")
                    elif collect and inner.type != "assignment_expression" and not self._is_output_free(inner):
                        lines.append(f"{collect}.append({self.value(inner)})")
                    else:
                        lines.extend(self.statement(statement))
                except Unconvertible as problem:
                    lines.extend(self._todo(statement, problem.reason))
            if not any(_is_code(x) for x in lines):
                lines.append("pass")
            return ["    " + x if x else "" for x in lines]
        finally:
            self.item_names.pop()
            self.in_script_block -= 1
            self.scope.release(loop_var)

    def _written_output(self, node: Node) -> str | None:
        """Return what ``Write-Output x`` in a collected block outputs (``x``), or None for other statements."""
        if node.type != "command" or self.command_name(node).lower() not in ("write-output", "echo"):
            return None
        args = read_arguments(node)
        values = [self.expr(v) for v in args.positional]
        if len(values) != 1 or args.named:
            raise Unconvertible("Write-Output of several values in a collected block")
        return values[0]

    def _iterable(self, stages: list[Node]) -> str:
        """Return what a loop goes over: a pipeline's value; a variable holding a pipeline's output as items."""
        value = self._stages_value(stages)
        first = unwrap(stages[0])
        if len(stages) == 1 and first.type == "variable" and self.kinds.get(_variable_key(first)) == "output":
            self.uses.add("output")
            return f"items({value})"
        return value

    def _is_output_free(self, node: Node) -> bool:
        if node.type in ("if_statement", "foreach_statement", "while_statement"):
            return True
        if node.type == "command":
            return self.command_name(node).lower() in ("write-host", "start-sleep", "out-null")
        return False

    def _is_foreach(self, stage: Node) -> bool:
        stage = unwrap(stage)
        return stage.type == "command" and self.command_name(stage).lower() in ("%", "foreach-object", "foreach")

    def _foreach_block(self, stage: Node) -> Node:
        args = read_arguments(unwrap(stage))
        block = args.named.get("Process") or (args.positional[0] if args.positional else None)
        if block is None or isinstance(block, bool) or unwrap(block).type != "script_block_expression":
            raise Unconvertible("ForEach-Object without a script block")
        return block

    def _stages_value(self, stages: list[Node]) -> str:
        value: str | None = None
        for stage in stages:
            stage = unwrap(stage)
            value = self.command_expression(stage, value) if stage.type == "command" else self.expr(stage)
        assert value is not None
        return value

    def _command_statement(self, node: Node) -> list[str]:
        stages = _stages(node)
        first = unwrap(stages[0])
        if len(stages) == 1 and first.type == "command":
            special = self._special_command(first)
            if special is not None:
                return special
        if len(stages) >= 2 and self._is_foreach(stages[-1]):
            block = self._foreach_block(stages[-1])
            statements = _block_statements(unwrap(block))
            collection = self._iterable(stages[:-1])
            loop_var = self.scope.fresh("item")
            body = self._loop_body(statements, loop_var)
            return [f"for {loop_var} in {collection}:", *body]
        value = self.pipeline_expression(node) if len(stages) > 1 else self.value(first)
        if first.type != "command" and len(stages) == 1:
            return [f"print({value})"]
        rebound = self._rebound(stages)
        return [f"{rebound} = {value}" if rebound else value]

    def _rebound(self, stages: list[Node]) -> str | None:
        """Return the variable a builder cmdlet changes in place (``Set-AzVMOSDisk -VM $vm ...``), or None.

        The cmdlets change the PowerShell object they are given; azrm's configurations are immutable
        and return the changed one, so the statement becomes ``vm = vm.set_os_disk(...)``.
        """
        last = unwrap(stages[-1])
        if last.type != "command":
            return None
        cmdlet = self.table.find(self.command_name(last))
        if cmdlet is None or cmdlet.call.startswith(("az.", "azrm.")) or not cmdlet.target:
            return None
        first = unwrap(stages[0])
        if len(stages) == 2 and first.type == "variable":
            return self.expr(first)
        if len(stages) > 1:
            return None
        args = read_arguments(last)
        target = next(
            (v for k, v in args.named.items() if (p := cmdlet.parameter(k)) and p.name == cmdlet.target), None
        )
        if target is None and cmdlet.positional and cmdlet.positional[0] == cmdlet.target and args.positional:
            target = args.positional[0]
        if target is None or isinstance(target, bool) or unwrap(target).type != "variable":
            return None
        return self.expr(target)

    def _special_command(self, command: Node) -> list[str] | None:
        name = self.command_name(command).lower()
        if name in _SESSION_CMDLETS:
            self.uses.add("session")
            self.note(f"{self.command_name(command)}: the script's session `az` is made at the top")
            return [f"# {self.command_name(command)}: `az` (made above) is the signed-in session"]
        if name in _CONTEXT_CMDLETS:
            args = read_arguments(command)
            value = next(
                (
                    args.named[k]
                    for k in ("SubscriptionId", "Subscription", "SubscriptionName", "Name")
                    if k in args.named and not isinstance(args.named[k], bool)
                ),
                args.positional[0] if args.positional else None,
            )
            if value is None or isinstance(value, bool):
                raise Unconvertible(f"{self.command_name(command)} without a subscription")
            self.uses.add("session")
            return [
                "if not isinstance(az, azrm.LocalSession):  # the local Azure has one subscription",
                f"    az = azrm.connect({self.expr(value)})",
            ]
        if name in _DROPPED_COMMANDS:
            self.note(f"{_DROPPED_COMMANDS[name]}: dropped")
            return []
        if name == "get-credential":
            raise Unconvertible("Get-Credential whose result is not kept")
        return None


def _spelling(node: Node) -> str:
    """Return a variable's name as written (no ``$``, braces or scope)."""
    text = text_of(node)[1:].strip("{}")
    scope, _, rest = text.partition(":")
    return rest if rest and scope.lower() in ("script", "global", "local", "private") else text


def _inner_comments(node: Node) -> list[Node]:
    """Return the comments inside a statement (not those of the blocks it holds: they keep their place)."""
    found: list[Node] = []
    stack = list(node.children)
    while stack:
        child = stack.pop()
        if child.type == "comment":
            found.append(child)
        elif child.type not in ("statement_block", "script_block", "script_block_expression"):
            stack.extend(child.children)
    return sorted(found, key=lambda c: c.start_byte)


def _parse_problem(node: Node) -> str:
    """Say what PowerShell code the parser could not read in ``node``."""
    stack = [node]
    while stack:
        child = stack.pop()
        if child.type == "ERROR" or child.is_missing:
            snippet = " ".join(text_of(child).split())[:60]
            return f"the parser cannot read {snippet!r} (line {child.start_point[0] + 1})"
        stack.extend(reversed(child.children))
    return "the parser cannot read this statement"


_SECRET_HINT = re.compile(r"securestring|password|secret|accountkey|-key\b|credential", re.IGNORECASE)
_STRING = re.compile(r"\"(?:[^\"`]|`.)*\"|'(?:[^']|'')*'")


def _check_python(lines: list[str]) -> None:
    """Raise :class:`Unconvertible` if a statement's lines are not Python (a form the converter got wrong)."""
    try:
        ast.parse("\n".join(lines) or "pass")
    except SyntaxError as error:
        raise Unconvertible(f"the converter wrote Python that does not parse ({error.msg}); please report it") from None


def _variable_key(node: Node) -> str:
    text = text_of(node)[1:].strip("{}")
    scope, _, rest = text.partition(":")
    if rest and scope.lower() in ("script", "global", "local", "private"):
        text = rest
    return text.lower()


def _base_variable(node: Node) -> str | None:
    while node.type in ("member_access", "element_access"):
        node = unwrap(node.named_children[0])
    return _variable_key(node) if node.type == "variable" else None


def _is_string_literal(node: Node) -> bool:
    node = unwrap(node)
    return node.type in ("expandable_string_literal", "verbatim_string_characters") and not node.named_child_count


def _stages(node: Node) -> list[Node]:
    node = unwrap(node)
    if node.type in ("pipeline", "pipeline_chain"):
        return [c for c in node.named_children if c.type != "comment"]
    return [node]


def _comment_lines(text: str) -> list[str]:
    if text.startswith("<#"):
        body = text[2:-2].strip("\n")
        return ["# " + line.strip() if line.strip() else "#" for line in body.splitlines()]
    return ["# " + text.lstrip("#").strip() if text.lstrip("#").strip() else "#"]


def _code_lines(source: str) -> set[int]:
    lines: set[int] = set()
    in_block = False
    for number, line in enumerate(source.splitlines(), start=1):
        stripped = line.strip()
        if in_block:
            in_block = "#>" not in stripped
            continue
        if stripped.startswith("<#"):
            in_block = "#>" not in stripped
            continue
        if stripped and not stripped.startswith("#"):
            lines.add(number)
    return lines


@functools.lru_cache(maxsize=1)
def _parser() -> object:
    import tree_sitter_powershell
    from tree_sitter import Language, Parser

    return Parser(Language(tree_sitter_powershell.language()))


def parse(text: str) -> Node:
    """Return the root node of ``text`` parsed by tree-sitter's PowerShell grammar."""
    tree = _parser().parse(text.encode("utf-8"))  # type: ignore[attr-defined]
    root: Node = tree.root_node
    return root


def translate(text: str, *, name: str = "script.ps1", table: CmdletTable | None = None) -> Conversion:
    """Convert PowerShell ``text`` to an azrm Python script, with the report of what was converted."""
    report = ConversionReport()
    normalized, report.fixups = normalize(text)
    root = parse(normalized)
    translator = Translator(normalized, table or load_table(), report, name)
    translator.prescan(root)
    nodes = sorted(_top_level(root), key=lambda n: n.start_byte)
    body = translator.block(nodes)
    code = _code_lines(normalized)
    todo = {n for u in report.untranslated for n in range(u.line, u.end_line + 1)} & code
    report.code_lines, report.todo_lines = len(code), len(todo)
    python = _assemble(translator, body, name)
    return Conversion(_format(python), report)


def _top_level(root: Node) -> list[Node]:
    nodes: list[Node] = []
    for child in root.named_children:
        if child.type == "statement_list":
            nodes.extend(child.named_children)
        else:
            nodes.append(child)
    return nodes


def _assemble(translator: Translator, body: list[str], name: str) -> str:
    from azrm import __version__

    report = translator.report
    stem = PureWindowsPath(name).name if "\\" in name else PurePath(name).name
    doc = [f'"""{stem}, converted from PowerShell by `python -m azrm convert` (azrm {__version__}).', ""]
    needs_session = bool(translator.uses & {"session"})
    if needs_session:
        doc += [
            "Runs against the local Azure (azrm.local()); with --azure, against Azure (azrm.connect(): the",
            "account azure-identity's DefaultAzureCredential signs in with).",
        ]
    if report.inputs:
        doc += ["", "Inputs (environment variables; asked for when unset and run in a terminal):"]
        doc += [f"- {env}: {what}" for env, what in report.inputs]
    if report.untranslated:
        doc += ["", f"Not converted: {len(report.untranslated)} statement(s), marked TODO(azrm) below."]
    doc.append('"""')
    imports = set(translator.imports)
    if needs_session:
        imports.add("sys")
    lines = [*doc, ""]
    lines += [f"import {module}" for module in sorted(imports)]
    lines += ["", "import azrm", ""]
    if "silently" in translator.uses:
        lines += [
            "",
            "def silently(call, *args, **kwargs):",
            '    """-ErrorAction SilentlyContinue: the result, or None where the cmdlet\'s error is dropped."""',
            "    try:",
            "        return call(*args, **kwargs)",
            "    except azrm.AzrmError:",
            "        return None",
            "",
            "",
        ]
    if "members" in translator.uses:
        lines += [
            "",
            "def members(values, name):",
            '    """PowerShell\'s member enumeration: the property of the one item, or a list of each item\'s."""',
            "    found = [getattr(value, name) for value in values]",
            "    return None if not found else found[0] if len(found) == 1 else found",
            "",
            "",
        ]
    if "output" in translator.uses:
        lines += [
            "",
            "def output(values):",
            '    """What PowerShell assigns from a pipeline: None for nothing, the one object, or the list."""',
            "    values = list(values)",
            "    return None if not values else values[0] if len(values) == 1 else values",
            "",
            "",
            "def items(value):",
            '    """What PowerShell goes through for a value: nothing for None, a list\'s items, or the one object."""',
            "    return [] if value is None else value if isinstance(value, list) else [value]",
            "",
            "",
        ]
    if needs_session:
        lines += ['az = azrm.connect() if "--azure" in sys.argv[1:] else azrm.local()', ""]
    lines += body
    return "\n".join(lines).rstrip() + "\n"


def _format(python: str) -> str:
    """Return ``python`` formatted by ruff (as it is when ruff is not installed)."""
    import subprocess

    try:
        from ruff.__main__ import find_ruff_bin
    except ImportError:  # pragma: no cover - ruff is one of azrm's dependencies
        return python
    result = subprocess.run(
        [os.fsdecode(find_ruff_bin()), "format", "--isolated", "--line-length", "100", "-"],
        input=python,
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout if result.returncode == 0 else python
