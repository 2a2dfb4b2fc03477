r"""The fixed-point analysis pipeline: search -> Jacobian blocks -> certificate -> verdict.

:func:`analyse_fixed_points` is the one place where the steps meet:

1. **search** -- every fixed point ``G*`` of ``F_hat`` in the family with its proof
   (:func:`numerics.fixed_points.search.find_fixed_points`);
2. **Jacobian blocks** -- the exact directional derivatives ``D F_hat(G*)[Q]`` on the
   orthonormal representatives ``Q`` of each isotypic component
   (:mod:`numerics.jacobian.derivatives`, :func:`numerics.jacobian.symmetry.blocks`):
   by Schur's lemma ``J = I_d (x) M_c`` on component ``c``, so the eigenvalues of the
   small matrices ``M_c`` (at ``dps + 20`` working digits) are the labelled spectrum,
   each with multiplicity ``d``;
3. **certificate** -- ball-arithmetic enclosures of the same eigenvalues and the
   stable / unstable verdict (:func:`numerics.jacobian.certify.certify`, at the
   search's proven radius around ``G*`` and with its exactly equal points);
4. **matching** -- each reported eigenvalue gets the modulus enclosure of the
   certified ball of its component that overlaps it (the tightest when several do).

Where step 2 has no finite Jacobian (an unbounded one-sided derivative: degree-0
kernels at correlation ``+-1``) the point has no eigenvalues; a point the search
itself proved repelling (a lower bound on the growth of admissible perturbations,
:mod:`numerics.fixed_points.rs_vertex`) is then reported unstable and certified.

The result, :class:`FixedPointAnalysis`, is what ``bnverify fixed-points`` prints
(``to_json()``, ``to_text()``) and what the claims read (the found points and the
certificates stay attached to each :class:`FixedPointVerdict`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import mpmath

from numerics.arith import flint
from numerics.fixed_points.result import FoundFixedPoint
from numerics.fixed_points.search import find_fixed_points
from numerics.jacobian.certify import Certificate, certify
from numerics.jacobian.derivatives import admissible_text, directional_derivatives, kernel_of
from numerics.jacobian.symmetry import Block, blocks
from numerics.parameters import sigma_fraction
from numerics.precision import DEFAULT_DPS
from theory.errors import NotClosedFormError, PrecisionError
from theory.serialize import mp_str

__all__ = [
    "EigenvalueReport",
    "FixedPointAnalysis",
    "FixedPointVerdict",
    "JacobianUnavailable",
    "analyse_fixed_points",
    "jacobian_blocks",
]


@dataclass(frozen=True)
class EigenvalueReport:
    """One eigenvalue of a symmetry block, with its certified modulus enclosure.

    ``value`` is the block eigenvalue at ``dps`` digits (real when its imaginary part
    is below ``|value| 10^-dps``); ``modulus_enclosure`` the ``[lower, upper]`` bounds of
    ``|lambda|`` from the certificate (``None``: not certified); ``multiplicity`` the
    dimension ``d`` of the component's irreducible representation.
    """

    value: str
    modulus_enclosure: list[str] | None
    multiplicity: int
    symmetry: str
    description: str

    def to_json(self) -> dict[str, Any]:
        return {"value": self.value, "modulus_enclosure": self.modulus_enclosure,
                "multiplicity": self.multiplicity, "symmetry": self.symmetry,
                "description": self.description}


@dataclass(frozen=True)
class JacobianUnavailable:
    """No finite Jacobian at a point: ``status`` ``"infinite"`` or ``"unavailable"``
    (:class:`numerics.jacobian.derivatives.DerivativeResult`), ``notes`` say why."""

    status: str
    notes: list[str]


@dataclass
class FixedPointVerdict:
    """One fixed point: parameters and Gram matrix (decimal strings), labelled spectrum,
    verdict.

    ``stable`` is ``True``/``False`` when decided, ``None`` when not; ``certified`` says
    whether the verdict is proven.  ``jacobian`` is set (the derivative's status) only
    when no Jacobian was computed.  ``point`` and ``certificate`` keep the search's
    result and the enclosures behind the verdict (not part of the JSON).
    """

    family: str
    degenerate: bool
    proof: str
    parameters: dict[str, str]
    gram: list[list[str]]
    admissible_directions: str
    eigenvalues: list[EigenvalueReport]
    spectral_radius: str | None
    stable: bool | None
    certified: bool
    notes: list[str] = field(default_factory=list)
    jacobian: str | None = None
    point: FoundFixedPoint | None = field(default=None, repr=False, compare=False)
    certificate: Certificate | None = field(default=None, repr=False, compare=False)
    blocks: list[Block] | None = field(default=None, repr=False, compare=False)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "family": self.family, "degenerate": self.degenerate, "proof": self.proof,
            "parameters": self.parameters, "gram": self.gram,
            "admissible_directions": self.admissible_directions,
            "eigenvalues": [e.to_json() for e in self.eigenvalues],
            "spectral_radius": self.spectral_radius, "stable": self.stable,
            "certified": self.certified}
        if self.jacobian is not None:
            out["jacobian"] = self.jacobian
        out["notes"] = list(self.notes)
        return out

    def to_text(self) -> str:
        lines = [f"  {self.parameters}  degenerate={self.degenerate}  stable={self.stable}  "
                 f"certified={self.certified}  spectral radius {self.spectral_radius}"]
        lines += [f"    {e.value:>28}  |.| in {e.modulus_enclosure}  x{e.multiplicity}  "
                  f"{e.symmetry}" for e in self.eigenvalues]
        return "\n".join(lines)


@dataclass
class FixedPointAnalysis:
    """Every fixed point found in a family, with its verdict (module docstring)."""

    family: str
    n: int
    layer: str
    activation: str
    dps: int
    complete: bool
    fixed_points: list[FixedPointVerdict]
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"family": self.family, "n": self.n, "layer": self.layer,
                "activation": self.activation, "dps": self.dps, "complete": self.complete,
                "fixed_points": [fp.to_json() for fp in self.fixed_points],
                "notes": list(self.notes)}

    def to_text(self) -> str:
        lines = [f"fixed points of F_hat: family {self.family}, n = {self.n}, layer "
                 f"{self.layer}, activation {self.activation} (complete: {self.complete})"]
        lines += [fp.to_text() for fp in self.fixed_points]
        lines += [f"note: {x}" for x in self.notes]
        return "\n".join(lines)

    def __repr__(self) -> str:
        verdicts = ", ".join(
            "stable" if fp.stable else "unstable" if fp.stable is False else "undecided"
            for fp in self.fixed_points)
        return (f"FixedPointAnalysis({self.family}, n={self.n}, layer={self.layer}, "
                f"activation={self.activation}, complete={self.complete}, "
                f"{len(self.fixed_points)} point(s): [{verdicts}])")


def jacobian_blocks(point: FoundFixedPoint, layer: Any, activation: Any, *,
                    sigma_w2: Any = 1, dps: int = DEFAULT_DPS,
                    ) -> list[Block] | JacobianUnavailable:
    """The symmetry blocks ``M_c`` of ``D F_hat`` at a found fixed point (step 2 of the
    module docstring), at ``dps + 20`` working digits, or why there are none."""
    failure: list[JacobianUnavailable] = []

    def apply(Es: list) -> list | None:
        res = directional_derivatives(point.gram, Es, layer, activation, sigma_w2=sigma_w2,
                                      dps=dps)
        if res.status != "ok":
            failure.append(JacobianUnavailable(res.status, list(res.notes)))
            return None
        return res.derivatives

    with mpmath.workdps(dps + 20):
        bl = blocks(apply, point.sizes, point.labels)
    return failure[-1] if bl is None else bl


def analyse_fixed_points(family: str, n: int, layer: Any, activation: Any = "relu",
                         dps: int = DEFAULT_DPS, m: int | None = None,
                         sigma_w2: Any = 1) -> FixedPointAnalysis:
    """Search, Jacobian blocks, certificates and verdicts (module docstring).

    Parameters are those of :func:`numerics.fixed_points.search.find_fixed_points`;
    ``sigma_w2`` is made one exact value for the search, the Jacobian and the
    certificate.
    """
    sigma_w2 = sigma_fraction(sigma_w2)
    search = find_fixed_points(family, n, layer, activation, dps=dps, m=m, sigma_w2=sigma_w2)
    verdicts = [_verdict(fp, n, search.layer, activation, dps, sigma_w2)
                for fp in search.fixed_points]
    return FixedPointAnalysis(search.family, n, search.layer, search.activation, dps,
                              search.complete, verdicts, search.notes)


def _verdict(fp: FoundFixedPoint, n: int, layer: str, activation: Any, dps: int,
             sigma_w2: Any) -> FixedPointVerdict:
    """Steps 2-4 of the module docstring at one found point."""
    with mpmath.workdps(dps + 20):
        parameters = {k: mp_str(v, dps) for k, v in fp.parameters.items()}
        gram = [[mp_str(x, dps) for x in row] for row in fp.gram]
        rank, _ = kernel_of(fp.gram, mpmath.mpf(10) ** (-(dps // 2)))
    base = {"family": fp.family, "degenerate": fp.degenerate, "proof": fp.proof,
            "parameters": parameters, "gram": gram,
            "admissible_directions": admissible_text(rank, n), "point": fp}
    bl = jacobian_blocks(fp, layer, activation, sigma_w2=sigma_w2, dps=dps)
    if isinstance(bl, JacobianUnavailable):
        notes = list(bl.notes)
        stable, certified = None, False
        if fp.repelling:  # proven without a Jacobian (the search's lower bound)
            stable, certified = False, True
            notes.append("unstable, proven without eigenvalues (certified refers to this "
                         f"proof, not to an eigenvalue enclosure): {fp.repelling}")
        return FixedPointVerdict(
            **base, eigenvalues=[], spectral_radius="inf" if bl.status == "infinite" else None,
            stable=stable, certified=certified, notes=notes, jacobian=bl.status)
    notes: list[str] = []
    cert: Certificate | None
    try:
        cert = certify(fp.gram, fp.sizes, fp.labels, layer, activation, dps=dps,
                       radius=fp.radius, sigma_w2=sigma_w2, equal_points=fp.equal_points)
    except (PrecisionError, NotClosedFormError) as exc:  # a failure to certify, reported
        cert = None
        notes.append(f"not certified: {exc}")
    eigs = [_eigenvalue(v, b, cert, dps) for b in bl for v in b.eigenvalues]
    with mpmath.workdps(dps + 20):
        radius = mp_str(max(abs(v) for b in bl for v in b.eigenvalues), dps)
    if cert is not None:
        notes.extend(cert.notes)
    return FixedPointVerdict(
        **base, eigenvalues=eigs, spectral_radius=radius,
        stable=None if cert is None else cert.stable,
        certified=False if cert is None else cert.certified, notes=notes,
        certificate=cert, blocks=bl)


def _eigenvalue(v: Any, b: Block, cert: Certificate | None, dps: int) -> EigenvalueReport:
    """A block eigenvalue with the modulus enclosure of the certified ball matching it.

    A cluster enclosure (``count > 1``: a multiple or defective eigenvalue,
    :mod:`numerics.jacobian.certify` step 4) holds several block eigenvalues: it is
    attached to each one it overlaps; their non-rigorous values split by up to
    ``~10^(-dps/count)``, so the tolerance widens with the count.
    """
    enc = None
    if cert is not None:
        near = [c for c in cert.eigenvalues if c.symmetry == b.component.label
                and c.value.overlaps(_acb(v, _match_tol(c.count, dps)))]
        if near:
            c = min(near, key=lambda c: float(c.modulus[1] - c.modulus[0]))
            enc = [_bound(c.modulus[0], dps), _bound(c.modulus[1], dps)]
    with mpmath.workdps(dps + 20):
        real = abs(mpmath.im(v)) <= abs(v) * mpmath.mpf(10) ** (-dps)
        value = mp_str(mpmath.re(v) if real else v, dps)
    return EigenvalueReport(value, enc, b.component.dim, b.component.label,
                            b.component.description)


def _bound(x: Any, dps: int) -> str:
    """An arb bound as a decimal string (its midpoint; the bound itself is the ball)."""
    return x.str(min(dps, 20), radius=False)


def _match_tol(count: int, dps: int) -> float:
    """Relative tolerance matching a reported eigenvalue to an enclosure of ``count``."""
    return max(1e-12, 10.0 ** (1 - dps / max(count, 1)))


def _acb(v: Any, tol: float = 1e-12) -> Any:
    """The complex ball of relative radius ``tol`` around the mpmath number ``v``."""
    arb = flint.arb
    z = mpmath.mpc(v)
    eps = tol * max(1.0, float(abs(z)))
    return flint.acb(arb(mpmath.nstr(z.real, 40)) + arb(0, eps),
                     arb(mpmath.nstr(z.imag, 40)) + arb(0, eps))
