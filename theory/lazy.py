"""Lazy public names for a package's ``__init__`` (PEP 562), for all three packages.

A package lists its public API as ``name -> module`` and gets a module-level
``__getattr__`` that imports the defining module on first access, so
``import numerics`` costs nothing until a name is used (the command line's start-up
stays fast) and the package's ``__init__`` never creates import cycles.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping

__all__ = ["lazy_exports"]


def lazy_exports(package: str, exports: Mapping[str, str]
                 ) -> tuple[list[str], Callable[[str], object], Callable[[], list[str]]]:
    """``(__all__, __getattr__, __dir__)`` for ``package``.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    exports : mapping
        Public name -> the module (relative to the package, e.g. ``"maps.precise"``)
        that defines it.
    """

    def __getattr__(name: str) -> object:
        try:
            module = exports[name]
        except KeyError:
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        return value

    def __dir__() -> list[str]:
        return sorted(exports)

    return sorted(exports), __getattr__, __dir__
