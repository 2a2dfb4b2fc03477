"""Claim ``symmetric-fixed-point`` (docs/theory.md section 5, related results).

RC+ReLU: the fixed-point pipeline (:func:`numerics.fixed_points.analysis.analyse_fixed_points`:
search, symmetry blocks, certificate).  BN+ReLU: a deliberately independent float64
route (the batch map of :mod:`numerics.maps.fast` at the closed-form point and the
central-difference Jacobian of :func:`proofs_check.claims._common.fd_jacobian_eigenvalues`),
sharing no derivative code with the certified one.
"""

from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from numerics.fixed_points.analysis import analyse_fixed_points
from numerics.maps.fast import fast_mean_field_map
from proofs_check.claims import Claim, ClaimOutcome, Context
from proofs_check.claims._common import fd_jacobian_eigenvalues, symmetric_gram
from proofs_check.verdict import Check
from theory.families import n as N
from theory.fixed_points import closed_form_fixed_points


def expected_rho(n: sp.Expr) -> sp.Expr:
    """``(sqrt(n(n-2)) - acos(1/(n-1))) / (pi (n-1))``, the independent closed form."""
    return (sp.sqrt(n * (n - 2)) - sp.acos(1 / (n - 1))) / (sp.pi * (n - 1))


def _symbolic() -> Check:
    ev = {}
    ok = True
    bn = closed_form_fixed_points("symmetric", "bn", "relu")
    ev["bn"] = {"closed_form_found_by_theory": bool(bn.fixed_points), "notes": bn.notes,
                "why_the_same_rho": "on the symmetric family S = sigma^2 q (1-rho) P; for "
                "h ~ N(0, c P) the direction Ph/|Ph| is independent of |Ph|, so RS only "
                "rescales F: F_hat is the same as for RC+ReLU (checked numerically below)"}
    for layer in ("rc,nl",):
        fps = closed_form_fixed_points("symmetric", layer, "relu").fixed_points
        rho = next(v for f in fps for k, v in f.values.items()
                   if k.name == "rho" and v != 1)
        diff = sp.simplify(rho - expected_rho(N))
        worst = max(abs(sp.N((rho - expected_rho(N)).subs(N, k), 50)) for k in (3, 4, 7, 16, 101))
        same = diff == 0 or worst < sp.Float("1e-45")
        ok &= bool(same)
        ev[layer] = {"rho_theory": str(rho), "simplify_to_zero": diff == 0,
                     "max_abs_difference_at_n_3_4_7_16_101_50_digits": float(worst)}
    return Check("symbolic", "mean-field", ok,
                 "theory.fixed_points: the symmetric fixed point of F_hat for RC+ReLU "
                 "is rho* = (sqrt(n(n-2)) - acos(1/(n-1)))/(pi (n-1)) (SymPy, n "
                 "symbolic; also at 50 digits for n = 3, 4, 7, 16, 101)", ev)


def run(ctx: Context) -> ClaimOutcome:
    ns = [3, 4, 8] if ctx.quick else [3, 4, 8, 16, 32]
    checks = [_symbolic()]
    runs = [{"what": "closed_form_fixed_points", "layers": ["rc,nl", "bn"]}]
    ev, stable, spectra = {}, [], {}
    for n in ns:
        res = analyse_fixed_points("symmetric", n, "rc,nl", "relu")
        inner = [v for v in res.fixed_points if not v.degenerate]
        fp, cert = inner[0].point, inner[0].certificate
        if cert is None:
            raise RuntimeError(f"symmetric n={n}: no certificate at the fixed point "
                               f"({'; '.join(inner[0].notes)})")
        rho = fp.parameters["rho"]
        with mpmath.workdps(40):
            exact = mpmath.mpf(str(sp.N(expected_rho(sp.Integer(n)), 40)))
            gap = float(abs(rho - exact))
        ev[f"n={n}"] = {"rho": float(rho), "enclosure_half_width": fp.enclosure.get("rho"),
                        "closed_form": float(exact),
                        "abs_difference": gap,
                        "agree": gap <= 4 * fp.enclosure.get("rho", 0) + 1e-25,
                        "non_degenerate_fixed_points": len(inner), "search_complete":
                        res.complete, "stable": cert.stable,
                        "spectral_radius": [float(cert.spectral_radius[0]),
                                            float(cert.spectral_radius[1])]}
        stable.append(cert.stable is True and ev[f"n={n}"]["agree"] and len(inner) == 1)
        spectra[f"RC+ReLU symmetric n={n}"] = [
            (complex(float(e.value.real.mid()), float(e.value.imag.mid())), e.multiplicity,
             e.symmetry) for e in cert.eigenvalues]
    checks.append(Check(
        "interval", "mean-field", all(stable),
        "RC+ReLU: the interval search (numerics.fixed_points.search; complete except for boxes at "
        "rho -> 1, where the map is undefined) finds exactly one non-degenerate symmetric "
        "fixed point, equal to the closed form within its ~1e-35 enclosure, and "
        "numerics.jacobian.certify "
        "proves it stable: spectral radius " + ", ".join(
            f"n={k[2:]}: {v['spectral_radius'][1]:.6f}" for k, v in ev.items()), ev))
    runs.append({"what": "find_fixed_points + certify", "ns": ns, "layer": "rc,nl"})
    bn = {}
    bn_ok = []
    for n in ([4, 8] if ctx.quick else [4, 8, 16]):
        rho = float(sp.N(expected_rho(sp.Integer(n)), 20))
        G = symmetric_gram(n, rho)
        r = fast_mean_field_map(G, "bn", "relu")
        resid = float(np.abs(r.F_hat - G).max())
        jac = fd_jacobian_eigenvalues(G, "bn", "relu")
        bn[f"n={n}"] = {"fixed_point_residual": resid, "map_error": float(r.error),
                        "spectral_radius": jac["spectral_radius"], "error": jac["error"],
                        "top_eigenvalues": [complex(x) for x in jac["eigenvalues"][:4]]}
        spectra[f"BN+ReLU symmetric n={n}"] = [(complex(x), 1, "") for x in jac["eigenvalues"]]
        bn_ok.append(resid < 1e-12 and jac["spectral_radius"] + jac["error"] < 1)
    checks.append(Check(
        "numeric", "mean-field", all(bn_ok),
        "BN+ReLU (RS integral, float64): the same rho* is a fixed point (residual <= "
        f"{max(v['fixed_point_residual'] for v in bn.values()):.1e}) and the Jacobian "
        "(central differences, Richardson) has spectral radius " + ", ".join(
            f"n={k[2:]}: {v['spectral_radius']:.6f} +- {v['error']:.1e}" for k, v in bn.items())
        + " < 1: stable", bn))
    runs.append({"what": "fast map + finite-difference Jacobian", "layer": "bn"})
    return ClaimOutcome(checks, runs, {"spectra": spectra})


CLAIM = Claim(
    id="symmetric-fixed-point",
    statement="The RC + ReLU and batch-norm (RC + RS + ReLU) maps have a symmetric fixed point "
              "in closed form in n, and it is stable.",
    source="docs/theory.md section 5 (related results); the closed form follows from the "
           "arc-cosine kernel (Cho and Saul, NeurIPS 2009) at P = I - 11^T/n",
    precise="G* = (1-rho*) I + rho* 11^T with rho* = (sqrt(n(n-2)) - acos(1/(n-1)))/(pi(n-1)) "
            "is a fixed point of F_hat for RC+ReLU and BN+ReLU, the only non-degenerate one "
            "in the symmetric family (RC+ReLU), and every Jacobian eigenvalue has modulus < 1.",
    run=run,
)
