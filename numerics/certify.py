r"""Certified stability verdicts: interval enclosures of the Jacobian's eigenvalues.

Method (python-flint ``arb`` balls, rigorous error propagation):

1. The fixed point ``G*`` is given as a matrix of balls (an enclosure: exact
   entries, or a midpoint with a proven or stated radius).
2. For each isotypic component (:mod:`numerics.symmetry`) the block ``M`` is
   the matrix of ``J = D F_hat(G*)`` on the representative directions
   (rational, mutually orthogonal; for ``trivial`` the trace-zero combinations
   ``R_c - (tr R_c / tr R_1) R_1``, ``c >= 2``, whose coordinates are read with the
   orthogonal ``R_c``), with ``J R`` evaluated by the exact chain rule of
   :func:`numerics.jacobian.shape_and_derivatives` in ball arithmetic.  So
   every entry of ``M`` is a ball containing the exact value for every ``G`` in
   the enclosure.
3. The eigenvalues of each ball matrix ``M`` are enclosed by arb's verified
   ``acb_mat.eig`` (isolating balls; with ``multiple=True`` for clusters), and
   ``|lambda|`` by ``[abs_lower, abs_upper]``.

Verdict: ``stable = True`` when every modulus is certified ``< 1``, ``False``
when one is certified ``> 1``, ``None`` (undecided) when an enclosure contains
1 and none is certified above it.  ``certified`` is whether every enclosure
was obtained.  Only the ``chain-rule`` layers (no RS, or RS with a degree-0
activation; closed-form kernels) can be certified; for others
``certified = False`` and ``stable`` comes from the non-rigorous numbers.

A precision too low to isolate the eigenvalues, or enclosures wider than
``max_width``, raises :class:`~theory.errors.PrecisionError`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from numerics.jacobian import InfiniteDerivative, dense, exact_fraction, shape_and_derivatives
from numerics.symmetry import components
from theory.activations import get_activation
from theory.errors import NotClosedFormError, PrecisionError
from theory.layers import parse_layer


def _flint():
    try:
        import flint
    except ImportError as exc:  # pragma: no cover - dependency missing
        raise NotClosedFormError("certification needs python-flint (pip install python-flint)"
                                 ) from exc
    return flint


class ArbOps:
    """python-flint ``arb`` balls (rigorous)."""

    name = "arb"

    @staticmethod
    def const(x: Fraction | int) -> Any:
        arb = _flint().arb
        x = Fraction(x)
        return arb(x.numerator) / x.denominator

    @staticmethod
    def sqrtpos(x: Any) -> Any:
        arb = _flint().arb
        if x > 0:
            return x.sqrt()
        hi = x.upper()
        if hi <= 0:
            return arb(0)
        return arb(0).union(hi.sqrt())

    @staticmethod
    def atan2(y: Any, x: Any) -> Any:
        return _flint().arb.atan2(y, x)

    @staticmethod
    def atan2_sqrt(y: Any, x: Any) -> Any:
        """``atan2(y, x)`` for ``y`` the enclosure of a square root (true values ``>= 0``)."""
        arb = _flint().arb
        if y.contains(0) and not x.contains(0):
            # y is a square root (>= 0): atan2 is monotone in y >= 0 for fixed x, so the
            # range over [0, hi] x X lies in the hull of the two corner evaluations.
            hi = y.upper()
            hi = hi if hi > 0 else arb(0)
            return arb.atan2(arb(0), x).union(arb.atan2(hi, x))
        return arb.atan2(y, x)

    @staticmethod
    def pi() -> Any:
        return _flint().arb.pi()

    @staticmethod
    def may_be_zero(x: Any, tol: Any = None) -> bool:
        return bool(x.contains(0))


class workprec:
    """Set python-flint's global precision (bits) for a block and restore it."""

    def __init__(self, dps: int) -> None:
        self.bits = int(dps * 3.33) + 16

    def __enter__(self) -> None:
        self.ctx = _flint().ctx
        self.old = self.ctx.prec
        self.ctx.prec = self.bits

    def __exit__(self, *exc: object) -> None:
        self.ctx.prec = self.old


@dataclass
class CertifiedEigenvalue:
    """An eigenvalue enclosure with its modulus enclosure, multiplicity and symmetry."""

    value: Any  # acb ball
    modulus: tuple[Any, Any]  # (lower, upper) arb
    multiplicity: int
    symmetry: str


@dataclass
class Certificate:
    """The verdict and the enclosures behind it."""

    eigenvalues: list[CertifiedEigenvalue]
    stable: bool | None
    certified: bool
    spectral_radius: tuple[Any, Any] | None
    notes: list[str]


def to_arb_matrix(G: Sequence[Sequence[Any]], radius: Any = 0) -> list[list[Any]]:
    """Entries (mpmath, strings, Fractions, arb) as balls, widened by ``radius``."""
    flint = _flint()
    out = []
    for row in G:
        r = []
        for x in row:
            if isinstance(x, flint.arb):
                b = x
            else:
                b = ArbOps.const(exact_fraction(x))
            if radius:
                b = b + flint.arb(0, radius)
            r.append(b)
        out.append(r)
    return out


def _sp_inner(D: Sequence[Sequence[Any]], R: dict) -> Any:
    total = 0
    for (i, j), v in R.items():
        total = total + (1 if i == j else 2) * v * D[i][j]
    return total


def _sp_norm2(R: dict) -> int:
    return sum((1 if i == j else 2) * v * v for (i, j), v in R.items())


def certify(G: Sequence[Sequence[Any]], sizes: Sequence[int], labels: Sequence[str],
            layer: Any, activation: Any = "relu", *, sigma_w2: Any = 1, dps: int = 30,
            radius: Any = 0, max_width: float = 1e-3) -> Certificate:
    r"""Certified eigenvalue enclosures of ``D F_hat(G*)`` by symmetry block (module docstring).

    Parameters
    ----------
    G
        The fixed point, entries exact or as balls; ``radius`` widens every entry.
    sizes, labels
        The cell structure of the fixed point's symmetry.
    dps
        Working digits of the ball arithmetic (``~3.33 dps`` bits).

    Raises
    ------
    NotClosedFormError
        For layers without an exact chain rule (RS with degree 1, quadrature kernels).
    PrecisionError
        When the eigenvalues cannot be isolated or an enclosure is wider than ``max_width``.
    """
    flint = _flint()
    kind = parse_layer(layer)
    act0 = get_activation(activation)
    act = act0 if kind.nl else None
    if (kind.nl and not act0.closed_form) or (kind.rs and not (kind.nl and act0.degree == 0)):
        raise NotClosedFormError(
            f"no certified Jacobian for layer {kind.name} with {act0.name}: only layers with an "
            "exact chain rule (no RS, or RS with step/sign) are certified")
    n = len(G)
    notes: list[str] = []
    # Square roots of discriminants that vanish at rank-deficient points halve the
    # correct digits: work at 2 dps + 10.
    with workprec(2 * dps + 10):
        Gb = to_arb_matrix(G, radius)
        sigma = ArbOps.const(Fraction(str(sigma_w2)))
        zero = flint.arb(0)
        eigs: list[CertifiedEigenvalue] = []
        failed: list[str] = []
        for comp in components(sizes, labels):
            reps = [{k: Fraction(v) for k, v in E.items()} for _, E in comp.reps]
            if comp.label == "trivial":
                first = reps[0]
                tr1 = sum(v for (i, j), v in first.items() if i == j)
                dirs = []
                for R in reps[1:]:
                    trR = sum(v for (i, j), v in R.items() if i == j)
                    D = dict(R)
                    for key, v in first.items():
                        D[key] = D.get(key, 0) - trR / tr1 * v
                    dirs.append(D)
                readers = reps[1:]
            else:
                dirs, readers = reps, reps
            if not dirs:
                continue
            dense_dirs = [dense({k: ArbOps.const(v) for k, v in E.items()}, n, zero)
                          for E in dirs]
            try:
                _, images = shape_and_derivatives(Gb, dense_dirs, kind, act, sigma, ArbOps)
            except InfiniteDerivative as exc:
                notes.append(f"{comp.label}: derivative unbounded ({exc})")
                return Certificate([], None, False, None, notes)
            k = len(dirs)
            M = flint.acb_mat(k, k)
            for b, D in enumerate(images):
                for a, R in enumerate(readers):
                    M[a, b] = _sp_inner(D, {key: ArbOps.const(v) for key, v in R.items()}) / \
                        ArbOps.const(_sp_norm2(R))
            values = _enclose(M, k)
            if values is None:
                notes.append(f"{comp.label}: eigenvalues not isolated at {dps} digits (a "
                             "multiple or defective eigenvalue); block left uncertified")
                failed.append(comp.label)
                continue
            for v in values:
                mod = abs(v)
                lo, hi = v.abs_lower(), v.abs_upper()
                if not (mod.rad() < max_width) or not mod.is_finite():
                    raise PrecisionError(
                        f"eigenvalue enclosure of the {comp.label} block is too wide "
                        f"({mod.str(5, radius=True)}) at {dps} digits: raise --dps or tighten "
                        "the fixed point")
                eigs.append(CertifiedEigenvalue(v, (lo, hi), comp.dim, comp.label))
    above = any(e.modulus[0] > 1 for e in eigs)
    below = all(e.modulus[1] < 1 for e in eigs) and not failed
    stable = False if above else (True if below else None)
    if stable is None and not failed:
        notes.append("an eigenvalue modulus enclosure contains 1: undecided")
    if not eigs:
        return Certificate([], stable, False, None, notes)
    radius_lo = max(e.modulus[0] for e in eigs)
    radius_hi = max(e.modulus[1] for e in eigs)
    return Certificate(eigs, stable, not failed, (radius_lo, radius_hi), notes)


def _enclose(M: Any, k: int) -> list[Any] | None:
    """Verified eigenvalue balls of ``M`` (arb's isolating methods), or ``None``."""
    if k == 1:
        return [M[0, 0]]
    for kwargs in ({}, {"multiple": True}, {"multiple": True, "algorithm": "rump"}):
        try:
            return list(M.eig(**kwargs))
        except ValueError:
            continue
    return None
