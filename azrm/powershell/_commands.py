"""PowerShell commands as azrm calls: the table's cmdlets, and the built-in cmdlets scripts lean on."""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from azrm.powershell._expressions import ExpressionTranslator, Unconvertible, named, text_of, unwrap
from azrm.powershell._names import snake_case

if TYPE_CHECKING:
    from tree_sitter import Node

    from azrm.powershell.table import Cmdlet, CmdletTable, Parameter

__all__ = ["Arguments", "CommandTranslator"]

#: PowerShell's common parameters: what each becomes
_COMMON_DROPPED = {"verbose", "debug", "warningaction", "informationaction", "outbuffer", "progressaction"}
_COMMON_TODO = {
    "whatif": "-WhatIf: run the script on azrm.plan_session(az) to see its changes without making them",
    "defaultprofile": "-DefaultProfile/-AzContext: one session per context in azrm",
    "azcontext": "-DefaultProfile/-AzContext: one session per context in azrm",
    "errorvariable": "-ErrorVariable: use try/except azrm.AzrmError",
    "warningvariable": "-WarningVariable",
    "outvariable": "-OutVariable: assign the result instead",
    "informationvariable": "-InformationVariable",
    "pipelinevariable": "-PipelineVariable",
}
_SESSION_CMDLETS = {
    "connect-azaccount",
    "login-azaccount",
    "add-azaccount",
    "connect-azurermaccount",
    "login-azurermaccount",
    "add-azurermaccount",
}
_CONTEXT_CMDLETS = {"select-azsubscription", "select-azurermsubscription", "set-azcontext", "set-azurermcontext"}
_SILENT_ACTIONS = {"silentlycontinue", "ignore", "continue"}
#: parameters that take the pipeline's object by value, when a cmdlet names no target
_BY_VALUE = ("VM", "VirtualMachineScaleSet", "InputObject", "Vmss", "VMProfile")


_NUMBER_WORD = re.compile(r"^\d+(\.\d+)?(kb|mb|gb|tb|pb)$", re.IGNORECASE)
#: parameters whose value is a password or a key: a literal given to one is never written into the output
SECRET_PARAMETER = re.compile(r"password|secretvalue|accountkey|clientsecret", re.IGNORECASE)


@dataclass
class Arguments:
    """A command's arguments as written: named (parameter name -> value nodes), switches, positional."""

    named: dict[str, Node | bool] = field(default_factory=dict)
    positional: list[Node] = field(default_factory=list)
    splats: list[str] = field(default_factory=list)
    empty: list[str] = field(default_factory=list)


def read_arguments(command: Node) -> Arguments:
    """Split a command's elements into named parameters, switches, splats and positional arguments."""
    args = Arguments()
    elements = _elements(command)
    items = [e for e in elements if e.type not in ("command_argument_sep", "comment")]
    colon_values = {id(e) for e in _colon_values(elements)}
    i = 0
    while i < len(items):
        item = items[i]
        if item.type == "command_parameter":
            name = text_of(item)[1:].rstrip(":")
            following = items[i + 1] if i + 1 < len(items) else None
            if following is not None and id(following) in colon_values:
                args.named[name] = following
                i += 2
                continue
            if following is not None and following.type != "command_parameter":
                args.named[name] = following
                i += 2
                continue
            args.named[name] = True
            i += 1
            continue
        if unwrap(item).type == "variable" and text_of(unwrap(item)).startswith("@"):
            args.splats.append(text_of(unwrap(item))[1:])
        else:
            args.positional.append(item)
        i += 1
    return args


def _elements(command: Node) -> list[Node]:
    for child in command.named_children:
        if child.type == "command_elements":
            return list(child.children)
    return []


def _colon_values(elements: list[Node]) -> list[Node]:
    values = []
    for index, element in enumerate(elements):
        if element.type == "command_argument_sep" and text_of(element).strip() == ":" and index + 1 < len(elements):
            values.append(elements[index + 1])
    return values


class CommandTranslator(ExpressionTranslator):
    """Turn commands into azrm calls (mixed into the translator)."""

    table: CmdletTable
    error_action_stop: bool
    splat_targets: dict[str, str]
    splat_flags: dict[str, bool]
    published_archives: list[str]
    notes: list[str]
    uses: set[str]

    def statement_command(self, node: Node) -> list[str] | None:  # pragma: no cover - the translator's
        raise NotImplementedError

    def note(self, message: str, *, remark: bool = False) -> None:  # pragma: no cover - the translator's
        raise NotImplementedError

    def command_name(self, command: Node) -> str:
        """Return a command's name as written."""
        name = next((c for c in command.named_children if c.type == "command_name"), command)
        return text_of(name).strip()

    def pipeline_expression(self, node: Node) -> str:
        """Return the Python value of a pipeline: each command called on the previous one's value."""
        stages = [c for c in node.named_children if c.type != "comment"]
        value: str | None = None
        self.piped_kind = ""
        for stage in stages:
            stage = unwrap(stage)
            if stage.type == "command":
                value = self.command_expression(stage, value)
                self.piped_kind = "list" if self._is_filter(stage) else ""
            elif value is None:
                value = self.expr(stage)
                self.piped_kind = self.kind_of(stage)
            else:
                raise Unconvertible(f"{text_of(stage)!r} after a pipe")
        self.piped_kind = ""
        assert value is not None
        return value

    def _is_filter(self, command: Node) -> bool:
        return self.command_name(command).lower() in ("where-object", "?", "where", "foreach-object", "%", "foreach")

    piped_kind = ""

    def command_expression(self, node: Node, piped: str | None = None) -> str:
        """Return the Python expression that runs one command (``piped``: the value piped into it)."""
        name = self.command_name(node)
        bounds = self._range_bounds(name)
        if bounds:
            return self.range_of(*bounds)
        if _NUMBER_WORD.match(name) and not read_arguments(node).named:
            return self.number_text(name)  # 1.5GB: the grammar reads a number with a suffix as a command
        lowered = name.lower()
        args = read_arguments(node)
        builtin = getattr(self, "_c_" + lowered.replace("-", "_"), None) if "-" in lowered or lowered in "%?" else None
        if lowered in ("%", "foreach-object", "foreach"):
            builtin = self._c_foreach_object
        elif lowered in ("?", "where-object", "where"):
            builtin = self._c_where_object
        if builtin is not None:
            result: str = builtin(args, piped, node)
            return result
        cmdlet = self.table.find(name)
        if cmdlet is None:
            raise Unconvertible(f"{name} is not a cmdlet azrm mirrors")
        if cmdlet.call == "converter":
            raise Unconvertible(f"{name} in an expression")
        return self.cmdlet_call(cmdlet, args, piped)

    # -- the table's cmdlets --------------------------------------------------------------------

    def cmdlet_call(self, cmdlet: Cmdlet, args: Arguments, piped: str | None) -> str:
        """Return the azrm call of a table cmdlet with its arguments."""
        keywords: list[tuple[str, str]] = []
        as_job = False
        silent = False
        bound: dict[str, Parameter] = {}
        target_value: str | None = None
        splat_dicts = []
        suffixes: list[str] = []
        for splat in args.splats:
            if self.splat_targets.get(splat.lower()) != cmdlet.name:
                raise Unconvertible(f"@{splat} is splatted into several cmdlets or changed after it is made")
            splat_dicts.append(self.var_name(splat))
            as_job = as_job or self.splat_flags.get(splat.lower(), False)
        for written, value in args.named.items():
            lowered = written.lower()
            if lowered in _COMMON_DROPPED or lowered == "confirm":
                continue
            if lowered in _COMMON_TODO or any(k.startswith(lowered) and len(lowered) > 2 for k in _COMMON_TODO):
                raise Unconvertible(_COMMON_TODO.get(lowered, f"-{written}"))
            if lowered in ("erroraction", "ea"):
                action = text_of(value).strip("'\"").lower() if not isinstance(value, bool) else ""
                silent = action in _SILENT_ACTIONS or action in ("0", "2", "4")  # the enum's numbers
                continue
            parameter = self.usable_parameter(cmdlet, written)
            if parameter.name in bound:
                raise Unconvertible(f"-{parameter.name} given twice")
            bound[parameter.name] = parameter
            if parameter.drop:
                continue
            if parameter.as_job:
                as_job = as_job or value is True or (not isinstance(value, bool) and self.expr(value) == "True")
                continue
            if parameter.then:
                if value is True or (not isinstance(value, bool) and self.expr(value) == "True"):
                    suffixes.append(parameter.then)
                continue
            python = self.parameter_value(cmdlet, parameter, value)
            if parameter.target or (cmdlet.target and parameter.name == cmdlet.target):
                target_value = python
                continue
            assert parameter.kw is not None
            keywords.append((parameter.kw, python))
        positional_names = [p for p in cmdlet.positional if p not in bound]
        for node in args.positional:
            if not positional_names:
                raise Unconvertible(f"{text_of(node)!r}: a positional argument {cmdlet.name} does not take")
            parameter = cmdlet.parameters[positional_names.pop(0)]
            bound[parameter.name] = parameter
            python = self.parameter_value(cmdlet, parameter, node)
            if parameter.target or parameter.name == cmdlet.target:
                target_value = python
            elif parameter.kw:
                keywords.append((parameter.kw, python))
        if piped is not None:
            target_value, keywords = self._bind_piped(cmdlet, bound, piped, target_value, keywords)
        call = self._call_text(cmdlet, keywords, splat_dicts, as_job, target_value) + "".join(suffixes)
        if silent:
            self.uses.add("silently")
            call = self._silently(call)
        return call

    def usable_parameter(self, cmdlet: Cmdlet, written: str) -> Parameter:
        """Return the parameter ``-written`` of ``cmdlet``; note it when dropped, refuse it when unsupported."""
        parameter = cmdlet.parameter(written)
        if parameter is None:
            raise Unconvertible(f"{cmdlet.name} has no parameter -{written} that azrm knows")
        if parameter.todo:
            raise Unconvertible(f"-{parameter.name}: {parameter.todo}")
        if parameter.drop:
            self.note(f"-{parameter.name} of {cmdlet.name} dropped: {parameter.drop}")
        return parameter

    def _bind_piped(
        self, cmdlet: Cmdlet, bound: dict[str, Parameter], piped: str, target: str | None, keywords: list[Any]
    ) -> tuple[str | None, list[Any]]:
        if cmdlet.target and target is None:
            return piped, keywords
        for name in _BY_VALUE:
            parameter = cmdlet.parameters.get(name)
            if parameter is not None and name not in bound and parameter.kw:
                return target, [*keywords, (parameter.kw, piped)]
        raise Unconvertible(f"what the pipeline passes to {cmdlet.name}")

    def _call_text(
        self, cmdlet: Cmdlet, keywords: list[tuple[str, str]], splats: list[str], as_job: bool, target: str | None
    ) -> str:
        arguments = [f"{k}={v}" for k, v in keywords] + [f"**{s}" for s in splats]
        owner, _, function = cmdlet.call.partition(".")
        if as_job:
            if not cmdlet.begin:
                raise Unconvertible(f"-AsJob: azrm has no begin_ twin of {cmdlet.call}")
            function = "begin_" + function
        if owner == "az":
            self.uses.add("session")
            return f"az.{function}({', '.join(arguments)})"
        if owner == "azrm":
            return f"azrm.{function}({', '.join(arguments)})"
        if target is None:
            raise Unconvertible(f"{cmdlet.name} without -{cmdlet.target or 'its object'}")
        return f"{target}.{function}({', '.join(arguments)})"

    def _silently(self, call: str) -> str:
        function, _, rest = call.partition("(")
        arguments = rest[:-1]
        return f"silently({function}{', ' + arguments if arguments else ''})"

    def parameter_value(self, cmdlet: Cmdlet, parameter: Parameter, value: Node | bool) -> str:
        """Return the Python value of one argument, as the parameter wants it."""
        if isinstance(value, bool):
            if not parameter.switch:
                filled = self._fill_missing(cmdlet, parameter)
                if filled is not None:
                    return filled
                raise Unconvertible(f"-{parameter.name} has no value (PowerShell stops here too)")
            return "False" if parameter.negate else "True"
        if parameter.switch:
            return f"not {self.expr(value)}" if parameter.negate else self.expr(value)
        if SECRET_PARAMETER.search(parameter.name) and unwrap(value).type in (
            "expandable_string_literal",
            "verbatim_string_characters",
        ):
            return self.secret_input(parameter.name, f"-{parameter.name} of {cmdlet.name}")
        python = self.expr(value)
        node = unwrap(value)
        if parameter.name == "ConfigurationPath" and cmdlet.name.startswith("Publish-") and python.startswith('"'):
            self.published_archives.append(python.strip('"').replace("\\\\", "/").rsplit("/", 1)[-1] + ".zip")
        if node.type in ("decimal_integer_literal", "real_literal") and self._wants_text(cmdlet, parameter):
            python = '"' + text_of(node) + '"'
        if node.type == "generic_token" and "timedelta" in self.annotation(cmdlet, parameter.kw or ""):
            python = _timespan(text_of(node)) or python
            if python.startswith("datetime."):
                self.imports.add("datetime")
        if parameter.value == "id":
            python = f"{python}.id"
        if parameter.list and self.kind_of(value) == "output":
            python = f"items({python})"
        elif parameter.list and self.kind_of(value) != "list" and not python.startswith("["):
            python = f"[{python}]"
        return python

    def _fill_missing(self, cmdlet: Cmdlet, parameter: Parameter) -> str | None:
        """Return the value a script left out where the converter knows it (the seed's blob name)."""
        if parameter.name == "ArchiveBlobName" and self.published_archives:
            blob = self.published_archives[-1]
            self.note(
                f"-ArchiveBlobName of {cmdlet.name} has no value (PowerShell would stop there): "
                f"{blob!r}, the archive Publish-AzVMDscConfiguration made above, is used",
                remark=True,
            )
            return '"' + blob + '"'
        return None

    def _wants_text(self, cmdlet: Cmdlet, parameter: Parameter) -> bool:
        annotation = self.annotation(cmdlet, parameter.kw or "")
        return annotation.startswith("str") and "int" not in annotation and "float" not in annotation

    def annotation(self, cmdlet: Cmdlet, keyword: str) -> str:
        """Return the annotation (as text) of ``keyword`` in the azrm function of ``cmdlet``."""
        function = _resolve(cmdlet.call)
        if function is None:
            return ""
        try:
            parameter = inspect.signature(function).parameters.get(keyword)
        except (TypeError, ValueError):
            return ""
        if parameter is None or parameter.annotation is inspect.Parameter.empty:
            return ""
        return str(parameter.annotation)

    # -- built-in cmdlets -----------------------------------------------------------------------

    def _text_args(self, args: Arguments) -> list[str]:
        return [self.expr(n) for n in args.positional]

    def _c_write_host(self, args: Arguments, piped: str | None, node: Node) -> str:
        values = self._text_args(args)
        for name in ("Object", "Message", "InputObject"):
            value = args.named.get(name)
            if value is not None and not isinstance(value, bool):
                values.append(self.expr(value))
        end = ', end=""' if "NoNewline" in args.named else ""
        if piped is not None:
            values.append(piped)
        return f"print({', '.join(values)}{end})"

    _c_write_output = _c_write_host

    def _c_write_warning(self, args: Arguments, piped: str | None, node: Node) -> str:
        self.imports.add("sys")
        values = self._text_args(args) or [self.expr(v) for v in args.named.values() if not isinstance(v, bool)]
        return f'print("WARNING:", {", ".join(values)}, file=sys.stderr)'

    def _c_write_error(self, args: Arguments, piped: str | None, node: Node) -> str:
        self.imports.add("sys")
        values = self._text_args(args) or [
            self.expr(v) for k, v in args.named.items() if k.lower() in ("message", "m") and not isinstance(v, bool)
        ]
        if self.error_action_stop:  # $ErrorActionPreference = "Stop": Write-Error ends the script
            return f"sys.exit({' + '.join(values) or repr('error')})"
        return f"print({', '.join(values)}, file=sys.stderr)"

    def _c_new_timespan(self, args: Arguments, piped: str | None, node: Node) -> str:
        self.imports.add("datetime")
        units = {"days": "days", "hours": "hours", "minutes": "minutes", "seconds": "seconds"}
        parts = []
        for written, value in args.named.items():
            unit = next((u for u in units if u.startswith(written.lower())), None)
            if unit is None or isinstance(value, bool):
                raise Unconvertible(f"New-TimeSpan -{written}")
            parts.append(f"{unit}={self.expr(value)}")
        return f"datetime.timedelta({', '.join(parts)})"

    def _c_convertto_securestring(self, args: Arguments, piped: str | None, node: Node) -> str:
        value = args.named.get("String") or (args.positional[0] if args.positional else None)
        if "AsPlainText" not in args.named:
            raise Unconvertible("ConvertTo-SecureString of an encrypted string")
        if piped is not None and value is None:
            return piped
        if value is None or isinstance(value, bool):
            raise Unconvertible("ConvertTo-SecureString without a string")
        if unwrap(value).type in ("expandable_string_literal", "verbatim_string_characters"):
            return self.secret_input("SecureString", "a password given in the script to ConvertTo-SecureString")
        return self.expr(value)

    def secret_input(self, what: str, description: str) -> str:  # pragma: no cover - the translator's
        raise NotImplementedError

    def _c_get_date(self, args: Arguments, piped: str | None, node: Node) -> str:
        if args.named or args.positional:
            raise Unconvertible("Get-Date with parameters")
        self.imports.add("datetime")
        return "datetime.datetime.now().astimezone()"

    def _c_start_sleep(self, args: Arguments, piped: str | None, node: Node) -> str:
        self.imports.add("time")
        seconds = args.named.get("Seconds") or args.named.get("s") or (args.positional[0] if args.positional else None)
        if seconds is not None and not isinstance(seconds, bool):
            return f"time.sleep({self.expr(seconds)})"
        milliseconds = args.named.get("Milliseconds") or args.named.get("m")
        if milliseconds is not None and not isinstance(milliseconds, bool):
            return f"time.sleep({self.expr(milliseconds)} / 1000)"
        raise Unconvertible("Start-Sleep without -Seconds or -Milliseconds")

    def _c_out_null(self, args: Arguments, piped: str | None, node: Node) -> str:
        return piped or "None"

    def _c_wait_job(self, args: Arguments, piped: str | None, node: Node) -> str:
        job = piped or self._job_argument(args)
        if self.piped_kind == "list" or self._argument_kind(args) == "list":
            return f"[job.result() for job in {job}]"
        return f"{job}.result()"

    def _c_receive_job(self, args: Arguments, piped: str | None, node: Node) -> str:
        job = piped or self._job_argument(args)
        if job.endswith(".result()") or job.startswith("[job.result() for job in "):
            return job
        return self._c_wait_job(args, piped, node)

    def _argument_kind(self, args: Arguments) -> str:
        value = args.named.get("Job") or (args.positional[0] if args.positional else None)
        return "" if value is None or isinstance(value, bool) else self.kind_of(value)

    def _job_argument(self, args: Arguments) -> str:
        value = args.named.get("Job") or args.named.get("Id") or (args.positional[0] if args.positional else None)
        if value is None or isinstance(value, bool):
            raise Unconvertible("a job cmdlet without the job")
        return self.expr(value)

    def _c_get_credential(self, args: Arguments, piped: str | None, node: Node) -> str:
        raise Unconvertible("Get-Credential inside an expression")

    def _c_new_object(self, args: Arguments, piped: str | None, node: Node) -> str:
        type_node = args.named.get("TypeName") or (args.positional[0] if args.positional else None)
        if type_node is None or isinstance(type_node, bool):
            raise Unconvertible("New-Object without a type")
        type_name = text_of(type_node).strip("'\"").lower()
        if type_name not in ("system.management.automation.pscredential", "pscredential"):
            raise Unconvertible(f"New-Object {type_name}")
        argument = args.named.get("ArgumentList") or (args.positional[1] if len(args.positional) > 1 else None)
        if argument is None or isinstance(argument, bool):
            raise Unconvertible("New-Object PSCredential without the user name and password")
        inner = unwrap(argument)
        if inner.type == "parenthesized_expression":
            inner = unwrap(named(inner)[0])
        parts = named(inner) if inner.type == "array_literal_expression" else []
        if len(parts) != 2:
            raise Unconvertible("New-Object PSCredential needs (user name, password)")
        return f"azrm.Credential({self.expr(parts[0])}, {self.expr(parts[1])})"

    def _c_foreach_object(self, args: Arguments, piped: str | None, node: Node) -> str:
        block = args.named.get("Process") or (args.positional[0] if args.positional else None)
        if piped is None or block is None or isinstance(block, bool):
            raise Unconvertible("ForEach-Object outside a statement")
        name = self.scope.fresh("item")
        self.item_names.append(name)
        try:
            body = self._single_expression(block)
        finally:
            self.item_names.pop()
            self.scope.release(name)
        return f"[{body} for {name} in {piped}]"

    def _c_where_object(self, args: Arguments, piped: str | None, node: Node) -> str:
        block = args.named.get("FilterScript") or (args.positional[0] if args.positional else None)
        if piped is None or block is None or isinstance(block, bool):
            raise Unconvertible("Where-Object without a script block")
        if unwrap(block).type != "script_block_expression":
            raise Unconvertible("Where-Object's simplified syntax")
        name = self.scope.fresh("item")
        self.item_names.append(name)
        try:
            condition = self._single_expression(block)
        finally:
            self.item_names.pop()
            self.scope.release(name)
        return f"[{name} for {name} in {piped} if {condition}]"

    def _c_select_object(self, args: Arguments, piped: str | None, node: Node) -> str:
        if piped is None:
            raise Unconvertible("Select-Object without a pipeline")
        first = args.named.get("First")
        if first is not None and not isinstance(first, bool) and len(args.named) == 1:
            return f"{piped}[: {self.expr(first)}]"
        expand = args.named.get("ExpandProperty")
        if expand is not None and not isinstance(expand, bool) and len(args.named) == 1:
            return f"[item.{snake_case(text_of(expand).strip(chr(34) + chr(39)))} for item in {piped}]"
        raise Unconvertible("Select-Object with these parameters")

    def _single_expression(self, block: Node) -> str:
        block = unwrap(block)
        statements = _block_statements(block)
        if len(statements) != 1:
            raise Unconvertible("a script block of several statements in an expression")
        return self.value(statements[0])


def _timespan(text: str) -> str | None:
    """Return ``datetime.timedelta(...)`` for a TimeSpan written ``[d.]hh:mm[:ss]``, or None."""
    import re

    match = re.fullmatch(r"(?:(\d+)\.)?(\d{1,2}):(\d{2})(?::(\d{2}))?", text)
    if not match:
        return None
    units = zip(("days", "hours", "minutes", "seconds"), match.groups(), strict=True)
    parts = [f"{unit}={int(value)}" for unit, value in units if value and int(value)]
    return f"datetime.timedelta({', '.join(parts) or 'seconds=0'})"


def _block_statements(block: Node) -> list[Node]:
    """Return the statements inside a script block or statement block."""
    found: list[Node] = []
    for child in block.named_children:
        if child.type in ("script_block", "script_block_body", "statement_list", "statement_block"):
            found.extend(_block_statements(child))
        elif child.type not in ("comment",):
            found.append(child)
    return found


def _resolve(call: str) -> Any:
    """Return the azrm function or method ``call`` names (``az.x``, ``azrm.x``, ``Class.x``), or None."""
    import azrm

    owner, _, name = call.partition(".")
    try:
        if owner == "az":
            from azrm.session import Session

            return getattr(Session, name, None)
        if owner == "azrm":
            return getattr(azrm, name, None)
        return getattr(getattr(azrm, owner, None), name, None)
    except AttributeError:  # pragma: no cover - a table entry the drift test would catch
        return None
