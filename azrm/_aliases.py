"""Parameter aliases: a cmdlet's other spellings of a parameter, accepted under azrm's canonical name.

The cmdlets accept several names for one parameter (``New-AzStorageAccount -SkuName`` is also ``-Type``,
``-AccountType``, ``-StorageAccountType``; ``-Tag`` is also ``-Tags``), and the AzureRM and Az releases
spell some differently. An azrm function keeps one canonical keyword (the cmdlet's name in snake_case)
and accepts the others through :func:`accepts_aliases`::

    @accepts_aliases(tag="tags", min_tls_version="minimum_tls_version")
    def new_storage_account(self, resource_group_name, name, *, minimum_tls_version="TLS1_2", tags=None): ...

At each call an alias keyword is renamed to its canonical one (a dict lookup per keyword); an alias given
with its canonical name is refused with a ``TypeError``, as Python refuses a parameter given twice and
PowerShell a parameter bound twice. ``inspect.signature`` shows the canonical parameters, and the
mapping is on the function as ``__azrm_aliases__`` (read it with :func:`aliases_of`), for the drift test
against the cmdlets and the docs.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, cast

__all__ = ["accepts_aliases", "add_tag_aliases", "aliases_of", "canonical_kwargs", "is_alias_wrapper", "rewrap"]

F = TypeVar("F", bound=Callable[..., Any])


def aliases_of(function: Any) -> Mapping[str, str]:
    """Return the ``alias -> canonical`` keywords ``function`` accepts (empty when none)."""
    return cast("Mapping[str, str]", getattr(function, "__azrm_aliases__", None) or {})


def canonical_kwargs(name: str, aliases: Mapping[str, str], kwargs: dict[str, Any]) -> dict[str, Any]:
    """Return ``kwargs`` with alias keywords renamed to their canonical ones (``kwargs`` itself when none is).

    :raises TypeError: when an alias and its canonical keyword (or two aliases of one) are both given.
    """
    if not aliases or not kwargs:
        return kwargs
    renamed: dict[str, Any] | None = None
    for key in kwargs:
        canonical = aliases.get(key)
        if canonical is None:
            continue
        if renamed is None:
            renamed = dict(kwargs)
        if canonical in renamed:
            other = next((k for k in kwargs if k != key and (k == canonical or aliases.get(k) == canonical)), canonical)
            raise TypeError(
                f"{name}() got {key}= and {other}=, two names of one parameter ({canonical}): give one of them"
            )
        renamed[canonical] = renamed.pop(key)
    return kwargs if renamed is None else renamed


def is_alias_wrapper(function: Any) -> bool:
    """Say whether ``function`` is the wrapper :func:`accepts_aliases` made (not a function wrapping one)."""
    return getattr(function, "__azrm_alias_wrapper__", None) is function


def accepts_aliases(**aliases: str) -> Callable[[F], F]:
    """Accept ``alias=canonical`` keywords: each alias is renamed to the canonical parameter at call time.

    Works on functions, methods (a session's, a builder's) and coroutine functions. Stacking adds to
    the mapping (one renaming layer). The canonical parameters must exist and no alias may be a
    parameter itself.
    """

    def decorate(function: F) -> F:
        known = {**aliases_of(function), **aliases}
        target = function.__wrapped__ if is_alias_wrapper(function) else function  # type: ignore[attr-defined]
        parameters = inspect.signature(target).parameters
        for alias, canonical in known.items():
            if canonical not in parameters or alias in parameters:
                raise ValueError(
                    f"{target.__qualname__}: alias {alias}= -> {canonical}= "
                    + ("names no parameter" if canonical not in parameters else "is a parameter itself")
                )
        return cast(F, _wrap(target, known, function))

    return decorate


def rewrap(function: F, inner: Callable[..., Any]) -> F:
    """Return :func:`accepts_aliases`' wrapper ``function`` renaming for ``inner`` instead (``inner`` wraps its target).

    For decorators that must run inside the renaming (the argument checks); ``inner``'s attributes are kept.
    """
    wrapper = _wrap(inner, aliases_of(function), function)
    for key, value in vars(inner).items():
        wrapper.__dict__.setdefault(key, value)
    return cast(F, wrapper)


def _wrap(target: Callable[..., Any], known: dict[str, str] | Mapping[str, str], like: Any) -> Callable[..., Any]:
    """Make the renaming wrapper of ``target``, with the name, docs and attributes of ``like``."""
    name = target.__name__
    wrapper: Any
    if inspect.iscoroutinefunction(target):

        async def coroutine(*args: Any, **kwargs: Any) -> Any:
            return await target(*args, **canonical_kwargs(name, known, kwargs))

        wrapper = coroutine
    else:

        def plain(*args: Any, **kwargs: Any) -> Any:
            return target(*args, **canonical_kwargs(name, known, kwargs))

        wrapper = plain
    functools.update_wrapper(wrapper, like)
    wrapper.__wrapped__ = target  # one renaming layer, however often stacked
    wrapper.__azrm_aliases__ = dict(known)
    # a self-reference: functools.wraps copies it onto functions wrapping this one, where it names another
    wrapper.__azrm_alias_wrapper__ = wrapper
    return wrapper


def add_tag_aliases(cls: type) -> None:
    """Let every public method ``cls`` defines with a ``tags`` parameter take ``tag`` too.

    Every Az cmdlet that tags takes ``-Tag`` (``-Tags`` on a few, each the other's alias); azrm's
    keyword is ``tags``, the SDK's name.
    """
    for name, attribute in list(vars(cls).items()):
        if name.startswith("_") or not callable(attribute) or isinstance(attribute, type):
            continue
        try:
            parameters = inspect.signature(attribute).parameters
        except (TypeError, ValueError):
            continue
        if "tags" in parameters and "tag" not in parameters and "tag" not in aliases_of(attribute):
            setattr(cls, name, accepts_aliases(tag="tags")(attribute))
