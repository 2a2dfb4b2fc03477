"""Claim ``global-attractor`` (docs/theory.md section 7; Joudaki & Hofmann, AISTATS 2025)."""

from __future__ import annotations

from numerics.correlation_map import certify_global_attractor
from proofs_check.claims import Claim, ClaimOutcome, Context
from proofs_check.verdict import Check

#: The activations checked (the degree-1 homogeneous ones are reported as context).
ACTIVATIONS = ("tanh", "erf", "sign", "step", "sigmoid", "gelu", "silu", "softplus", "elu",
               "selu", "celu", "relu", "abs", "identity")


def run(ctx: Context) -> ClaimOutcome:
    order = 30 if ctx.quick else 60
    checks, rows = [], []
    for name in ACTIVATIONS:
        ctx.say(f"global-attractor: {name}")
        cert = certify_global_attractor(name, order=order)
        row = cert.to_json()
        rows.append(row)
        context = cert.case in ("linear", "degree-1 homogeneous")
        checks.append(Check(
            "interval", "mean-field", cert.holds,
            f"{name}: {cert.case}; fixed point {cert.fixed_point}, kappa'(rho*) = "
            f"{cert.derivative}, kappa'(1) {cert.slope_at_one}: {cert.reason}",
            row, decisive=not context))
    header = "activation | holds | fixed point | kappa'(rho*) | kappa'(1) | case"
    table = [header] + [f"{r['activation']} | {r['holds']} | {r['fixed_point']} | "
                        f"{r['kappa_prime_at_fixed_point']} | {r['kappa_prime_at_1']} | {r['case']}"
                        for r in rows]
    checks.append(Check("interval", "mean-field", None, "table:\n" + "\n".join(table),
                        {"table": rows, "order": order}, decisive=False))
    return ClaimOutcome(checks, runs=[{"hermite_order": order}], data={"table": rows})


CLAIM = Claim(
    id="global-attractor",
    statement="for nonlinear activations the two-point correlation of a deep network converges "
              "globally to a unique fixed point",
    source="Joudaki & Hofmann, Emergence of globally attracting fixed points in deep neural "
           "networks with nonlinear activations, AISTATS 2025",
    precise="layer nl, unit-variance inputs: kappa(rho) = E[phi(x) phi(y)] / E[phi(z)^2] "
            "((x, y) standard normal with correlation rho; phi not centred) has exactly one "
            "fixed point in (-1, 1) and it attracts every rho_0 in (-1, 1); certified per "
            "activation with the Hermite series and its Parseval tail in arb balls "
            "(numerics.correlation_map). Degree-1 homogeneous activations (ReLU, abs, "
            "identity) are excluded from the verdict: kappa'(1) = 1 there, and the table "
            "shows that the statement fails for them (correlations tend to 1)",
    run=run,
)
