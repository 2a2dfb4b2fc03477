"""``bnverify fixed-points``: fixed points of F_hat in a family, their labelled Jacobian
spectra and certified stability verdicts.

Calls :func:`numerics.fixed_points.search.find_fixed_points`, then for each point the
symmetry blocks of :mod:`numerics.jacobian.symmetry` (exact directional derivatives of
:mod:`numerics.jacobian.derivatives`) and the ball-arithmetic certificate of
:mod:`numerics.jacobian.certify`.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from typing import Any

import mpmath

from numerics.fixed_points.search import find_fixed_points
from numerics.jacobian.certify import certify
from numerics.jacobian.derivatives import admissible_text, directional_derivatives, kernel_of
from numerics.jacobian.symmetry import blocks
from numerics.parameters import sigma_fraction
from numerics.precision import DEFAULT_DPS
from theory.errors import NotClosedFormError, PrecisionError
from theory.serialize import mp_str


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--n", type=int, required=True, help="batch size n")
    parser.add_argument("--layer", required=True, help="layer kind: comma list of rc, rs, nl")
    parser.add_argument("--activation", default="relu", help="activation (default relu)")
    parser.add_argument("--family", required=True,
                        help="symmetric, cluster-odd or two-clusters")
    parser.add_argument("--dps", type=int, default=DEFAULT_DPS, help="significant digits")
    parser.add_argument("--m", type=int, default=None, help="size of the first cluster "
                        "(two-clusters)")
    parser.add_argument("--sigma-w2", default="1", help="weight variance sigma_w^2 (default 1; "
                        "changes the fixed points of erf only, the other activations are "
                        "homogeneous)")


@dataclass
class FixedPointsReport:
    family: str
    n: int
    layer: str
    activation: str
    dps: int
    complete: bool
    fixed_points: list[dict]
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"family": self.family, "n": self.n, "layer": self.layer,
                "activation": self.activation, "dps": self.dps, "complete": self.complete,
                "fixed_points": self.fixed_points, "notes": self.notes}

    def to_text(self) -> str:
        lines = [f"fixed points of F_hat: family {self.family}, n = {self.n}, layer {self.layer}, "
                 f"activation {self.activation} (complete: {self.complete})"]
        for fp in self.fixed_points:
            lines.append(f"  {fp['parameters']}  degenerate={fp['degenerate']}  "
                         f"stable={fp['stable']}  certified={fp['certified']}  "
                         f"spectral radius {fp['spectral_radius']}")
            for e in fp["eigenvalues"]:
                lines.append(f"    {e['value']:>28}  |.| in {e['modulus_enclosure']}  "
                             f"x{e['multiplicity']}  {e['symmetry']}")
        lines += [f"note: {x}" for x in self.notes]
        return "\n".join(lines)


def _fmt(x: Any, digits: int) -> str:
    return x.str(digits) if hasattr(x, "mid") else mp_str(x, digits)


def analyse(family: str, n: int, layer: str, activation: str, dps: int,
            m: int | None = None, sigma_w2: Any = 1) -> FixedPointsReport:
    """Search, Jacobian blocks and certificates (the function the command calls)."""
    sigma_w2 = sigma_fraction(sigma_w2)  # one exact value for search, Jacobian, certificate
    search = find_fixed_points(family, n, layer, activation, dps=dps, m=m, sigma_w2=sigma_w2)
    out = []
    for fp in search.fixed_points:
        entry: dict[str, Any] = {"family": fp.family, "degenerate": fp.degenerate,
                                 "proof": fp.proof}
        with mpmath.workdps(dps + 20):
            entry["parameters"] = {k: mp_str(v, dps) for k, v in fp.parameters.items()}
            entry["gram"] = [[mp_str(x, dps) for x in row] for row in fp.gram]
            rank, _ = kernel_of(fp.gram, mpmath.mpf(10) ** (-(dps // 2)))
            entry["admissible_directions"] = admissible_text(rank, n)
            status: dict[str, Any] = {}

            def apply(Es, status=status, fp=fp):
                res = directional_derivatives(fp.gram, Es, layer, activation,
                                              sigma_w2=sigma_w2, dps=dps)
                status["status"], status["notes"] = res.status, res.notes
                if res.status != "ok":
                    raise ArithmeticError(res.status)
                return res.derivatives

            try:
                bl = blocks(apply, fp.sizes, fp.labels)
            except ArithmeticError:
                bl = None
        if bl is None:
            entry.update({"eigenvalues": [], "spectral_radius": "inf"
                          if status.get("status") == "infinite" else None,
                          "stable": None, "certified": False,
                          "jacobian": status.get("status"), "notes": status.get("notes", [])})
            if fp.repelling:  # proven without a Jacobian (the search's lower bound)
                entry["stable"], entry["certified"] = False, True
                entry["notes"] = entry["notes"] + [
                    f"unstable, proven without eigenvalues (certified refers to this proof, "
                    f"not to an eigenvalue enclosure): {fp.repelling}"]
            out.append(entry)
            continue
        try:
            cert = certify(fp.gram, fp.sizes, fp.labels, layer, activation, dps=dps,
                           radius=fp.radius, sigma_w2=sigma_w2,
                           equal_points=fp.equal_points)
        except (PrecisionError, NotClosedFormError) as exc:
            cert = None
            entry["notes"] = [f"not certified: {exc}"]
        eigs = []
        for b in bl:
            for v in b.eigenvalues:
                enc = None
                if cert is not None:
                    # A cluster enclosure (count > 1: a multiple or defective eigenvalue,
                    # numerics.jacobian.certify step 4) holds several block eigenvalues: it is
                    # attached to each one it overlaps; their non-rigorous values split by
                    # up to ~10^(-dps/count), so the tolerance widens with the count.
                    near = [c for c in cert.eigenvalues if c.symmetry == b.component.label
                            and c.value.overlaps(_acb(v, _match_tol(c.count, dps)))]
                    if near:
                        c = min(near, key=lambda c: float(c.modulus[1] - c.modulus[0]))
                        enc = [_bound(c.modulus[0], dps), _bound(c.modulus[1], dps)]
                with mpmath.workdps(dps + 20):
                    val = mp_str(v if abs(mpmath.im(v)) > abs(v) * mpmath.mpf(10) ** (-dps)
                                 else mpmath.re(v), dps)
                eigs.append({"value": val, "modulus_enclosure": enc,
                             "multiplicity": b.component.dim, "symmetry": b.component.label,
                             "description": b.component.description})
        entry["eigenvalues"] = eigs
        with mpmath.workdps(dps + 20):
            rad = max(abs(v) for b in bl for v in b.eigenvalues)
            entry["spectral_radius"] = mp_str(rad, dps)
        if cert is not None:
            entry["stable"], entry["certified"] = cert.stable, cert.certified
            entry.setdefault("notes", []).extend(cert.notes)
        else:
            entry["stable"], entry["certified"] = None, False
        out.append(entry)
    return FixedPointsReport(search.family, n, search.layer, search.activation, dps,
                             search.complete, out, search.notes)


def _bound(x: Any, dps: int) -> str:
    """An arb bound as a decimal string (its midpoint; the bound itself is the ball)."""
    return x.str(min(dps, 20), radius=False)


def _match_tol(count: int, dps: int) -> float:
    """Relative tolerance matching a reported eigenvalue to an enclosure of ``count``."""
    return max(1e-12, 10.0 ** (1 - dps / max(count, 1)))


def _acb(v: Any, tol: float = 1e-12) -> Any:
    from flint import acb
    z = mpmath.mpc(v)
    from flint import arb
    eps = tol * max(1.0, float(abs(z)))
    return acb(arb(mpmath.nstr(z.real, 40)) + arb(0, eps),
               arb(mpmath.nstr(z.imag, 40)) + arb(0, eps))


def run(args: argparse.Namespace) -> FixedPointsReport:
    return analyse(args.family, args.n, args.layer, args.activation, args.dps, args.m,
                   args.sigma_w2)
