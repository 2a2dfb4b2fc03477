"""Claim ``relu-correlation-slow``.

Cho and Saul 2009; Poole et al. 2016; Schoenholz et al. 2017.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import sympy as sp

from numerics.simulation.simulate import SimulationConfig, simulate
from proofs_check.claims import Claim, ClaimOutcome, Context
from proofs_check.claims._common import mean_ci
from proofs_check.verdict import Check


def derive() -> dict:
    """SymPy: ``1 - k(1 - e) = e - A e^(3/2) + O(e^2)`` and ``1 - c_l ~ 4 / (A^2 l^2)``."""
    c, e, ll = sp.symbols("c e l", positive=True)
    k = (sp.sqrt(1 - c**2) + (sp.pi - sp.acos(c)) * c) / sp.pi
    kp1 = sp.limit(sp.diff(k, c), c, 1, dir="-")
    u = sp.Symbol("u", positive=True)  # e = u^2
    ser = sp.series(1 - k.subs(c, 1 - u**2), u, 0, 5).removeO()
    A = -ser.coeff(u, 3)
    lin = ser.coeff(u, 2)
    # continuum limit de/dl = -A e^(3/2): e^(-1/2) = A l / 2
    f = sp.Function("f")
    sol = sp.dsolve(sp.Eq(f(ll).diff(ll), -A * f(ll) ** sp.Rational(3, 2)), f(ll))
    sols = sol if isinstance(sol, list) else [sol]
    lead = None
    for s_ in sols:
        cand = sp.limit(s_.rhs * ll**2, ll, sp.oo)
        if cand.is_positive:
            lead = sp.simplify(cand)
    return {"k_prime_at_1": sp.simplify(kp1), "linear": sp.simplify(lin), "A": sp.simplify(A),
            "constant": lead, "expected_A": 2 * sp.sqrt(2) / (3 * sp.pi),
            "expected_constant": 9 * sp.pi**2 / 2}


def iterate_map(steps: int, c0: float = 0.0, dps: int = 40) -> list[tuple[int, float]]:
    """``e_l = 1 - c_l`` of ``c_{l+1} = k(c_l)`` at ``dps`` digits; (l, e_l) at powers of ~2."""
    out = []
    with mpmath.workdps(dps):
        c = mpmath.mpf(c0)
        marks = set(np.unique(np.round(np.logspace(0, math.log10(steps), 60)).astype(int)))
        for ell in range(1, steps + 1):
            c = (mpmath.sqrt(1 - c * c) + (mpmath.pi - mpmath.acos(c)) * c) / mpmath.pi
            if ell in marks:
                out.append((ell, float(1 - c)))
    return out


def run(ctx: Context) -> ClaimOutcome:
    steps = 20000 if ctx.quick else 200000
    d = derive()
    ok_sym = (d["k_prime_at_1"] == 1 and d["linear"] == 1
              and sp.simplify(d["A"] - d["expected_A"]) == 0
              and d["constant"] is not None
              and sp.simplify(d["constant"] - d["expected_constant"]) == 0)
    checks = [Check(
        "symbolic", "mean-field", ok_sym,
        f"SymPy: k'(1) = {d['k_prime_at_1']}; 1 - k(1-e) = e - A e^(3/2) + O(e^2) with "
        f"A = {d['A']}; solving de/dl = -A e^(3/2) gives 1 - c_l ~ {d['constant']}/l^2 "
        f"(= {float(d['constant']):.6f}/l^2)",
        {k: str(v) for k, v in d.items()})]
    traj = iterate_map(steps)
    C = float(d["constant"]) if d["constant"] is not None else 9 * math.pi**2 / 2
    ratios = [(ell, e * ell * ell / C) for ell, e in traj]
    last = ratios[-1]
    mid = next(r for r in ratios if r[0] >= steps // 100)
    conv = abs(last[1] - 1) < abs(mid[1] - 1) and abs(last[1] - 1) < 0.02
    checks.append(Check(
        "numeric", "mean-field", conv,
        f"mpmath (40 digits) iteration of c -> k(c) from c_0 = 0: l^2 (1-c_l) / (9 pi^2/2) = "
        f"{mid[1]:.5f} at l = {mid[0]}, {last[1]:.5f} at l = {last[0]} (approaching 1; the "
        "correction is O(log l / l))",
        {"ratio_by_layer": ratios[-8:], "dps": 40}))
    depth = 60 if ctx.quick else 150
    width = 2048 if ctx.quick else 8192
    trials = 10 if ctx.quick else 20
    cfg = SimulationConfig(n=2, width=width, depth=depth, layer="nl", activation="relu",
                           trials=trials, seed=ctx.seed + 5, every=1,
                           initial_gram=[[1.0, 0.0], [0.0, 1.0]])
    res = simulate(cfg)
    layers = list(range(depth + 1))
    e_sim = np.array([[1 - h["gram"][0, 1] / math.sqrt(h["gram"][0, 0] * h["gram"][1, 1])
                       for h in t.history] for t in res.trials])
    mf = {ell: e for ell, e in iterate_map(depth)}
    sel = [ell for ell in mf if ell >= 5]
    inside, table = 0, []
    for ell in sel:
        m = mean_ci(e_sim[:, ell])
        ci = m["ci"] or [m["mean"], m["mean"]]
        ok = ci[0] <= mf[ell] <= ci[1]
        inside += ok
        table.append({"layer": ell, "simulated": m, "map": mf[ell], "inside_ci": ok})
    frac = inside / len(sel)
    checks.append(Check(
        "simulation", "finite-width", frac >= 0.8,
        f"simulation (layer NL=ReLU, width {width}, {trials} trials, correlation 0 at input): "
        f"the map value of 1-c_l lies in the 95% t CI of the simulated mean at {inside} of "
        f"{len(sel)} recorded layers 5..{depth} (expected ~95% if unbiased; at least 80% "
        "required since the layers are not independent)",
        {"by_layer": table}))
    data = {"map": traj, "sim_layers": layers, "sim_mean": e_sim.mean(axis=0).tolist(),
            "sim_ci": [mean_ci(e_sim[:, i])["ci"] for i in layers], "constant": C,
            "width": width, "trials": trials}
    runs = [{"what": "mpmath iteration", "steps": steps, "c0": 0, "dps": 40},
            {"what": "simulate", **cfg.to_json()}]
    return ClaimOutcome(checks, runs, data)


CLAIM = Claim(
    id="relu-correlation-slow",
    statement="Without normalisation the ReLU correlation map has derivative 1 at correlation "
              "1, so correlations approach 1 only like a power of depth: 1 - c_l ~ 9 pi^2 / "
              "(2 l^2).",
    source="Cho and Saul, 'Kernel methods for deep learning', NeurIPS 2009 (arc-cosine "
           "kernel); Poole et al., NeurIPS 2016; Schoenholz et al., ICLR 2017",
    precise="For c_{l+1} = k(c_l), k(c) = (sqrt(1-c^2) + (pi - acos c) c)/pi: k'(1) = 1, "
            "1 - k(1-e) = e - (2 sqrt 2/(3 pi)) e^(3/2) + O(e^2), hence l^2 (1 - c_l) -> "
            "9 pi^2/2; a finite-width ReLU network (no normalisation) follows the map.",
    run=run,
)
