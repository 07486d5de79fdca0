"""What every builder shares.

Frozen pydantic models, errors as :class:`azrm.ValidationError`, and the pipeline form of the
cmdlet-named functions.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Concatenate, Generic, ParamSpec, Protocol, TypeVar, cast, overload

from pydantic import BaseModel, ConfigDict
from pydantic import ValidationError as PydanticValidationError

from .._aliases import add_tag_aliases, aliases_of, canonical_kwargs
from .._typecheck import check_arguments, check_public_methods, checked
from ..errors import ValidationError
from ..rules import network_name_problem, tags_problem

__all__ = [
    "Builder",
    "CmdletFunction",
    "Step",
    "check",
    "check_network_name",
    "checked",
    "cmdlet_function",
    "frozen_tags",
    "id_or_object",
    "resource_ref",
    "tag_body",
]

B = TypeVar("B", bound="Builder")
C = TypeVar("C", bound="Builder")
P = ParamSpec("P")


def _convert(exc: PydanticValidationError, owner: str) -> ValidationError:
    first = exc.errors()[0]
    cause = (first.get("ctx") or {}).get("error")
    if isinstance(cause, ValidationError):  # one of our own rules, raised while pydantic built the object
        return cause
    field = ".".join(str(p) for p in first.get("loc", ())) or owner
    secret = "password" in field or "secret" in field
    return ValidationError(f"{owner}.{field}", first.get("input"), first.get("msg", "is not valid"), secret=secret)


class Builder(BaseModel):
    """A frozen configuration object: every ``set_*`` / ``add_*`` returns a new one.

    Unlike a PowerShell object, a builder never changes in place: keep the result
    (``vm = vm.set_os_disk(...)``, or one chain).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        add_tag_aliases(cls)
        check_public_methods(cls)  # wrong types and Nones: ValidationError naming the parameter
        if "__init__" in vars(cls):  # a constructor with the cmdlet's parameters (NIC, DscExtension...)
            cls.__init__ = checked(cls.__init__)  # type: ignore[method-assign]

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except PydanticValidationError as exc:
            raise _convert(exc, type(self).__name__) from None
        self._rules()

    def _rules(self) -> None:
        """Check Azure's rules for this object (raise :class:`ValidationError`); run on every change."""

    def evolve(self: B, **changes: Any) -> B:
        """Return a copy with ``changes`` applied and checked (the object itself does not change)."""
        values = {name: getattr(self, name) for name in type(self).model_fields}
        values.update(changes)
        try:
            new = type(self).model_validate(values)
        except PydanticValidationError as exc:
            raise _convert(exc, type(self).__name__) from None
        new._rules()
        return new


def check(ok: bool, field: str, value: Any, rule: str, *, secret: bool = False) -> None:
    """Raise :class:`ValidationError` unless ``ok``."""
    if not ok:
        raise ValidationError(field, value, rule, secret=secret)


def resource_ref(value: Any, field: str) -> str:
    """Return an id given as a string or as an SDK model with an ``id`` (``nic`` or ``nic.id`` both work)."""
    rid = value if isinstance(value, str) else getattr(value, "id", None)
    check(
        isinstance(rid, str) and rid.lower().startswith("/subscriptions/"),
        field,
        value,
        "must be a resource id "
        "such as /subscriptions/<id>/resourceGroups/<group>/providers/<type>/<name>, or a model with one",
    )
    return str(rid)


def id_or_object(id_value: Any, object_value: Any, id_field: str, object_field: str) -> str | None:
    """Return the id given by a cmdlet's id form (``-SubnetId``) or object form (``-Subnet``): at most one.

    The object is anything with an ``id`` (an SDK model, what a ``get_*`` returns); ``None`` when neither is given.
    """
    check(
        id_value is None or object_value is None,
        f"{id_field}/{object_field}",
        "...",
        f"give {object_field}= (an object with an id) or {id_field}=, not both",
    )
    if object_value is not None:
        check(
            not isinstance(object_value, str),
            object_field,
            object_value,
            f"must be an object with an id (an SDK model); give an id string as {id_field}=",
        )
        return resource_ref(object_value, object_field)
    return None if id_value is None else resource_ref(id_value, id_field)


def tag_body(tags: Mapping[str, str] | None, field: str = "tags", *, storage: bool = False) -> dict[str, str]:
    """Return tags as ARM's JSON, checked against Azure's limits (count, name and value lengths, characters)."""
    body = {str(k): str(v) for k, v in (tags or {}).items()}
    problem = tags_problem(body, storage=storage)
    check(problem is None, field, f"{len(body)} tags" if len(body) > 5 else body, problem or "")
    return body


def frozen_tags(tags: Mapping[str, str] | None, field: str = "tags") -> tuple[tuple[str, str], ...]:
    """Tags as a sorted tuple of pairs (hashable, immutable), checked as :func:`tag_body` does."""
    return tuple(sorted(tag_body(tags, field).items()))


def check_network_name(name: str, kind: str, field: str = "name") -> None:
    """Raise :class:`ValidationError` for a Microsoft.Network name Azure would refuse (length, characters)."""
    problem = network_name_problem(name, kind)
    check(problem is None, field, name, problem or "")


class Step:
    """A cmdlet-named function called without its object: a step for the ``|`` pipeline.

    ``azrm.new_vm_config("KNVM01", "Standard_A2") | azrm.set_vm_os_disk(name="os", vhd_uri=uri)``
    """

    def __init__(self, name: str, apply: Callable[[Any], Any], kwargs: Mapping[str, Any]) -> None:
        self.name = name
        self._apply = apply
        self._kwargs = dict(kwargs)

    def __call__(self, target: Any) -> Any:
        return self._apply(target)

    def __ror__(self, target: Any) -> Any:
        return self._apply(target)

    def __repr__(self) -> str:
        args = ", ".join(
            f"{k}=..." if "credential" in k or "password" in k else f"{k}={v!r}" for k, v in self._kwargs.items()
        )
        return f"{self.name}({args})"


class CmdletFunction(Protocol, Generic[C, P]):
    """A builder method as a cmdlet-named function: ``f(config, ...)``, or without it a pipeline step."""

    __name__: str

    @overload
    def __call__(self, config: C, /, *args: P.args, **kwargs: P.kwargs) -> C: ...
    @overload
    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> Step: ...


def cmdlet_function(
    method: Callable[Concatenate[C, P], C],
    cmdlet: str,
    target: type[C],
    keyword: str,
    maker: str,
    *,
    keyword_aliases: Sequence[str] = (),
) -> CmdletFunction[C, P]:
    """Make ``cmdlet(config, ...)`` from ``target.method``; without the config it is a ``|`` step.

    ``keyword`` is how the config may also be passed (``vm=``, the cmdlet's ``-VM``), ``keyword_aliases``
    its other names (``vm_profile=``), ``maker`` the function that makes one. The function's signature
    (``inspect.signature``) is the method's with the config first, its ``__wrapped__`` the method, and
    its aliases (:func:`azrm._aliases.aliases_of`) the method's and ``keyword_aliases``.
    """
    signature = inspect.signature(method)
    method_aliases = aliases_of(method)
    aliases = {**method_aliases, **dict.fromkeys(keyword_aliases, keyword)}

    def same(value: Any) -> C:
        check(
            isinstance(value, target),
            keyword,
            type(value).__name__,
            f"must be an azrm.{target.__name__} (from {maker}); in a pipeline, give the other arguments by keyword",
        )
        return cast(C, value)

    def function(*args: Any, **kwargs: Any) -> Any:
        kwargs = canonical_kwargs(cmdlet, aliases, kwargs)
        if args and isinstance(args[0], target):
            return method(*args, **kwargs)
        if keyword in kwargs:
            return method(same(kwargs.pop(keyword)), *args, **kwargs)
        try:  # a pipeline step: check its arguments now, not when it is applied
            signature.bind(None, *args, **canonical_kwargs(cmdlet, method_aliases, kwargs))
        except TypeError as exc:
            if args:  # most likely not a config where one belongs
                same(args[0])
            raise TypeError(f"{cmdlet}(): {exc}") from None
        check_arguments(getattr(target, method.__name__, method), (None, *args), kwargs)
        return Step(cmdlet, lambda config: method(same(config), *args, **kwargs), kwargs)

    function.__name__ = function.__qualname__ = cmdlet
    function.__doc__ = (
        f"``{target.__name__}.{method.__name__}`` as a function, like the cmdlet: ``{cmdlet}({keyword}, ...)``.\n\n"
        f"Called without ``{keyword}`` it returns a step for the pipeline: ``config | {cmdlet}(...)``."
    )
    first, *rest = signature.parameters.values()
    config = first.replace(name=keyword, annotation=target.__name__)
    function.__signature__ = signature.replace(parameters=[config, *rest])  # type: ignore[attr-defined]
    function.__wrapped__ = method  # type: ignore[attr-defined]
    function.__azrm_aliases__ = aliases  # type: ignore[attr-defined]
    return cast("CmdletFunction[C, P]", function)
