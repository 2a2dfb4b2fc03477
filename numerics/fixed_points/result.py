"""What a fixed-point search route is given and what it returns.

:class:`SearchRequest` is the validated input of every route of
:mod:`numerics.fixed_points.search`; :class:`FoundFixedPoint` one proven fixed point
and :class:`FixedPointSearchResult` a route's answer (the list, whether it is every
fixed point of the family, and notes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from theory.activations import Activation
from theory.families import Family
from theory.layers import LayerKind

__all__ = ["FixedPointSearchResult", "FoundFixedPoint", "SearchRequest", "collapsed_groups"]


@dataclass(frozen=True)
class SearchRequest:
    """The validated arguments of :func:`numerics.fixed_points.search.find_fixed_points`.

    ``activation`` is the named activation even when the layer has no NL (``act`` is
    the one applied: ``None`` without NL).
    """

    family: Family
    n: int
    kind: LayerKind
    activation: Activation
    dps: int
    m: int | None
    sigma_w2: Fraction

    @property
    def act(self) -> Activation | None:
        """The activation the layer applies (``None``: no NL)."""
        return self.activation if self.kind.nl else None

    @property
    def activation_name(self) -> str:
        """The name reported for the layer's activation."""
        return self.activation.name if self.kind.nl else "identity (no NL)"


@dataclass
class FoundFixedPoint:
    """A fixed point: parameters (decimal strings at ``dps`` digits), enclosure, degeneracy."""

    family: str
    parameters: dict[str, Any]  # mpmath values
    enclosure: dict[str, float]  # proven half-width around the value, per searched parameter
    gram: list[list[Any]]  # mpmath matrix entries
    degenerate: bool
    proof: str
    sizes: list[int]
    labels: list[str]
    gram_radius: float | None = None  # proven entrywise bound, when computed directly
    collapsed: tuple[int, ...] = ()  # cells whose points are exactly equal (a face)
    repelling: str = ""  # a proof that small admissible perturbations grow (no Jacobian)

    @property
    def equal_points(self) -> list[tuple[int, ...]]:
        """Groups (size >= 2) of points that are exactly equal: the collapsed cells."""
        return collapsed_groups(self.sizes, self.collapsed)

    @property
    def radius(self) -> float:
        """A bound on every Gram entry's distance from the exact fixed point (the
        parameters enter the entries with Lipschitz constant <= n here)."""
        if self.gram_radius is not None:
            return self.gram_radius
        return max([0.0] + [4.0 * r for r in self.enclosure.values()])


@dataclass
class FixedPointSearchResult:
    family: str
    n: int
    layer: str
    activation: str
    fixed_points: list[FoundFixedPoint]
    complete: bool
    notes: list[str] = field(default_factory=list)


def collapsed_groups(sizes: list[int], collapsed: tuple[int, ...]) -> list[tuple[int, ...]]:
    """The point indices of each collapsed cell of two points or more."""
    starts = [sum(sizes[:c]) for c in range(len(sizes))]
    return [tuple(range(starts[c], starts[c] + sizes[c])) for c in collapsed if sizes[c] >= 2]
