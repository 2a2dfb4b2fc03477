"""Example budgets for expensive property tests, scaled from the active profile."""

from __future__ import annotations

from hypothesis import settings


def examples(fraction: float, minimum: int = 3) -> settings:
    """``settings`` with ``max_examples = max(minimum, fraction * profile max_examples)``.

    Keeps the expensive tests (simulations, SymPy reductions) proportional to the
    profile: a handful in ``ci``, many in ``thorough``.
    """
    current = settings.default
    return settings(current, max_examples=max(minimum, int(fraction * current.max_examples)))
