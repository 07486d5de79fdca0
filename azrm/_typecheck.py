"""Argument types checked from the signature: wrong types and ``None`` become :class:`ValidationError`.

Every public cmdlet (the session's methods), builder function and builder method is wrapped by
:func:`checked`. On the first call it reads the function's annotations (``typing.get_type_hints``)
and compiles a small checker per parameter; each call then binds the arguments and runs the checkers
before the function's body, so a ``None`` or a number where a name belongs is refused with the
parameter's name, before anything is sent. It costs a few microseconds a call.

What is checked, from the annotation: ``str``, ``int`` (not ``bool``), ``float`` (finite; ``int``
accepted), ``bool``, ``None``, classes (``isinstance``), ``X | Y``, ``Literal[...]`` (strings
compared case-insensitively, as the cmdlets accept), ``Mapping[K, V]`` (keys and values),
``Sequence[X]`` / ``tuple[X, ...]`` / ``list[X]`` (a list or tuple, never a string, each item),
``Callable`` (callable). ``Any``, type variables, protocols and annotations that cannot be resolved
are not checked (the function's own checks apply).
"""

from __future__ import annotations

import collections.abc
import functools
import inspect
import math
import sys
import types
import typing
from collections.abc import Callable
from typing import Any, TypeVar

from ._aliases import aliases_of, canonical_kwargs, is_alias_wrapper, rewrap
from .errors import ValidationError

__all__ = ["check_arguments", "checked"]

F = TypeVar("F", bound=Callable[..., Any])
Checker = Callable[[str, Any], None]

#: parameter names whose values never appear in an error message
_SECRET_WORDS = ("password", "secret", "secure", "token", "sas", "credential", "key")
_SEQUENCES = (
    collections.abc.Sequence,
    collections.abc.MutableSequence,
    list,
    tuple,
    collections.abc.Collection,
    collections.abc.Set,
    frozenset,
    set,
)
_MAPPINGS = (collections.abc.Mapping, collections.abc.MutableMapping, dict)


class _Unchecked(Exception):
    """The annotation is one this module does not check."""


def _secret(field: str) -> bool:
    lowered = field.lower()
    return any(word in lowered for word in _SECRET_WORDS)


def _fail(field: str, value: Any, what: str) -> None:
    """Raise for ``field`` (``tags['env']``, ``subnet[2]``: the error's field is the parameter, the rule says where)."""
    parameter, bracket, where = field.partition("[")
    secret = _secret(field)
    shown = value if secret or isinstance(value, (str, int, float, bool, type(None))) else type(value).__name__
    rule = f"{parameter}[{where} must be {what}" if bracket else f"must be {what}"
    raise ValidationError(parameter, shown, rule, secret=secret)


class _Spec:
    """A compiled annotation: ``test(value)`` says yes or no, ``what`` says what is wanted, in words."""

    def __init__(self, what: str, test: Callable[[Any], bool], items: Callable[[str, Any], None] | None = None):
        self.what = what
        self.test = test
        self.items = items  # checks the contents, naming ``field[i]``

    def __call__(self, field: str, value: Any) -> None:
        if not self.test(value):
            _fail(field, value, self.what)
        if self.items is not None:
            self.items(field, value)


def _article(name: str) -> str:
    return f"an {name}" if name[:1].lower() in "aeiou" else f"a {name}"


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_float(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _compile(hint: Any) -> _Spec:  # one branch per kind of annotation
    if hint is Any or isinstance(hint, (TypeVar, typing.ParamSpec)) or hint is inspect.Parameter.empty:
        raise _Unchecked
    if hint is None or hint is type(None):
        return _Spec("None", lambda v: v is None)
    if hint is str:
        return _Spec("a string", lambda v: isinstance(v, str))
    if hint is bool:
        return _Spec("True or False", lambda v: isinstance(v, bool))
    if hint is int:
        return _Spec("a whole number", _is_int)
    if hint is float:
        return _Spec("a finite number", _is_float)
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is typing.Union or origin is types.UnionType:
        options = [_compile(a) for a in args]  # one unchecked option makes the union unchecked
        return _union(options)
    if origin is typing.Literal:
        allowed = {a.lower() if isinstance(a, str) else a for a in args}
        return _Spec(
            "one of " + ", ".join(repr(a) for a in args),
            lambda v: (v.lower() if isinstance(v, str) else v) in allowed if _hashable(v) else False,
        )
    if origin is typing.Annotated:
        return _compile(args[0])
    if origin in _MAPPINGS or hint in _MAPPINGS:
        return _mapping(args)
    if (origin is tuple and len(args) != 2) or (origin is tuple and args[1] is not Ellipsis):
        return _fixed_tuple(args)
    if origin in _SEQUENCES or hint in _SEQUENCES:
        return _sequence(args[0] if args else Any)
    if origin in (collections.abc.Iterable, collections.abc.Iterator):
        return _Spec(
            "a list", lambda v: isinstance(v, collections.abc.Iterable) and not isinstance(v, (str, bytes, dict))
        )
    if origin is collections.abc.Callable or hint is collections.abc.Callable:
        return _Spec("callable", callable)
    if origin is type:
        raise _Unchecked
    if isinstance(origin, type) and not getattr(origin, "_is_protocol", False):  # os.PathLike[str]...
        generic = origin
        return _Spec(_article(generic.__name__), lambda v: isinstance(v, generic))
    if isinstance(hint, type):
        if getattr(hint, "_is_protocol", False):
            raise _Unchecked
        name = f"azrm.{hint.__name__}" if hint.__module__.startswith("azrm") else hint.__name__
        return _Spec(_article(name), lambda v: isinstance(v, hint))
    raise _Unchecked


def _hashable(value: Any) -> bool:
    return isinstance(value, collections.abc.Hashable)


def _union(options: list[_Spec]) -> _Spec:
    def test(value: Any) -> bool:
        return any(o.test(value) for o in options)

    def items(field: str, value: Any) -> None:
        for option in options:
            if option.test(value):
                if option.items is not None:
                    option.items(field, value)
                return

    words = [o.what for o in options if o.what != "None"]
    what = " or ".join(words) + (" or None" if len(words) < len(options) else "")
    return _Spec(what, test, items if any(o.items for o in options) else None)


def _sequence(item_hint: Any) -> _Spec:
    try:
        item: _Spec | None = _compile(item_hint)
    except _Unchecked:
        item = None

    def test(value: Any) -> bool:
        return isinstance(value, (list, tuple, set, frozenset)) or (
            isinstance(value, collections.abc.Sequence) and not isinstance(value, (str, bytes))
        )

    def items(field: str, value: Any) -> None:
        assert item is not None
        for i, entry in enumerate(value):
            item(f"{field}[{i}]", entry)

    what = f"a list or tuple (each {item.what})" if item is not None else "a list or tuple"
    return _Spec(what, test, items if item is not None else None)


def _fixed_tuple(args: tuple[Any, ...]) -> _Spec:
    parts = [_compile(a) for a in args]

    def test(value: Any) -> bool:
        return isinstance(value, (list, tuple)) and len(value) == len(parts)

    def items(field: str, value: Any) -> None:
        for i, (part, entry) in enumerate(zip(parts, value, strict=True)):
            part(f"{field}[{i}]", entry)

    return _Spec(f"a pair ({', '.join(p.what for p in parts)})" if len(parts) == 2 else "a tuple", test, items)


def _mapping(args: tuple[Any, ...]) -> _Spec:
    specs: list[_Spec | None] = []
    for a in args or (Any, Any):
        try:
            specs.append(_compile(a))
        except _Unchecked:
            specs.append(None)
    key, val = specs

    def items(field: str, value: Any) -> None:
        for k, v in value.items():
            if key is not None and not key.test(k):
                _fail(f"{field}[{k!r}]", k, f"a key that is {key.what}")
            if val is not None:
                val(f"{field}[{k!r}]", v)

    what = "a dict" + (f" of {key.what} to {val.what}" if key and val else "")
    return _Spec(what, lambda v: isinstance(v, collections.abc.Mapping), items if key or val else None)


def _resolve(function: Callable[..., Any]) -> dict[str, Any]:
    """Return the function's annotations, evaluated; those that cannot be (names only for typing) left out."""
    try:
        return typing.get_type_hints(function, include_extras=True)
    except Exception:  # one unresolvable annotation: resolve the others one by one
        pass
    target = inspect.unwrap(function)
    namespace = dict(getattr(sys.modules.get(target.__module__), "__dict__", {}))
    namespace.update(getattr(target, "__globals__", {}))
    hints = {}
    for name, annotation in getattr(target, "__annotations__", {}).items():
        try:
            hints[name] = eval(annotation, namespace) if isinstance(annotation, str) else annotation
        except Exception:  # left to the function's own checks
            continue
    return hints


def _plan(function: Callable[..., Any], signature: inspect.Signature) -> dict[str, _Spec]:
    hints = _resolve(function)
    plan = {}
    for name, parameter in signature.parameters.items():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD) or name not in hints:
            continue
        try:
            spec = _compile(hints[name])
        except _Unchecked:
            continue
        if parameter.default is None and not spec.test(None):  # ``x: str = None``: None means "not given"
            spec = _union([spec, _compile(None)])
        plan[name] = spec
    return plan


def checked(function: F) -> F:
    """Check the arguments of ``function`` against its annotations at each call (see the module's docstring).

    Calls that do not bind (a missing or unknown argument) go through unchanged, to fail as Python makes them.
    """
    if getattr(function, "__azrm_checked__", False):
        return function
    if is_alias_wrapper(function):  # check inside the renaming, so that aliases are checked as their canonical names
        return rewrap(function, checked(function.__wrapped__))  # type: ignore[attr-defined]
    signature = inspect.signature(function)
    plan: dict[str, _Spec] | None = None

    def arguments(args: tuple[Any, ...], kwargs: dict[str, Any], *, partial: bool = False) -> None:
        nonlocal plan
        if plan is None:
            plan = _plan(function, signature)
        if not plan:
            return
        try:
            bound = (signature.bind_partial if partial else signature.bind)(*args, **kwargs)
        except TypeError:
            return
        for name, value in bound.arguments.items():
            spec = plan.get(name)
            if spec is not None:
                spec(name, value)

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        arguments(args, kwargs)
        return function(*args, **kwargs)

    wrapper.__azrm_checked__ = True  # type: ignore[attr-defined]
    wrapper.__azrm_check_arguments__ = arguments  # type: ignore[attr-defined]
    return typing.cast(F, wrapper)


def check_arguments(function: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Check arguments for a :func:`checked` function without calling it (those given; others may follow)."""
    check = getattr(function, "__azrm_check_arguments__", None)
    if check is not None:
        check(args, canonical_kwargs(function.__name__, aliases_of(function), kwargs), partial=True)


def check_public_methods(cls: type, *, skip: collections.abc.Container[str] = ()) -> None:
    """Wrap the public methods ``cls`` itself defines with :func:`checked`."""
    for name, attribute in list(vars(cls).items()):
        if name.startswith("_") or name in skip or not inspect.isfunction(attribute):
            continue
        setattr(cls, name, checked(attribute))
