"""The public surface of numerics: every name in each package's ``__all__`` resolves, and
``import numerics`` stays cheap (lazy names, PEP 562)."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

PACKAGES = ["numerics", "numerics.maps", "numerics.jacobian", "numerics.fixed_points",
            "numerics.simulation"]


@pytest.mark.parametrize("package", PACKAGES)
def test_every_public_name_resolves(package: str) -> None:
    module = importlib.import_module(package)
    assert module.__all__, package
    for name in module.__all__:
        assert getattr(module, name) is not None
    assert sorted(dir(module)) == sorted(module.__all__)
    with pytest.raises(AttributeError):
        module.no_such_name  # noqa: B018


def test_import_numerics_loads_no_heavy_library() -> None:
    code = ("import sys, numerics; "
            "print(','.join(m for m in ('sympy', 'mpmath', 'flint', 'scipy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == ""
