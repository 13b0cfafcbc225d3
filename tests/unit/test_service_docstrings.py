"""Every public method of the application services an embedder reaches says what it does.

The services are the attributes of ``Spotlight`` whose types live in ``application/``. A
method counts when its name is public and it is defined in our code (the eventsourcing
library's methods are the library's to document). It needs a docstring of its own: one
inherited through ``inspect.getdoc`` says nothing about this method, except from a Protocol
the class names as a base, where the contract is written once for every implementation.
"""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable, Iterator
from typing import Protocol

import attrs

from entrypoints.bootstrap import Spotlight

OURS = ("application.",)


def service_classes() -> list[type]:
    """The classes of Spotlight's attributes that are our application services."""
    hints = typing.get_type_hints(Spotlight)
    found: list[type] = []
    for field in attrs.fields(Spotlight):
        kind = hints[field.name]
        if isinstance(kind, type) and kind.__module__.startswith(OURS) and kind not in found:
            found.append(kind)
    return found


def _function(member: object) -> Callable[..., object] | None:
    if isinstance(member, staticmethod | classmethod):
        member = member.__func__
    if isinstance(member, property):
        member = member.fget
    if isinstance(member, functools.cached_property):
        member = member.func
    return member if inspect.isfunction(member) else None


def _public_methods(
    klass: type, ours: tuple[str, ...]
) -> Iterator[tuple[type, str, Callable[..., object]]]:
    for owner in klass.__mro__:
        if not owner.__module__.startswith(ours):
            continue
        for name, member in vars(owner).items():
            function = _function(member)
            if name.startswith("_") or function is None:
                continue
            if function.__module__.startswith(ours):
                yield owner, name, function


def _documented_by_a_protocol_base(klass: type, name: str) -> bool:
    """Whether a Protocol that ``klass`` names among its bases documents ``name``."""
    for base in klass.__mro__[1:]:
        if not getattr(base, "_is_protocol", False) or base is Protocol:
            continue
        function = _function(vars(base).get(name))
        if function is not None and function.__doc__:
            return True
    return False


def undocumented(klass: type, ours: tuple[str, ...] = OURS) -> list[str]:
    """``Class.method`` for each public method of ours that ``klass`` reaches without a
    docstring of its own (nor one from a Protocol it names as a base)."""
    missing: list[str] = []
    seen: set[str] = set()
    for owner, name, function in _public_methods(klass, ours):
        if name in seen:
            continue  # overridden lower in the MRO: that definition is the one reached
        seen.add(name)
        if function.__doc__ or _documented_by_a_protocol_base(owner, name):
            continue
        missing.append(f"{owner.__module__}.{owner.__qualname__}.{name}")
    return missing


def test_every_public_method_of_the_embedders_services_has_a_docstring_of_its_own() -> None:
    missing = sorted({name for klass in service_classes() for name in undocumented(klass)})
    assert not missing, "public service methods without a docstring:\n" + "\n".join(missing)


def test_the_services_walked_are_the_ones_an_embedder_reaches() -> None:
    names = {klass.__name__ for klass in service_classes()}
    assert {"Catalogue", "Anchoring", "Shop", "Campaigns", "Payouts", "Webhooks"} <= names
    assert "Settings" not in names  # configuration, not an application service


# The walker itself, on small services of this module -----------------------------------------

HERE = (__name__,)


class _Greeter(Protocol):
    def greet(self, name: str) -> str:
        """A greeting for ``name``."""
        ...


class _NamesItsProtocol(_Greeter):
    def greet(self, name: str) -> str:
        return f"hello {name}"


class _ImplementsItQuietly:
    def greet(self, name: str) -> str:
        return f"hello {name}"


class _Base:
    def shared(self) -> None:
        pass

    def overridden(self) -> None:
        pass


class _Service(_Base):
    def documented(self) -> None:
        """Does something for its caller."""

    def overridden(self) -> None:
        """Documented where it is reached."""

    @property
    def size(self) -> int:
        return 0

    @staticmethod
    def helper() -> None:
        pass

    def _private(self) -> None:
        pass


def test_the_walker_names_each_undocumented_public_method_where_it_is_defined() -> None:
    assert undocumented(_Service, HERE) == [
        f"{__name__}._Service.size",
        f"{__name__}._Service.helper",
        f"{__name__}._Base.shared",
    ]


def test_a_docstring_counts_from_a_protocol_only_when_the_class_names_it_as_a_base() -> None:
    assert undocumented(_NamesItsProtocol, HERE) == []
    assert undocumented(_ImplementsItQuietly, HERE) == [f"{__name__}._ImplementsItQuietly.greet"]
